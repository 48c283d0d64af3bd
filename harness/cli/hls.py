"""`harness vendor-report`: show, export or compare what Vivado / Vitis HLS / oneAPI reported."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from harness.errors import ReportError
from harness.hls.compare import compare_reports, has_regression, load_baseline
from harness.hls.metrics import to_metrics
from harness.hls.project import load_report
from harness.hls.record import VendorReport
from harness.hls.sniff import RECOGNISED
from harness.hls.text import comparison_json, format_comparison, format_report

EXIT_OK, EXIT_REGRESSION, EXIT_ERROR = 0, 1, 2

_DESCRIPTION = """\
Read C-synthesis, Vivado utilisation, timing-summary and co-simulation reports, hls4ml build()
result dicts or Intel oneAPI reports under PATH (a project folder, searched recursively, or one
file) and print one summary. Values the reports do not state are shown as '-' (null in JSON).

With --compare, compare PATH against BASELINE (an hls4ml build() JSON or a --json output of this
command) with hls4ml's CI tolerances: clock 1 %, latency and II 2 %, resources 10 %. The exit
status is 1 if anything regressed, 2 on unusable input."""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "vendor-report",
        help="summarise (or compare) Vivado / Vitis HLS / oneAPI reports",
        description=_DESCRIPTION,
        epilog=f"reports recognised by their content, whatever their file names: {RECOGNISED}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("path", type=Path, metavar="PATH", help="project folder or single report file")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--compare", type=Path, metavar="BASELINE.json", help="compare PATH against BASELINE")
    parser.add_argument(
        "--run",
        metavar="NAME",
        help="where PATH holds several runs (HLS solutions, earlier builds), the one to show: its name as "
        "listed in problems, or its last folder names (e.g. solution2); default: the latest",
    )
    parser.add_argument(
        "--metrics", type=Path, metavar="OUT.json", help="also write the harness metrics.json shape to OUT"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        report = load_report(args.path, args.run)
        if args.metrics:
            _write_metrics(args.metrics, report)
        if args.compare:
            rows = compare_reports(load_baseline(args.compare), report)
            print(comparison_json(args.compare, args.path, rows) if args.json else format_comparison(rows))
            return EXIT_REGRESSION if has_regression(rows) else EXIT_OK
        print(json.dumps(report.to_dict(), indent=2) if args.json else format_report(report))
        return EXIT_OK
    except ReportError as err:
        message = " ".join(str(err).split())  # one line, whatever the parser's message held
        print(f"harness vendor-report: error: {message}", file=sys.stderr)
        return EXIT_ERROR


def _write_metrics(path: Path, report: VendorReport) -> None:
    try:
        path.write_text(json.dumps(to_metrics(report), indent=2) + "\n", encoding="utf-8")
    except OSError as err:
        raise ReportError(f"cannot write metrics to {path}: {err.strerror}") from err
