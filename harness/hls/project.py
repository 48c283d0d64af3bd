"""The vendor reports of a project folder (or one report file) as one record per run: found by their
content (`sniff`, `scan`), paired into runs (`runs`), combined (`combine`), with every report found
but not used listed with the reason (`VendorReport.unused`) and the problems a reviewer should not
miss.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from harness.errors import ReportError
from harness.hls.combine import combine_run
from harness.hls.problems import find_problems
from harness.hls.record import MalformedReportError, NoReportError, VendorReport
from harness.hls.runs import Run, date_label, find_runs
from harness.hls.scan import ProjectScan, no_report_message, scan

_PARSE_FAILURES = (ValueError, IndexError, KeyError, AttributeError, TypeError, ET.ParseError)


def load_runs(path: Path | str) -> list[VendorReport]:
    """One record per run under `path` (a project folder, searched recursively, or one file), oldest
    first, each with `sources`, `unused` (every report found but not used, with why), `notes` and
    `problems` filled in. A run whose C synthesis cannot be read is listed as unused; if nothing can
    be read, the first reason is raised."""
    path = Path(path)
    found = scan(path)
    try:
        runs = find_runs(found)
        combined = [(run, _combine_or_skip(run, found)) for run in runs]
    except _PARSE_FAILURES as err:  # content no parser anticipated: refuse naming the path
        raise MalformedReportError(path, f"could not be read ({type(err).__name__}: {err})") from err
    runs = [run for run, record in combined if record is not None]
    records = [record for _, record in combined if record is not None]
    if not any(record.sources for record in records):  # nothing read at all: say why, not an empty record
        raise found.errors[0] if found.errors else NoReportError(no_report_message(path, found.unused))
    for record in records:
        record.unused = {k: found.unused[k] for k in sorted(found.unused)}
        record.problems = find_problems(record)
    if len(records) > 1:
        _flag_other_runs(records, runs, found)
    return records


def _combine_or_skip(run: Run, found: ProjectScan) -> VendorReport | None:
    """The run's record, or None (its anchor listed as unused) if its anchor cannot be parsed."""
    try:
        return combine_run(run, found)
    except ReportError as err:
        if run.anchor is None:
            raise
        found.skip(run.anchor, str(err).removeprefix(f"{run.anchor.path}: "))
        found.errors.append(err)
        return None


def _flag_other_runs(records: list[VendorReport], runs: list[Run], found: ProjectScan) -> None:
    """Each record of a multi-run folder says so, names the other runs and lists their reports as unused."""
    described = ", ".join(f"{r.name} ({_run_summary(r)})" for r in runs)
    for record, run in zip(records, runs, strict=True):
        for other in runs:
            if other is not run:
                for report in (other.anchor, *other.members):
                    if report is not None:
                        record.unused[found.rel(report.path)] = f"belongs to run {other.name}"
        record.problems.insert(
            0,
            f"{found.root} holds {len(runs)} runs: {described}. This record is run {run.name}; "
            "choose another with --run NAME.",
        )


def _run_summary(run: Run) -> str:
    bits = [
        f"top {run.top}" if run.top else None,
        run.part,
        f"C synthesis {date_label(run.date)}" if run.date else None,
    ]
    return ", ".join(b for b in bits if b)


def load_report(path: Path | str, run: str | None = None) -> VendorReport:
    """The record of one run under `path`: the one named `run`, else the only one, else the latest (whose
    `problems` then say that the folder holds several and name them)."""
    records = load_runs(path)
    if run is None:
        return records[-1]
    matches = [r for r in records if _run_matches(r.run or "", run)]
    if len(matches) != 1:
        names = ", ".join(r.run or "?" for r in records)
        raise ReportError(
            f"--run {run!r} matches {len(matches)} of the runs under {path} ({names}); name one of them"
        )
    return matches[0]


def _run_matches(name: str, wanted: str) -> bool:
    """A run is chosen by its whole name or by its last folder names ('solution2')."""
    return name == wanted or name.endswith("/" + wanted.strip("/"))
