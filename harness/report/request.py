"""Which study a report is of and where it goes (`ReportRequest`), and writing it (`build_report`):
what `harness report` and `harness.report()` both call."""

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
