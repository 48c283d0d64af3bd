"""Find the vendor reports under a path by their content, pair them into runs and combine each run.

Users name their reports as they like (`report_utilization -file <design>_post_route_util.rpt`), so a
report is recognised by what it says, never by its file name: the HLS header (`== Vitis HLS Report
for 'top'`), the csynth XML's `<profile>`, a Vivado header's `| Command : report_utilization ...` line,
or a Vivado table title. A folder can hold several runs (two HLS solutions, an earlier Vivado run), so
every Vivado and co-simulation report is paired with the C synthesis it belongs to by folder, top,
part and date; the figures of one run never sit beside another's, and every report found but not
used is listed with the reason (`VendorReport.unused`).
"""

from __future__ import annotations

import fnmatch
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TypeVar

import yaml

from harness.hls.build_dict import is_build_dict, load_json, parse_build_dict
from harness.hls.oneapi import parse_oneapi_loops, parse_oneapi_summary, parse_quartus
from harness.hls.problems import find_problems
from harness.hls.record import MalformedReportError, NoReportError, ReportError, Timing, VendorReport
from harness.hls.values import header_field, read_text
from harness.hls.vivado import STAGES, SynthPart, parse_timing_summary, parse_vivado_utilization, stage_of
from harness.hls.xilinx_hls import parse_cosim, parse_csynth_rpt, parse_csynth_xml

# Kinds of report file, as recognised from their content.
CSYNTH, CSYNTH_XML, UTILIZATION, TIMING, COSIM = "csynth", "csynth-xml", "utilization", "timing", "cosim"
BUILD, ONEAPI, VIVADO_OTHER, UNREADABLE = "build", "oneapi", "vivado-other", "unreadable"
HLS4ML_CONFIG = "hls4ml_config.yml"
# Vivado HLS writes `vivado_hls.app`, Vitis HLS `hls.app`; both name the project's top function.
HLS_PROJECT_FILES = ("vivado_hls.app", "hls.app")
#: What the recognition looks for, as the refusal message and `--help` state it.
RECOGNISED = (
    "HLS C-synthesis reports ('== Vivado HLS Report for' / '== Vitis HLS Report for' header) and their XML "
    "(<profile> with <UserAssignments>), Vivado reports whose header '| Command :' line or table titles "
    "show report_utilization, report_accelerator_utilization or report_timing_summary, HLS co-simulation "
    "reports (an 'RTL | Status' table), hls4ml build() result dicts (JSON with 'CSynthesisReport' or "
    "'report') and Intel oneAPI report files (summary, loop_attr and quartus ndjson)"
)
#: File names that usually hold a kind of report. Used only for a single file given explicitly whose
#: content is not recognised (its parser then says what is missing), and to list look-alikes as unused.
NAME_HINTS = {
    CSYNTH: ("*_csynth.rpt", "csynth.rpt"),
    CSYNTH_XML: ("*_csynth.xml", "csynth.xml"),
    UTILIZATION: ("vivado_synth.rpt", "*util*.rpt"),
    TIMING: ("*timing*.rpt",),
    COSIM: ("*_cosim.rpt",),
    BUILD: ("*.json",),
    ONEAPI: ("*.ndjson",),
}
_SNIFF_CHARS = 65536
_MAX_JSON_BYTES = 50 * 2**20
# Solution sub-folders HLS writes reports into: <solution>/syn/report, <solution>/sim/report, <solution>/impl.
_SOLUTION_SUBFOLDERS = ("syn", "sim", "impl")
#: Folders the tools keep for themselves, never searched for runs: any hidden folder (Vivado HLS / Vitis
#: HLS `<solution>/.autopilot`, whose `db/<top>.verbose.rpt` repeats the C synthesis with the same
#: header, and `.debug`, `.tcls`; Vivado's `.Xil`; Vitis' `.ipcache`, `.run`), and a Vivado project's
#: `<project>.cache`, `.hw`, `.ip_user_files` and `.sim`. A Vivado project's `<project>.runs` and a
#: Vitis link's `_x` hold the user's real implementation reports and are searched.
TOOL_INTERNAL_FOLDERS = (".*", "*.cache", "*.hw", "*.ip_user_files", "*.sim")


@dataclass
class ReportFile:
    """One recognised report and what its content says about the run it came from."""

    path: Path
    kind: str
    top: str | None = None  # HLS top, or Vivado's `Design`
    part: str | None = None
    date: datetime | None = None
    stage: str | None = None  # Vivado design state, see `stage_of`
    solution: str | None = None  # 'project/solution' from an HLS header
    detail: str | None = None  # Vivado command, oneAPI role, or why the file could not be read


# --------------------------------------------------------------------------------------------------
# Recognition by content


def _head(path: Path) -> str | ReportFile | None:
    """The start of a text file; None for a binary file; an UNREADABLE entry if it cannot be read."""
    try:
        with path.open("rb") as fh:
            raw = fh.read(_SNIFF_CHARS)
    except OSError as err:
        return ReportFile(path, UNREADABLE, detail=f"cannot read ({err.strerror or err})")
    if b"\0" in raw[:4096]:
        return None
    return raw.decode("utf-8", errors="replace")


def _date(text: str | None) -> datetime | None:
    """'Sun Mar 19 07:48:36 2023' (HLS and Vivado headers, day padded with a space or not)."""
    if not text:
        return None
    try:
        return datetime.strptime(" ".join(text.split()[:5]), "%a %b %d %H:%M:%S %Y")
    except ValueError:
        return None


_HLS_HEADER = re.compile(r"==\s*(?:Vivado HLS|Vitis HLS|Cosim) Report for '([^']+)'")
_COSIM_TABLE = re.compile(r"^\s*[|+]\s*RTL\s*[|+]\s*Status\s*[|+]", re.M)
_ONEAPI_MARKERS = (
    ('"quartusFit', "quartus"),
    ('"loop_attributes"', "loop_attr"),
    ('"summary_type"', "summary"),
)


def _sniff_json(path: Path, head: str) -> ReportFile | None:
    if not head.lstrip().startswith("{"):
        return None
    for marker, role in _ONEAPI_MARKERS:
        if marker in head:
            return ReportFile(path, ONEAPI, detail=role)
    try:
        if path.stat().st_size <= _MAX_JSON_BYTES and is_build_dict(json.loads(read_text(path))):
            return ReportFile(path, BUILD)
    except (json.JSONDecodeError, ReportError):
        pass
    return None


def _sniff_hls(path: Path, head: str) -> ReportFile | None:
    header = _HLS_HEADER.search(head)
    cosim = _COSIM_TABLE.search(head) or "Cosim Report" in head
    if not header and not cosim:
        return None
    project, solution = header_field(head, "Project"), header_field(head, "Solution")
    return ReportFile(
        path,
        COSIM if cosim else CSYNTH,
        top=header.group(1) if header else _name_top(path, "_cosim"),
        part=header_field(head, "Target device"),
        date=_date(header_field(head, "Date")),
        solution=f"{project}/{solution.split(' (')[0]}" if project and solution else None,
    )


def _sniff_xml(path: Path, head: str) -> ReportFile | None:
    if not head.lstrip().startswith("<profile>") or "<UserAssignments>" not in head:
        return None

    def tag(name: str) -> str | None:
        match = re.search(rf"<{name}>\s*([^<]+?)\s*</{name}>", head)
        return match.group(1) if match else None

    return ReportFile(path, CSYNTH_XML, top=tag("TopModelName"), part=tag("Part"))


_VIVADO_COMMANDS = {
    "report_utilization": UTILIZATION,
    "report_accelerator_utilization": UTILIZATION,
    "report_timing_summary": TIMING,
}
_VIVADO_TITLES = (
    ("Utilization Design Information", UTILIZATION),
    ("Timing Summary Report", TIMING),
    ("Design Timing Summary", TIMING),
)


def _sniff_vivado(path: Path, head: str) -> ReportFile | None:
    """A Vivado text report: by its `| Command :` line, else (older or GUI runs) by its table titles."""
    version = header_field(head, "Tool Version") or ""
    command = (header_field(head, "Command") or "").split(" ")[0]
    titled = next((kind for title, kind in _VIVADO_TITLES if title in head), None)
    if not version.startswith("Vivado") and not command and titled is None:
        return None
    if command:
        kind = _VIVADO_COMMANDS.get(command, VIVADO_OTHER)
    else:
        kind = titled or VIVADO_OTHER
    return ReportFile(
        path,
        kind,
        top=header_field(head, "Design"),
        part=header_field(head, "Device"),
        date=_date(header_field(head, "Date")),
        stage=stage_of(header_field(head, "Design State")),
        detail=command or None,
    )


def sniff(path: Path) -> ReportFile | None:
    """What kind of report `path` is, from its content; None if it is not one."""
    head = _head(path)
    if not isinstance(head, str):
        return head
    for recognise in (_sniff_json, _sniff_xml, _sniff_hls, _sniff_vivado):
        if (found := recognise(path, head)) is not None:
            return found
    return None


def _name_top(path: Path, suffix: str) -> str | None:
    """`myproject` from `myproject_cosim.rpt`: a hint where the report's text does not name its top."""
    stem = path.name.split(".")[0]
    return stem[: -len(suffix)] if stem.endswith(suffix) and len(stem) > len(suffix) else None


def _name_hint(path: Path) -> str | None:
    return next((kind for kind, names in NAME_HINTS.items() if _matches(path.name, names)), None)


def _matches(name: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatch(name, pattern) for pattern in patterns)


# --------------------------------------------------------------------------------------------------
# Runs: which reports belong together


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


@dataclass
class ProjectScan:
    """Everything found under the given path."""

    root: Path
    reports: list[ReportFile]
    configs: list[Path]
    projects: list[Path]
    unused: dict[str, str]
    notes: list[str] = field(default_factory=list)
    errors: list[ReportError] = field(default_factory=list)  # why paired reports could not be parsed

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix() if path != self.root else path.name

    def of(self, *kinds: str) -> list[ReportFile]:
        return [r for r in self.reports if r.kind in kinds]

    def skip(self, report: ReportFile, why: str) -> None:
        self.unused[self.rel(report.path)] = why


def path_order(path: Path) -> tuple[int, str]:
    """Shallowest first, then alphabetical: deterministic and prefers the project's own files."""
    return len(path.parts), str(path)


def scan(path: Path) -> ProjectScan:
    """Recognise every report under `path` (a folder, searched recursively, or one file)."""
    if not path.exists():
        raise NoReportError(f"{path} does not exist")
    single = path.is_file()
    files = [path] if single else sorted(_project_files(path), key=path_order)
    found = ProjectScan(path.parent if single else path, [], [], [], {})
    for file in files:
        if file.name == HLS4ML_CONFIG:
            found.configs.append(file)
        elif file.name in HLS_PROJECT_FILES:
            found.projects.append(file)
        elif (report := sniff(file)) is not None and report.kind not in (UNREADABLE, VIVADO_OTHER):
            found.reports.append(report)
        elif report is not None and single and (report.kind == UNREADABLE or _name_hint(file) is None):
            raise ReportError(f"{file}: {_why_unread(report)}")
        elif (hint := _name_hint(file)) is not None:
            if single:  # the parser of the kind its name suggests says what is missing
                top = _name_top(file, "_cosim") or _name_top(file, "_csynth")
                found.reports.append(ReportFile(file, hint, top=top))
            else:
                why = (
                    _why_unread(report)
                    if report
                    else f"named like a {hint} report, but its content is not one"
                )
                found.unused[found.rel(file)] = why
        elif report is not None:
            found.unused[found.rel(file)] = _why_unread(report)
    if not found.reports:
        raise NoReportError(no_report_message(path, found.unused))
    return found


def tool_internal(relative: Path) -> bool:
    """Whether a path (relative to the searched folder) lies in a folder the tools keep for themselves
    (`TOOL_INTERNAL_FOLDERS`). Only folders below the searched one count: a user who points at
    `.autopilot/db` itself gets its reports."""
    return any(_matches(part, TOOL_INTERNAL_FOLDERS) for part in relative.parts[:-1])


def _project_files(root: Path) -> list[Path]:
    """Every file under `root` outside tool-internal folders."""
    return [p for p in root.rglob("*") if p.is_file() and not tool_internal(p.relative_to(root))]


def _why_unread(report: ReportFile) -> str:
    if report.kind == UNREADABLE:
        return report.detail or "cannot read"
    return f"Vivado {report.detail or 'report'} report: not one this command reads"


def no_report_message(path: Path, unused: dict[str, str] | None = None) -> str:
    """Nothing usable: say what was looked for and, if something was found, why it was not used."""
    found = "; ".join(f"{name}: {why}" for name, why in sorted((unused or {}).items())[:10])
    return f"no recognisable vendor report at {path}. Looked for, by content: {RECOGNISED}." + (
        f" Found but not usable: {found}." if found else ""
    )


def _solution_folder(path: Path, root: Path) -> Path:
    """The HLS solution folder a report sits in (`<solution>/syn/report/x.rpt`), else its own folder."""
    for parent in path.parents:
        if parent == root or root not in parent.parents:
            break
        if parent.name in _SOLUTION_SUBFOLDERS:
            return parent.parent
    return path.parent


# --- the model top among a run's csynth reports (Vivado HLS writes one per module)


class ConfigLoader(yaml.SafeLoader):
    """hls4ml_config.yml contains local tags such as `!keras_model`; read them as null."""


ConfigLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def top_hints(found: ProjectScan) -> list[tuple[str, str]]:
    """Names that identify the model top, strongest first: the hls4ml project name, hls4ml's default
    name, then the top of the HLS project file (unless that top is a wrapper around the model)."""
    hints: list[tuple[str, str]] = []
    for config in sorted(found.configs, key=path_order)[:1]:
        try:
            data = yaml.load(read_text(config), Loader=ConfigLoader)
        except yaml.YAMLError as err:
            found.notes.append(f"could not read {config.name}: {' '.join(str(err).split())}")
            continue
        if isinstance(data, dict) and data.get("ProjectName"):
            hints.append((str(data["ProjectName"]), f"named by ProjectName in {config.name}"))
    hints.append(("myproject", "hls4ml's default project name"))
    for project in sorted(found.projects, key=path_order):
        match = re.search(r'\btop="([^"]+)"', read_text(project))
        if match and "wrapper" not in match.group(1).lower():
            hints.append((match.group(1), f"the top of {project.name}"))
    return hints


def choose_top(tops: list[str], hints: list[tuple[str, str]]) -> tuple[str, str] | None:
    """The model top among the csynth reports' tops, and why; None if nothing decides it."""
    for name, why in hints:
        if name in tops:
            return name, why
    models = [t for t in tops if "wrapper" not in t.lower()]
    if len(models) == 1:
        return models[0], "the only csynth report whose top is not a wrapper"
    return None


def _parse_csynth(report: ReportFile) -> VendorReport:
    return (parse_csynth_rpt if report.kind == CSYNTH else parse_csynth_xml)(report.path)


def _model_top(files: list[ReportFile], hints: list[tuple[str, str]]) -> tuple[str | None, str]:
    tops = sorted({f.top for f in files if f.top})
    if not tops:  # nothing names a top: the report's parser will say what is missing
        return None, "no report names its top"
    choice = choose_top(tops, hints)
    if choice is not None:
        return choice
    # No name decides: the top contains every other module, so it has the largest LUT estimate.
    candidates = [t for t in tops if "wrapper" not in t.lower()] or tops
    first = {t: next(f for f in files if f.top == t) for t in candidates}
    top = max(candidates, key=lambda t: _parse_csynth(first[t]).hls_resources.lut or 0)
    return top, "the largest LUT estimate (no hls4ml_config.yml or project file names the top)"


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
        top, why = _model_top(files, hints)
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


def _when(date: datetime) -> str:
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
                f"it is dated {_when(report.date)}, before the C synthesis of "  # type: ignore[arg-type]
                + ", ".join(f"run {r.name} ({_when(r.date)})" for r in runs if r.date)
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
            f"{found.rel(report.path)} (dated {_when(report.date)}) follows the C synthesis of runs {names}; "
            f"paired with the latest, {latest.name}"
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


# --------------------------------------------------------------------------------------------------
# Combining one run into a record

_HLS_GROUPS = ("clock", "latency", "ii", "hls_resources", "available")
_T = TypeVar("_T")


def _parsed(report: ReportFile, parse: Callable[[Path], _T], found: ProjectScan) -> _T | None:
    """Parse a paired report; one that cannot be read is listed as unused with the parser's reason."""
    try:
        return parse(report.path)
    except ReportError as err:
        found.skip(report, str(err).removeprefix(f"{report.path}: "))
        found.errors.append(err)
        return None


def _stage_order(stage: str | None) -> int:
    """Position in `STAGES`; a state Vivado names otherwise sorts first, so a known stage is preferred."""
    return STAGES.index(stage) if stage in STAGES else -1


def _by_stage(
    items: list[tuple[ReportFile, _T]],
    relevance: Callable[[ReportFile, _T], tuple],
    what: str,
    found: ProjectScan,
) -> dict[str, tuple[ReportFile, _T]]:
    """One report per implementation stage, latest stage last: only the most relevant reports (the HLS
    top's own design before a wrapper), and of one stage the newest. Every other is listed as unused."""
    if not items:
        return {}
    best = min(relevance(*item) for item in items)
    chosen: dict[str, tuple[ReportFile, _T]] = {}
    newest_first = sorted(items, key=lambda item: item[0].date or datetime.min, reverse=True)
    for report, value in sorted(newest_first, key=lambda item: _stage_order(item[0].stage)):
        stage = report.stage or "unknown stage"
        if relevance(report, value) != best:
            found.skip(report, f"{what} of design '{report.top}'; one closer to the HLS top was used")
        elif stage in chosen:
            found.skip(
                report, f"an older {what} of the same stage ({stage}) as {found.rel(chosen[stage][0].path)}"
            )
        else:
            chosen[stage] = (report, value)
    return chosen


def _source(report: ReportFile, found: ProjectScan) -> str:
    return found.rel(report.path) + (f" ({report.stage})" if report.stage else "")


def _add_synthesis(record: VendorReport, run: Run, found: ProjectScan) -> None:
    parts = [(r, p) for r in run.of(UTILIZATION) if (p := _parsed(r, parse_vivado_utilization, found))]

    def relevance(report: ReportFile, part: SynthPart) -> tuple[bool, bool]:
        return part.design != record.top and record.top is not None, not part.accelerator

    stages = _by_stage(parts, relevance, "utilisation report", found)
    for stage, (report, part) in stages.items():
        record.stages.setdefault(stage, {}).update(
            utilization=found.rel(report.path),
            **{k: getattr(part.resources, k) for k in ("lut", "ff", "dsp", "bram")},
        )
    if not stages:
        return
    report, part = list(stages.values())[-1]
    record.synth_resources, record.synth_available = part.resources, part.available
    record.synth_tool, record.synth_stage = part.tool, report.stage
    record.sources["synth_resources"] = _source(report, found)
    if part.note:
        record.notes.append(f"synthesis resources from {found.rel(report.path)}: {part.note}")
    if not part.accelerator and record.top and part.design != record.top:
        record.notes.append(
            f"{found.rel(report.path)} covers design '{part.design}', not only the HLS top '{record.top}'"
        )


def _add_timing(record: VendorReport, run: Run, found: ProjectScan) -> None:
    timings = [(r, t) for r in run.of(TIMING) if (t := _parsed(r, parse_timing_summary, found))]

    def relevance(report: ReportFile, timing: Timing) -> tuple[bool]:
        return (report.top != record.top and record.top is not None,)

    stages = _by_stage(timings, relevance, "timing summary", found)
    for stage, (report, timing) in stages.items():
        record.stages.setdefault(stage, {}).update(
            timing=found.rel(report.path), wns_ns=timing.wns_ns, whs_ns=timing.whs_ns, met=timing.met
        )
    if stages:
        report, record.timing = list(stages.values())[-1]
        record.sources["timing"] = _source(report, found)


def _add_cosim(record: VendorReport, run: Run, found: ProjectScan) -> None:
    reports = sorted(run.of(COSIM), key=lambda r: (r.top != record.top, *path_order(r.path)))
    for report in reports[1:]:
        found.skip(
            report, f"another co-simulation report of run {run.name}; {found.rel(reports[0].path)} was used"
        )
    if reports and (cosim := _parsed(reports[0], parse_cosim, found)):
        record.cosim = cosim
        record.sources["cosim"] = found.rel(reports[0].path)


def _anchor_record(run: Run, found: ProjectScan) -> VendorReport:
    """The run's HLS-side figures: C synthesis, a build() dict, oneAPI reports, or (Vivado only) none."""
    anchor = run.anchor
    if anchor is None and run.members and run.members[0].kind == ONEAPI:
        return _oneapi_record(run, found)
    if anchor is None:
        return VendorReport(top=run.top, part=run.part)
    if anchor.kind == BUILD:
        record = parse_build_dict(load_json(anchor.path), anchor.path)
        groups = [*_HLS_GROUPS, *(g for g in ("synth_resources", "cosim", "timing") if _group_set(record, g))]
    else:
        record, groups = _parse_csynth(anchor), list(_HLS_GROUPS)
    record.sources.update(dict.fromkeys(groups, found.rel(anchor.path)))
    return record


def _group_set(report: VendorReport, group: str) -> bool:
    """Whether a group holds any reported value (so that `sources` only names files that said something)."""
    value = report.to_dict()[group]
    return value is not None and any(v not in (None, {}) for v in value.values())


def _oneapi_record(run: Run, found: ProjectScan) -> VendorReport:
    """Combine the three oneAPI report files of the run's folder."""
    by_role = {m.detail: m.path for m in run.members}
    record = VendorReport(tool="Intel oneAPI")
    if "summary" in by_role:
        record.hls_resources, record.available = parse_oneapi_summary(by_role["summary"])
        record.sources.update(dict.fromkeys(("hls_resources", "available"), found.rel(by_role["summary"])))
    if "loop_attr" in by_role:
        record.clock, record.latency, record.ii = parse_oneapi_loops(by_role["loop_attr"])
        record.sources.update(dict.fromkeys(("clock", "latency", "ii"), found.rel(by_role["loop_attr"])))
    if "quartus" in by_role:
        record.synth_resources, record.timing, record.top = parse_quartus(by_role["quartus"])
        record.synth_tool = "Quartus"
        record.sources.update(dict.fromkeys(("synth_resources", "timing"), found.rel(by_role["quartus"])))
    return record


def _combine(run: Run, found: ProjectScan) -> VendorReport:
    record = _anchor_record(run, found)
    record.run = run.name
    record.notes = [*found.notes, *run.notes]
    if run.anchor is not None or not run.members or run.members[0].kind != ONEAPI:
        _add_synthesis(record, run, found)
        _add_timing(record, run, found)
        _add_cosim(record, run, found)
    record.stages = {s: record.stages[s] for s in sorted(record.stages, key=_stage_order)}
    return record


# --------------------------------------------------------------------------------------------------
# Entry points


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
        return _combine(run, found)
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
        f"C synthesis {_when(run.date)}" if run.date else None,
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
