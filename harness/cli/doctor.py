"""`harness doctor`: what this machine can run, and why not when it cannot."""

from __future__ import annotations

import argparse
import json

from harness.doctor import as_dict, render
from harness.toolchain import Toolchain


def run(args: argparse.Namespace) -> int:
    toolchain = Toolchain.discover()
    print(json.dumps(as_dict(toolchain), indent=2) if args.json else render(toolchain))
    return 0 if not toolchain.open_flow_problems else 1


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "doctor",
        help="list the external tools found and which flows can run",
        description="List every external tool the flow uses (found or not, its version, how to get it) "
        "and which fidelities and flows can run here. Exit 0 if the open flow (estimate, synth, verify) "
        "can run, 1 otherwise.",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(func=run)
