"""`harness` command line: one module per command group under `harness.cli`, each a thin layer over
the library (`harness.api`, the jobs' packages). `main` turns every refusal into one `error:` line."""

from __future__ import annotations

import argparse

from harness import __version__, faults
from harness.cli import cosim, doctor, evaluate, hls, regress, report, study, sweep
from harness.errors import HarnessError, SpecError
from harness.toolchain import ToolNotFoundError

# Each module exposes `register(subparsers)`, which adds its sub-command and sets `func(args) -> int`.
_COMMAND_MODULES = (cosim, doctor, evaluate, regress, report, study, sweep, hls)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="harness",
        description="Co-design and benchmarking harness for ML firmware on FPGAs.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in _COMMAND_MODULES:
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one sub-command. Exit status: 0 done; 1 the firmware failed its check (RTL mismatches, a
    regression) or a tool failed (one `error:` line naming it and its log); 2 the input was refused
    (spec, model, layer, data file, missing tool): one `error: ...` line naming what was wrong and
    what would be valid, never a traceback."""
    args = build_parser().parse_args(argv)
    try:
        faults.injected()  # a bad HARNESS_INJECT_FAULT is refused before any command starts work
        return int(args.func(args) or 0)
    except (SpecError, ToolNotFoundError) as exc:
        print(f"error: {exc}")
        return 2
    except HarnessError as exc:  # a tool failed (Yosys, Verilator, a vendor build) or a report is unreadable
        print(f"error: {exc}")
        return 1
