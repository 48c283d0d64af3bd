"""`harness evaluate`: one design point through the flow, up to a fidelity; metrics.json and a summary.

Exit status 0 when the RTL matched its reference on every vector (or was not simulated), 1 when it
mismatched (the first mismatching vectors are printed, then the count as one `error:` line:
`VerificationError`), 2 for refused input.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from harness.api import evaluate
from harness.errors import VerificationError
from harness.record import FIDELITIES, json_default
from harness.spec import load


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "evaluate",
        help="run one design point through the flow",
        description="Take one design point up the fidelity ladder (default verify: train, convert, RTL, "
        "Yosys, every output word of >= 10 000 test vectors compared on Verilator) and write "
        "OUT/metrics.json. Exit 0 when the RTL matched its reference (or was not simulated), 1 when it "
        "mismatched or a tool failed, 2 on bad input (before any work).",
    )
    parser.add_argument("design", help="design YAML, e.g. designs/jet_mlp.yaml")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a spec field; the value is parsed as YAML (repeatable)",
    )
    parser.add_argument(
        "--fidelity",
        choices=FIDELITIES,
        default="verify",
        help="estimate: no Yosys/Verilator; synth: add Yosys; verify (default): add RTL simulation; "
        "vendor: Vivado/Vitis HLS where installed",
    )
    parser.add_argument("--out", help="output folder (default runs/<name>-<hash>)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    spec = load(args.design, args.set)
    out = Path(args.out) if args.out else Path("runs") / f"{spec.name}-{spec.design_hash()}"
    record = evaluate(spec, fidelity=args.fidelity, out=out)
    written = record.to_dict()
    summary = {
        k: written[k] for k in ("design", "design_hash", "accuracy", "verification", "latency", "resources")
    }
    summary["verification"] = {k: v for k, v in summary["verification"].items() if k != "first_mismatches"}
    print(json.dumps(summary, indent=2, default=json_default))
    print(f"wrote {out / 'metrics.json'}")
    try:
        record.check()
    except VerificationError as exc:
        print("first mismatching vectors:")
        for mismatch in exc.first:
            print("  " + mismatch.describe())
        raise
    return 0
