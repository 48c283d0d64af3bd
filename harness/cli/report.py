"""`harness report`: the design-review report of a sweep study, as a page, figures, CSVs and a PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.report.request import ReportRequest, build_report


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "report",
        help="design-review report of a sweep study (HTML, figures, CSV, PDF)",
        description="Write the design review of a sweep study: the Pareto front of designs verified "
        "bit-exact under the latency budget, the recommendation, every trial with its fidelity and "
        "sources, figures, pareto.csv and trials.csv, and a PDF printed by Chromium. Exit 0 when "
        "written, 2 on bad input (no such study or spec).",
    )
    parser.add_argument("spec", nargs="?", help="sweep YAML of the study (or use --study)")
    parser.add_argument("--study", help="study name (default: the spec's name)")
    parser.add_argument("--storage", help="Optuna storage URL or journal file (default: the sweep's)")
    parser.add_argument("--results", default="runs/sweeps", help="sweep results folder (default runs/sweeps)")
    parser.add_argument("--out", help="report folder (default RESULTS/reports/STUDY)")
    parser.add_argument("--no-pdf", action="store_true", help="do not print report.pdf")
    parser.set_defaults(func=_run_cli)


def _run_cli(args: Any) -> int:
    request = ReportRequest(
        spec=args.spec,
        study=args.study,
        storage=args.storage,
        results=Path(args.results),
        out=Path(args.out) if args.out else None,
        pdf=not args.no_pdf,
    )
    written = build_report(request)
    for path in written.files:
        print(f"[report] wrote {path}")
    if written.pdf_problem:
        print(f"[report] warning: {written.pdf_problem}")
    print(f"[report] open {(written.folder / 'index.html').resolve().as_uri()}")
    return 0
