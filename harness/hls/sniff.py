"""What kind of vendor report a file is, recognised from its content.

Users name their reports as they like (`report_utilization -file <design>_post_route_util.rpt`), so a
report is recognised by what it says, never by its file name: the HLS header (`== Vitis HLS Report
for 'top'`), the csynth XML's `<profile>`, a Vivado header's `| Command : report_utilization ...` line,
or a Vivado table title. File names serve only as hints (`NAME_HINTS`).
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from harness.errors import ReportError
from harness.hls.build_dict import is_build_dict
from harness.hls.record import VendorReport
from harness.hls.values import header_field, read_text
from harness.hls.vivado import stage_of
from harness.hls.xilinx_hls import parse_csynth_rpt, parse_csynth_xml

# Kinds of report file, as recognised from their content.
CSYNTH, CSYNTH_XML, UTILIZATION, TIMING, COSIM = "csynth", "csynth-xml", "utilization", "timing", "cosim"
BUILD, ONEAPI, VIVADO_OTHER, UNREADABLE = "build", "oneapi", "vivado-other", "unreadable"


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
        top=header.group(1) if header else name_top(path, "_cosim"),
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


def name_top(path: Path, suffix: str) -> str | None:
    """`myproject` from `myproject_cosim.rpt`: a hint where the report's text does not name its top."""
    stem = path.name.split(".")[0]
    return stem[: -len(suffix)] if stem.endswith(suffix) and len(stem) > len(suffix) else None


def name_hint(path: Path) -> str | None:
    return next((kind for kind, names in NAME_HINTS.items() if matches_any(path.name, names)), None)


def matches_any(name: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatch(name, pattern) for pattern in patterns)


def parse_csynth(report: ReportFile) -> VendorReport:
    """A recognised C-synthesis report read by the parser of its kind (text report or XML)."""
    return (parse_csynth_rpt if report.kind == CSYNTH else parse_csynth_xml)(report.path)
