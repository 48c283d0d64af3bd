"""Which reports under a path belong together: one run per build.

A folder can hold several runs (two HLS solutions, an earlier Vivado run), so every Vivado and
co-simulation report is paired with the C synthesis it belongs to by folder, top, part and date; the
figures of one run never sit beside another's, and every report found but not used is listed with the
reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from harness.errors import ReportError
from harness.hls.scan import ProjectScan, path_order
from harness.hls.sniff import BUILD, COSIM, CSYNTH, CSYNTH_XML, ONEAPI, TIMING, UTILIZATION, ReportFile
from harness.hls.tops import model_top, top_hints

# Solution sub-folders HLS writes reports into: <solution>/syn/report, <solution>/sim/report, <solution>/impl.
_SOLUTION_SUBFOLDERS = ("syn", "sim", "impl")


@dataclass
class Run:
    """One build: the C synthesis (or build() dict, oneAPI project, or Vivado design) that anchors it
    and the reports paired with it."""

    name: str
    folder: Path
    anchor: ReportFile | None
    top: str | None = None
    part: str | None = None
    date: datetime | None = None
    members: list[ReportFile] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def of(self, kind: str) -> list[ReportFile]:
        return [m for m in self.members if m.kind == kind]


def _solution_folder(path: Path, root: Path) -> Path:
    """The HLS solution folder a report sits in (`<solution>/syn/report/x.rpt`), else its own folder."""
    for parent in path.parents:
        if parent == root or root not in parent.parents:
            break
        if parent.name in _SOLUTION_SUBFOLDERS:
            return parent.parent
    return path.parent


def _hls_runs(found: ProjectScan) -> list[Run]:
    """One run per C synthesis of a model top, grouped by solution folder and the header's
    project/solution (so that reports of two solutions copied into one folder stay apart)."""
    groups: dict[tuple[Path, str | None], list[ReportFile]] = {}
    for report in found.of(CSYNTH, CSYNTH_XML):
        folder = _solution_folder(report.path, found.root)
        groups.setdefault((folder, report.solution), []).append(report)
    _merge_unlabelled(groups)
    hints = top_hints(found)
    runs = []
    for (folder, _), files in groups.items():
        top, why = model_top(files, hints)
        mine = [f for f in files if f.top == top]
        anchors = [f for f in mine if f.kind == CSYNTH] or mine[:1]
        for anchor in anchors:
            run = Run("", folder, anchor, top, anchor.part, anchor.date)
            others = [f for f in files if f.top != top]
            if others:
                run.notes.append(
                    f"used {found.rel(anchor.path)} (top '{top}': {why}); other csynth reports not used: "
                    + ", ".join(found.rel(f.path) for f in others)
                )
            runs.append(run)
        for other in (f for f in files if f not in anchors):
            found.skip(other, _why_not_anchor(other, anchors, top, why, found))
    return runs


def _why_not_anchor(
    report: ReportFile, anchors: list[ReportFile], top: str | None, why: str, found: ProjectScan
) -> str:
    if report.top != top:
        return f"C synthesis of module '{report.top}', not of the model top '{top}' ({why})"
    if len(anchors) == 1:
        return f"the XML form of {found.rel(anchors[0].path)}"
    return f"the XML form of a C-synthesis report of '{top}'"


def _merge_unlabelled(groups: dict[tuple[Path, str | None], list[ReportFile]]) -> None:
    """Reports without a project/solution line (the XML) join the one labelled group of their folder."""
    for folder, label in [key for key in groups if key[1] is None]:
        labelled = [key for key in groups if key[0] == folder and key[1] is not None]
        if len(labelled) == 1:
            groups[labelled[0]] += groups.pop((folder, label))


def _name_runs(runs: list[Run], found: ProjectScan) -> None:
    """A run is named by its solution folder (relative to the scanned path), made unique if need be."""
    for run in runs:
        label = run.anchor.solution if run.anchor and run.anchor.solution else run.top
        folder = found.rel(run.folder) if run.folder != found.root else None
        run.name = folder or label or found.rel(run.anchor.path if run.anchor else run.folder)
    names = [r.name for r in runs]
    for run in runs:
        if names.count(run.name) > 1:
            run.name = found.rel(run.anchor.path) if run.anchor else f"{run.name} on {run.part}"


# --- pairing a Vivado or co-simulation report with its run


def _part_key(part: str) -> str:
    key = re.sub(r"[^a-z0-9]", "", part.lower())
    return key[2:] if key.startswith("xc") else key


def parts_match(a: str | None, b: str | None) -> bool:
    """'xc7z020-clg400-1' (HLS) is '7z020clg400-1' (Vivado); 'xcu55c' is 'xcu55c-fsvh2892-2L-e'."""
    if not a or not b:
        return True
    ka, kb = _part_key(a), _part_key(b)
    return ka.startswith(kb) or kb.startswith(ka)


def date_label(date: datetime) -> str:
    return date.strftime("%Y-%m-%d %H:%M")


_Check = tuple[Callable[[Run], bool], Callable[[list[Run]], str]]


def _checks(report: ReportFile) -> list[_Check]:
    """What must hold between a report and its run, each with why it fails for every candidate."""
    checks: list[_Check] = [
        (
            lambda run: parts_match(report.part, run.part),
            lambda runs: (
                f"its device {report.part} is not the part of "
                + ", ".join(f"run {r.name} ({r.part})" for r in runs)
            ),
        ),
        (
            lambda run: not (report.date and run.date) or run.date <= report.date,
            lambda runs: (
                f"it is dated {date_label(report.date)}, before the C synthesis of "  # type: ignore[arg-type]
                + ", ".join(f"run {r.name} ({date_label(r.date)})" for r in runs if r.date)
                + ": it is from an earlier build"
            ),
        ),
    ]
    if report.kind == COSIM:
        checks.insert(
            0,
            (
                lambda run: not (report.top and run.top) or report.top == run.top,
                lambda runs: f"its top '{report.top}' is not the top of any run",
            ),
        )
    return checks


def _pair(report: ReportFile, runs: list[Run], found: ProjectScan) -> tuple[Run | None, str | None]:
    """The run a report belongs to and a note if the choice rests on dates alone; or None and why.

    A report inside a run's solution folder belongs to that run; otherwise every run is a candidate.
    Candidates must match its part and precede it; of several, the latest C synthesis before it is
    taken, as a rebuilt design's Vivado run follows its newest C synthesis."""
    inside = [r for r in runs if r.folder == report.path.parent or r.folder in report.path.parents]
    deepest = max((len(r.folder.parts) for r in inside), default=0)
    candidates = [r for r in inside if len(r.folder.parts) == deepest] or list(runs)
    for holds, why in _checks(report):
        kept = [r for r in candidates if holds(r)]
        if not kept:
            return None, why(candidates)
        candidates = kept
    if len(candidates) == 1:
        return candidates[0], None
    names = ", ".join(r.name for r in candidates)
    if report.date and all(r.date for r in candidates):
        latest = max(candidates, key=lambda r: r.date)  # type: ignore[arg-type, return-value]
        return latest, (
            f"{found.rel(report.path)} (dated {date_label(report.date)}) follows the C synthesis of runs "
            f"{names}; paired with the latest, {latest.name}"
        )
    return None, f"it could belong to runs {names}: neither its folder, part nor date tells which"


def _vivado_runs(found: ProjectScan) -> list[Run]:
    """Without any C synthesis, each Vivado design (name and part) is a run of its own; a report that
    names no design (a bare timing summary, a co-simulation report) joins the only run there is."""
    runs: list[Run] = []
    for report in sorted(found.of(UTILIZATION, TIMING, COSIM), key=lambda r: r.top is None):
        same = [r for r in runs if r.top == report.top and parts_match(r.part, report.part)]
        if report.top is None and len(runs) == 1:
            same = runs
        if not same:
            runs.append(Run("", report.path.parent, None, report.top, report.part))
        run = same[-1] if same else runs[-1]
        run.members.append(report)
        if report.date and (run.date is None or report.date > run.date):
            run.date = report.date
    return runs


def _assign(found: ProjectScan, runs: list[Run]) -> None:
    for report in found.of(UTILIZATION, TIMING, COSIM):
        run, note = _pair(report, runs, found)
        if run is None:
            found.skip(report, note or "no run to pair it with")
        else:
            run.members.append(report)
            if note:
                run.notes.append(note)


def find_runs(found: ProjectScan) -> list[Run]:
    """Every run under the scanned path, oldest first."""
    if found.of(CSYNTH, CSYNTH_XML):
        runs = _hls_runs(found)
        _name_runs(runs, found)
        _assign(found, runs)
        skipped = found.of(BUILD, ONEAPI)
        why = (
            "an hls4ml build() dict or oneAPI report beside C-synthesis reports: the reports take precedence"
        )
    elif found.of(ONEAPI):
        runs, skipped = _oneapi_run(found), found.of(BUILD, UTILIZATION, TIMING, COSIM)
        why = "not part of the Intel oneAPI project read"
    elif found.of(BUILD):
        runs, skipped = [_build_run(found)], []
        why = ""
    else:
        runs, skipped, why = _vivado_runs(found), [], ""
        _name_runs(runs, found)
    for report in skipped:
        if found.rel(report.path) not in found.unused and not any(report in r.members for r in runs):
            found.skip(report, why)
    return sorted(runs, key=lambda r: (r.date or datetime.min, r.name))


def _build_run(found: ProjectScan) -> Run:
    builds = found.of(BUILD)
    if len(builds) > 1:
        listed = ", ".join(found.rel(b.path) for b in builds[:5]) + (", ..." if len(builds) > 5 else "")
        raise ReportError(
            f"{found.root} holds {len(builds)} hls4ml build() result dicts ({listed}); pass one file"
        )
    run = Run(found.rel(builds[0].path), found.root, builds[0])
    run.members = found.of(UTILIZATION, TIMING, COSIM)
    return run


def _oneapi_run(found: ProjectScan) -> list[Run]:
    """The oneAPI report files of the first project folder that has them; others are listed as unused."""
    files = found.of(ONEAPI)
    folder = min((f.path.parent for f in files), key=path_order)
    run = Run(found.rel(folder) if folder != found.root else folder.name, folder, None)
    run.members = [f for f in files if f.path.parent == folder]
    for other in files:
        if other.path.parent != folder:
            found.skip(other, f"oneAPI report of another project folder than {run.name}")
    return [run]
