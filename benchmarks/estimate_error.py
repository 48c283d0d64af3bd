"""How honest is the `estimate` fidelity? Its LUT estimate against Yosys, over a sweep's promoted designs.

Every design a sweep promoted has both numbers in its metrics.json: the generator's cost model under
`estimate` (da4ml's `comb.cost` for arithmetic da, the closed-form count of `harness.nn.mac.estimate_luts`
for mac, the fitted model of `harness.bdt.rtl` for BDTs) and Yosys `synth_xilinx` under `resources`.
This prints each pair, the relative error (estimate / Yosys - 1), and its median and worst by generator.

    python benchmarks/estimate_error.py [RESULTS]       # default runs/sweeps (nox -s sweep's folder)
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def pairs(results: Path) -> list[tuple[str, str, int, int]]:
    """(design folder, generator, estimated LUTs, Yosys LUTs) for every synthesised design."""
    rows = []
    for path in sorted(results.glob("designs/*/metrics.json")):
        record = json.loads(path.read_text())
        if record.get("fidelity") not in ("synth", "verify") or record["estimate"].get("lut") is None:
            continue
        generator = record["model"].get("arithmetic", "bdt") if record["kind"] == "nn" else "bdt"
        rows.append((path.parent.name, generator, record["estimate"]["lut"], record["resources"]["lut"]))
    return rows


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    results = Path(argv[0]) if argv else ROOT / "runs" / "sweeps"
    rows = pairs(results)
    if not rows:
        print(f"no synthesised designs under {results}/designs (run a sweep first)")
        return 1
    print(f"{'design':40} {'generator':9} {'estimate':>9} {'yosys':>9} {'error':>8}")
    by_generator: dict[str, list[float]] = {}
    for name, generator, est, lut in rows:
        error = est / lut - 1
        by_generator.setdefault(generator, []).append(error)
        print(f"{name:40} {generator:9} {est:9d} {lut:9d} {error:+8.1%}")
    for generator, errors in by_generator.items():
        worst = max(errors, key=abs)
        print(
            f"{generator}: {len(errors)} designs, median error {statistics.median(errors):+.1%}, "
            f"median |error| {statistics.median(map(abs, errors)):.1%}, worst {worst:+.1%}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
