"""`harness report`: the design-review report of a sweep study, as a page, figures, CSVs and a PDF."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.spec import SpecError


@dataclass(frozen=True)
class ReportRequest:
    """Which study to report on and where to write the report (the command line's arguments)."""

    spec: str | None = None
    study: str | None = None
    storage: str | None = None
    results: Path = Path("runs/sweeps")
    out: Path | None = None
    pdf: bool = True

    def folder(self, name: str) -> Path:
        return self.out or self.results / "reports" / name

    def command(self) -> str:
        parts = ["harness", "report"]
        parts += [self.spec] if self.spec else []
        parts += ["--study", self.study] if self.study else []
        parts += ["--storage", self.storage] if self.storage else []
        parts += ["--results", str(self.results)]
        parts += ["--out", str(self.out)] if self.out else []
        return shlex.join(parts)


def load(request: ReportRequest) -> Any:
    """The study's points (with the report's front), from its spec or its name and storage."""
    from harness.report.points import load_points
    from harness.report.study import from_spec, from_storage
    from harness.sweep import records

    if request.spec:
        info, study = from_spec(request.spec, request.results, request.study, request.storage)
    elif request.study:
        storage = request.storage or str(request.results / "studies" / f"{request.study}.journal")
        info, study = from_storage(request.study, storage, request.results)
    else:
        raise SpecError("name the study: harness report SPEC, or harness report --study NAME [--storage URL]")
    return load_points(info, records(study))


def build_report(request: ReportRequest) -> Any:
    """Write the report; returns what was written (`harness.report.render.Written`)."""
    from harness.report.render import write_report

    points = load(request)
    return write_report(points, request.folder(points.info.name), request.command(), request.pdf)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "report", help="design-review report of a sweep study (HTML, figures, CSV, PDF)"
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
