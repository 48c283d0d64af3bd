"""Read what the vendor tools themselves reported about a design, so hardware numbers are never retyped.

Sources understood (tests/hls checks each against real reports, except where noted):

* C-synthesis reports ``*_csynth.rpt`` / ``*_csynth.xml`` from Vivado HLS 2019.x-2020.x and Vitis HLS 2022+;
* Vivado utilisation reports (``report_utilization`` and ``report_accelerator_utilization``);
* hls4ml ``build()`` result dicts (Vivado/Vitis ``CSynthesisReport``, oneAPI ``report``) saved as JSON;
* Intel oneAPI ``summary.ndjson`` / ``loop_attr.ndjson`` / ``quartus.ndjson``;
* Vivado timing summaries and HLS co-simulation reports (no real example was available: checked only
  against texts written in their documented layout).

Everything a report does not state stays ``None``: an unknown value must never read as zero. This
module reads one file at a time; `harness.hls.project` finds the reports of a folder by their
content and pairs them into runs.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar

from harness.errors import HarnessError

Number = int | float


class ReportError(HarnessError):
    """A report could not be used; the message says why in plain words."""


class NoReportError(ReportError):
    """Nothing at the given path looks like a report this module understands."""


class MalformedReportError(ReportError):
    """A file looked like a report but lacked something every such report has."""

    def __init__(self, path: Path, what: str) -> None:
        super().__init__(f"{path}: {what}")


# --------------------------------------------------------------------------------------------------
# The normalised report


@dataclass
class Clock:
    target_ns: float | None = None
    estimated_ns: float | None = None
    uncertainty_ns: float | None = None


@dataclass
class Latency:
    min_cycles: Number | None = None
    max_cycles: Number | None = None
    min_ns: float | None = None
    max_ns: float | None = None


@dataclass
class Interval:
    min: Number | None = None
    max: Number | None = None


@dataclass
class HlsResources:
    """HLS estimate (or capacity). `extra` holds vendor-specific counts, e.g. Intel RAM blocks and MLABs."""

    bram_18k: Number | None = None
    dsp: Number | None = None
    ff: Number | None = None
    lut: Number | None = None
    uram: Number | None = None
    extra: dict[str, Number] = field(default_factory=dict)


@dataclass
class SynthResources:
    """Post-synthesis counts. `bram` is in Block RAM tiles (36 Kb), which is what Vivado reports."""

    lut: Number | None = None
    ff: Number | None = None
    dsp: Number | None = None
    bram: Number | None = None
    uram: Number | None = None
    extra: dict[str, Number] = field(default_factory=dict)


@dataclass
class Cosim:
    status: str | None = None  # "pass" / "fail"
    rtl: str | None = None


@dataclass
class Timing:
    wns_ns: float | None = None
    whs_ns: float | None = None
    met: bool | None = None
    fmax_mhz: float | None = None  # Quartus post-fit fmax (Intel only)


_GROUP_TYPES: dict[str, type] = {
    "clock": Clock,
    "latency": Latency,
    "ii": Interval,
    "hls_resources": HlsResources,
    "available": HlsResources,
    "available_slr": HlsResources,
    "synth_resources": SynthResources,
    "synth_available": SynthResources,
    "cosim": Cosim,
    "timing": Timing,
}


@dataclass
class VendorReport:
    """One design point as the vendor reports describe it."""

    tool: str | None = None
    tool_version: str | None = None
    part: str | None = None
    top: str | None = None
    clock: Clock = field(default_factory=Clock)
    latency: Latency = field(default_factory=Latency)
    ii: Interval = field(default_factory=Interval)
    hls_resources: HlsResources = field(default_factory=HlsResources)
    available: HlsResources = field(default_factory=HlsResources)
    available_slr: HlsResources | None = None
    synth_tool: str | None = None
    synth_stage: str | None = None  # Vivado's design state of `synth_resources`: synthesized ... routed
    synth_resources: SynthResources | None = None
    synth_available: SynthResources | None = None
    cosim: Cosim = field(default_factory=Cosim)
    timing: Timing = field(default_factory=Timing)
    sources: dict[str, str] = field(default_factory=dict)
    run: str | None = None  # which run of the folder this record describes
    stages: dict[str, dict[str, Any]] = field(default_factory=dict)  # every implementation stage read
    unused: dict[str, str] = field(default_factory=dict)  # report found but not used -> why
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON shape: groups become objects, vendor-specific extras sit next to the standard keys."""
        return {f.name: _group_to_dict(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> VendorReport:
        """Inverse of `to_dict`, so a saved `--json` output can serve as a comparison baseline."""
        kwargs: dict[str, Any] = {}
        for f in fields(cls):
            if data.get(f.name) is None:
                continue
            group_type = _GROUP_TYPES.get(f.name)
            kwargs[f.name] = _group_from_dict(group_type, data[f.name]) if group_type else data[f.name]
        return cls(**kwargs)


def _group_to_dict(value: Any) -> Any:
    if not is_dataclass(value):
        return value
    out = {f.name: getattr(value, f.name) for f in fields(value) if f.name != "extra"}
    out.update(getattr(value, "extra", {}))
    return out


def _group_from_dict(group_type: type, data: Mapping[str, Any]) -> Any:
    names = {f.name for f in fields(group_type)}
    known = {k: v for k, v in data.items() if k in names and k != "extra"}
    if "extra" in names:
        known["extra"] = {k: v for k, v in data.items() if k not in names and v is not None}
    return group_type(**known)


# --------------------------------------------------------------------------------------------------
# Small value parsers shared by every format

_QUANTITY = re.compile(r"^([-+]?(?:\d+\.?\d*|\.\d+))\s*([a-z]*)$")
_NS_PER_UNIT = {
    "ps": Decimal("0.001"),
    "ns": Decimal(1),
    "us": Decimal(1000),
    "ms": Decimal(10**6),
    "s": Decimal(10**9),
}
_BRACKETED = re.compile(r"\[[^\]]*\]")


def parse_number(text: Any) -> Number | None:
    """'7969' -> 7969, '4520.0' -> 4520, '127.5' -> 127.5, '79512 [ 6.86%]' -> 79512; '-', '?', 'N/A' -> None.

    Integral values become ints so that counts print and compare as counts.
    """
    if isinstance(text, bool) or text is None:
        return None
    if isinstance(text, int | float):
        return int(text) if float(text).is_integer() else float(text)
    cleaned = _BRACKETED.sub("", str(text)).strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not value.is_finite():
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def parse_ns(text: str | None, default_unit: str = "ns") -> float | None:
    """A time such as '50.000 ns', '5.220 us' or '5.00' (unit from the table header) in nanoseconds.

    Decimal arithmetic keeps '6.307 us' at exactly 6307.0 ns rather than 6306.999999.
    """
    if text is None:
        return None
    match = _QUANTITY.match(text.strip().lower())
    if not match:
        return None
    unit = match.group(2) or default_unit
    if unit not in _NS_PER_UNIT:
        return None
    return float(Decimal(match.group(1)) * _NS_PER_UNIT[unit])


def _read_text(path: Path) -> str:
    """The file's text; an unreadable file is a refusal that names it, not a traceback."""
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError as err:
        raise ReportError(f"{path}: cannot read ({err.strerror or err})") from err


def _header_field(text: str, name: str) -> str | None:
    """Value of a `* Name: value` (HLS) or `| Name : value` (Vivado) header line."""
    match = re.search(rf"^\s*[*|]\s*{re.escape(name)}\s*:\s*(.+?)\s*$", text, re.MULTILINE)
    return match.group(1) if match else None


def _version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version)[:2])


# --------------------------------------------------------------------------------------------------
# ASCII tables as printed by Vivado / Vitis (`+---+` borders, `|a|b|` rows)

_BORDER = re.compile(r"^\s*\+[-=+]+\+\s*$")


@dataclass
class AsciiTable:
    """Column names (grouped headers joined, e.g. 'Latency (cycles) min') and data rows of stripped cells."""

    columns: list[str]
    rows: list[list[str]]
    indents: list[int]  # leading spaces of each row's first cell: nesting in accelerator reports

    def records(self) -> list[dict[str, str]]:
        return [dict(zip(self.columns, row, strict=False)) for row in self.rows]

    def row(self, first_cell: str) -> dict[str, str] | None:
        """The record whose first cell is exactly `first_cell` ('Available' is not 'Available SLR')."""
        return next(
            (rec for rec, row in zip(self.records(), self.rows, strict=True) if row[0] == first_cell), None
        )


def _cells(line: str) -> list[tuple[int, int, str]]:
    bars = [i for i, ch in enumerate(line) if ch == "|"]
    return [(a, b, line[a + 1 : b]) for a, b in zip(bars, bars[1:], strict=False)]


def _column_names(header_lines: list[str]) -> list[str]:
    """Name each bottom-row column after the header cells above it, matched by character position.

    Xilinx merges cells across columns ('Latency (cycles)' spans 'min' and 'max'); positions are the
    only reliable link between a group and its sub-columns, across all layouts seen since 2019.1.
    """
    spans = [_cells(line) for line in header_lines]
    names = []
    for start, end, sub in spans[-1]:
        middle = (start + end) / 2
        groups = [
            text.strip() for row in spans[:-1] for a, b, text in row if a <= middle <= b and text.strip()
        ]
        names.append(" ".join([*groups, sub.strip()]).strip())
    return names


def _read_table(lines: list[str], start: int) -> tuple[AsciiTable, int]:
    """Read the table whose top border is `lines[start]`; return it and the index after it."""
    i = start + 1
    header: list[str] = []
    while i < len(lines) and not _BORDER.match(lines[i]) and "|" in lines[i]:
        header.append(lines[i])
        i += 1
    rows: list[list[str]] = []
    indents: list[int] = []
    while i < len(lines) and (_BORDER.match(lines[i]) or lines[i].lstrip().startswith("|")):
        cells = _cells(lines[i])
        if cells:
            raw = cells[0][2]
            rows.append([text.strip() for _, _, text in cells])
            indents.append(len(raw) - len(raw.lstrip()))
        i += 1
    return AsciiTable(_column_names(header) if header else [], rows, indents), i


def _tables(lines: list[str]) -> Iterator[AsciiTable]:
    i = 0
    while i < len(lines) - 1:
        if _BORDER.match(lines[i]) and lines[i + 1].lstrip().startswith("|"):
            table, i = _read_table(lines, i)
            yield table
        else:
            i += 1


def _table_after(lines: list[str], marker: str, path: Path, what: str) -> tuple[str, AsciiTable]:
    """The first table after the first line starting with `marker`, with that marker line."""
    for i, line in enumerate(lines):
        if line.strip().startswith(marker):
            for j in range(i + 1, len(lines)):
                if _BORDER.match(lines[j]):
                    table = _read_table(lines, j)[0]
                    if table.rows:
                        return line, table
                    break
            break
    raise MalformedReportError(path, f"no {what} table (expected after a '{marker}' line)")


def _pick(record: Mapping[str, str], *names: str) -> str | None:
    """First of several column names that exists: layouts renamed columns between versions."""
    return next((record[name] for name in names if name in record), None)


# --------------------------------------------------------------------------------------------------
# C synthesis (Vivado HLS / Vitis HLS)

_HLS_REPORT_HEADER = re.compile(r"==\s*(Vivado HLS|Vitis HLS) Report for '([^']+)'")
# Resource column names in csynth tables/XML and hls4ml build() dicts; DSP48E is the pre-Vitis name.
_HLS_RESOURCE_NAMES = {
    "BRAM_18K": "bram_18k",
    "DSP48E": "dsp",
    "DSP": "dsp",
    "FF": "ff",
    "LUT": "lut",
    "URAM": "uram",
}


def _hls_resources(values: Mapping[str, Any]) -> HlsResources:
    # keyword arguments by field name: Any, as mypy checks ** against every field (`extra` too)
    counts: dict[str, Any] = {
        attr: parse_number(values[name]) for name, attr in _HLS_RESOURCE_NAMES.items() if name in values
    }
    return HlsResources(**counts)


def parse_csynth_rpt(path: Path) -> VendorReport:
    """Parse a `<top>_csynth.rpt` text report.

    Handles the 2019.1 layout (clock without a unit, `Timing (ns)` header, latency table without the
    absolute-time columns) and the 2019.2+ layout (units in cells, `Latency (absolute)` in ns or us).
    """
    text = _read_text(path)
    header = _HLS_REPORT_HEADER.search(text)
    if not header:
        raise MalformedReportError(
            path, "no '== Vivado HLS Report for ...' / '== Vitis HLS Report for ...' header"
        )
    lines = text.splitlines()

    timing_line, timing = _table_after(lines, "+ Timing", path, "timing summary")
    unit = re.search(r"\((\w+)\)", timing_line)
    clock_unit = unit.group(1) if unit else "ns"
    clock_row = timing.records()[0]
    clock = Clock(
        target_ns=parse_ns(clock_row.get("Target"), clock_unit),
        estimated_ns=parse_ns(clock_row.get("Estimated"), clock_unit),
        uncertainty_ns=parse_ns(clock_row.get("Uncertainty"), clock_unit),
    )

    latency_row = _table_after(lines, "+ Latency", path, "latency summary")[1].records()[0]
    min_cycles = _pick(latency_row, "Latency (cycles) min", "Latency min")
    max_cycles = _pick(latency_row, "Latency (cycles) max", "Latency max")
    if min_cycles is None or max_cycles is None:
        raise MalformedReportError(
            path, f"latency summary has no min/max cycle columns (columns: {latency_row})"
        )
    latency = Latency(
        min_cycles=parse_number(min_cycles),
        max_cycles=parse_number(max_cycles),
        min_ns=parse_ns(latency_row.get("Latency (absolute) min")),
        max_ns=parse_ns(latency_row.get("Latency (absolute) max")),
    )
    interval = Interval(
        parse_number(latency_row.get("Interval min")), parse_number(latency_row.get("Interval max"))
    )

    utilisation = _table_after(lines, "== Utilization Estimates", path, "utilisation summary")[1]
    total = utilisation.row("Total")
    available = utilisation.row("Available")
    if total is None or available is None:
        raise MalformedReportError(path, "utilisation summary has no 'Total' or no 'Available' row")
    slr = utilisation.row("Available SLR")
    return VendorReport(
        tool=header.group(1),
        tool_version=(_header_field(text, "Version") or "").split(" ")[0] or None,
        part=_header_field(text, "Target device"),
        top=header.group(2),
        clock=clock,
        latency=latency,
        ii=interval,
        hls_resources=_hls_resources(total),
        available=_hls_resources(available),
        available_slr=_hls_resources(slr) if slr else None,
    )


def _hls_tool_for_version(version: str | None) -> str | None:
    """The XML report does not name its tool. Vivado HLS ended with 2020.1 and Vitis HLS began with
    2020.1, so only that one version is ambiguous (None)."""
    if version is None or not re.match(r"\d{4}\.\d", version):
        return None
    release = _version_tuple(version)
    if release < (2020, 1):
        return "Vivado HLS"
    return "Vitis HLS" if release > (2020, 1) else None


def parse_csynth_xml(path: Path) -> VendorReport:
    """Parse a `<top>_csynth.xml` report (the file hls4ml's own `parse_vivado_report` reads)."""
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as err:
        raise MalformedReportError(path, f"not well-formed XML ({err})") from err
    perf = root.find("PerformanceEstimates")
    area = root.find("AreaEstimates")
    if perf is None or area is None:
        raise MalformedReportError(path, "no <PerformanceEstimates> or <AreaEstimates> element")

    def text(node: ET.Element | None, tag: str) -> str | None:
        found = node.find(tag) if node is not None else None
        return found.text.strip() if found is not None and found.text else None

    user = root.find("UserAssignments")
    unit = text(user, "unit") or "ns"
    overall = perf.find("SummaryOfOverallLatency")
    resources, capacity = area.find("Resources"), area.find("AvailableResources")
    version = text(root.find("ReportVersion"), "Version")
    return VendorReport(
        tool=_hls_tool_for_version(version),
        tool_version=version,
        part=text(user, "Part"),
        top=text(user, "TopModelName"),
        clock=Clock(
            target_ns=parse_ns(text(user, "TargetClockPeriod"), unit),
            estimated_ns=parse_ns(text(perf.find("SummaryOfTimingAnalysis"), "EstimatedClockPeriod"), unit),
            uncertainty_ns=parse_ns(text(user, "ClockUncertainty"), unit),
        ),
        latency=Latency(
            min_cycles=parse_number(text(overall, "Best-caseLatency")),
            max_cycles=parse_number(text(overall, "Worst-caseLatency")),
            min_ns=parse_ns(text(overall, "Best-caseRealTimeLatency")),
            max_ns=parse_ns(text(overall, "Worst-caseRealTimeLatency")),
        ),
        ii=Interval(parse_number(text(overall, "Interval-min")), parse_number(text(overall, "Interval-max"))),
        hls_resources=_hls_resources({c.tag: c.text for c in resources} if resources is not None else {}),
        available=_hls_resources({c.tag: c.text for c in capacity} if capacity is not None else {}),
    )


# --------------------------------------------------------------------------------------------------
# Vivado utilisation, timing, co-simulation


@dataclass
class SynthPart:
    """What one Vivado utilisation report says, plus what is needed to rank it against others."""

    resources: SynthResources
    available: SynthResources
    tool: str
    design: str | None
    accelerator: bool
    state: str | None
    note: str | None = None


# First-level rows of `report_utilization`: 7-series says 'Slice', UltraScale 'CLB'.
_SITE_TYPES = {
    "Slice LUTs": "lut",
    "CLB LUTs": "lut",
    "Slice Registers": "ff",
    "CLB Registers": "ff",
    "DSPs": "dsp",
    "Block RAM Tile": "bram",
    "URAM": "uram",
}
# Columns of `report_accelerator_utilization` (Vitis kernel flow); LUTAsMem is a subset of LUT.
_ACCELERATOR_COLUMNS = {"LUT": "lut", "REG": "ff", "DSP": "dsp", "BRAM": "bram", "URAM": "uram"}
_ACCELERATOR_FIXED_ROWS = ("Platform", "User Budget")


def parse_vivado_utilization(path: Path) -> SynthPart:
    """Parse a Vivado `report_utilization` or `report_accelerator_utilization` text report."""
    text = _read_text(path)
    version = re.search(r"Tool Version\s*:\s*Vivado v\.(\d{4}\.\d)", text)
    if not version:
        raise MalformedReportError(path, "no '| Tool Version : Vivado v.YYYY.N' header line")
    accelerator = (_header_field(text, "Command") or "").startswith("report_accelerator_utilization")
    tables = list(_tables(text.splitlines()))
    used, available, note = (_accelerator_counts if accelerator else _utilization_counts)(path, tables)
    return SynthPart(
        resources=used,
        available=available,
        tool=f"Vivado {version.group(1)}",
        design=_header_field(text, "Design"),
        accelerator=accelerator,
        state=_header_field(text, "Design State"),
        note=note,
    )


_Counts = tuple[SynthResources, SynthResources, str | None]


def _utilization_counts(path: Path, tables: list[AsciiTable]) -> _Counts:
    # keyword arguments of SynthResources by field name (Any: mypy checks ** against `extra` too)
    used: dict[str, Any] = {}
    capacity: dict[str, Any] = {}
    for table in tables:
        if not {"Site Type", "Used", "Available"} <= set(table.columns):
            continue
        for record in table.records():
            attr = _SITE_TYPES.get(record["Site Type"].rstrip("*").strip())
            if attr and attr not in used:
                used[attr] = parse_number(record["Used"])
                capacity[attr] = parse_number(record["Available"])
    if "lut" not in used:
        raise MalformedReportError(path, "no 'Slice LUTs' / 'CLB LUTs' row in any 'Site Type | Used' table")
    return SynthResources(**used), SynthResources(**capacity), None


def _accelerator_counts(path: Path, tables: list[AsciiTable]) -> _Counts:
    """Take one compute unit of the first kernel: one CU is one instance of the HLS design, which is
    what the csynth estimate describes; the kernel row sums all CUs."""
    table = next((t for t in tables if {"Name", "LUT", "REG"} <= set(t.columns)), None)
    if table is None:
        raise MalformedReportError(path, "no 'Name | LUT | ... | REG' accelerator utilisation table")
    records = table.records()
    top_level = [i for i, indent in enumerate(table.indents) if indent == min(table.indents)]
    kernels = [i for i in top_level if table.rows[i][0] not in _ACCELERATOR_FIXED_ROWS]
    budget = table.row("User Budget")
    if not kernels or budget is None:
        raise MalformedReportError(
            path, "accelerator utilisation table has no kernel row or no 'User Budget' row"
        )
    kernel = kernels[0]
    next_top = next((i for i in top_level if i > kernel), len(table.rows))
    units = list(range(kernel + 1, next_top))
    chosen = units[0] if units else kernel
    note = f"kernel '{table.rows[kernel][0]}'" + (
        f", compute unit '{table.rows[chosen][0]}' (1 of {len(units)})" if units else ""
    )
    if len(kernels) > 1:
        note += f"; other kernels ignored: {', '.join(table.rows[i][0] for i in kernels[1:])}"

    def pick(record: Mapping[str, str]) -> SynthResources:
        counts: dict[str, Any] = {
            attr: parse_number(record.get(col)) for col, attr in _ACCELERATOR_COLUMNS.items()
        }
        return SynthResources(**counts)

    return pick(records[chosen]), pick(budget), note


def _timing(wns: Number | None, whs: Number | None, stated_met: bool | None = None) -> Timing:
    """Slacks in ns; 'met' is what the report states, else whether neither slack is negative."""
    met = stated_met
    if met is None and wns is not None and whs is not None:
        met = wns >= 0 and whs >= 0
    return Timing(
        wns_ns=None if wns is None else float(wns), whs_ns=None if whs is None else float(whs), met=met
    )


def parse_timing_summary(path: Path) -> Timing:
    """Parse the 'Design Timing Summary' of a Vivado `report_timing_summary`."""
    text = _read_text(path)
    lines = text.splitlines()
    index = next((i for i, line in enumerate(lines) if "WNS(ns)" in line and "WHS(ns)" in line), None)
    if index is None or index + 2 >= len(lines):
        raise MalformedReportError(path, "no 'Design Timing Summary' row with WNS(ns) and WHS(ns)")
    names = re.split(r"\s{2,}", lines[index].strip())
    values = lines[index + 2].split()
    row = dict(zip(names, values, strict=False))
    stated: bool | None = None
    if "All user specified timing constraints are met." in text:
        stated = True
    elif "Timing constraints are not met." in text:
        stated = False
    return _timing(parse_number(row.get("WNS(ns)")), parse_number(row.get("WHS(ns)")), stated)


def parse_cosim(path: Path) -> Cosim:
    """Status of the first RTL that ran in a `<top>_cosim.rpt` (rows with status 'NA' did not run)."""
    for line in _read_text(path).splitlines():
        cells = [text.strip() for _, _, text in _cells(line)]
        if len(cells) >= 2 and cells[0] in ("VHDL", "Verilog", "SystemC") and cells[1] != "NA":
            return Cosim(status=cells[1].lower(), rtl=cells[0])
    raise MalformedReportError(path, "no VHDL/Verilog/SystemC result row with a Pass/Fail status")


# --------------------------------------------------------------------------------------------------
# Intel oneAPI (report ndjson files and hls4ml's oneAPI build() dict)

# hls4ml's oneAPI resource keys; the ndjson 'Estimated Resource Usage' columns map onto the same keys.
_INTEL_KEYS = {"alut": "lut", "reg": "ff", "dsp": "dsp"}
_INTEL_EXTRA_KEYS = ("ram", "mlab", "alm")
_INTEL_COLUMNS = {"ALUTs": "alut", "FFs": "reg", "RAMs": "ram", "DSPs": "dsp", "MLABs": "mlab"}


_Resources = TypeVar("_Resources", HlsResources, SynthResources)


def _intel_resources(values: Mapping[str, Any], kind: type[_Resources]) -> _Resources:
    """ALUTs/FFs/DSPs go to the standard fields; RAM blocks (M20K), MLABs and ALMs have no Xilinx
    equivalent and go to `extra` rather than being mislabelled as BRAM_18K."""
    standard = {attr: parse_number(values[key]) for key, attr in _INTEL_KEYS.items() if key in values}
    extra = {key: parse_number(values.get(key)) for key in _INTEL_EXTRA_KEYS}
    return kind(**standard, extra={key: value for key, value in extra.items() if value is not None})


def _intel_loops(worst_mhz: Any, worst_ii: Any, worst_latency: Any) -> tuple[Clock, Latency, Interval]:
    """hls4ml's oneAPI summary: slowest loop frequency, largest II, largest loop latency (worst cases)."""
    mhz = parse_number(worst_mhz)
    clock = Clock(estimated_ns=round(1000.0 / mhz, 3) if mhz else None)
    return clock, Latency(max_cycles=parse_number(worst_latency)), Interval(max=parse_number(worst_ii))


def _read_ndjson(path: Path) -> list[dict[str, Any]]:
    rows = []
    for number, line in enumerate(_read_text(path).splitlines(), start=1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as err:
                raise MalformedReportError(path, f"line {number} is not JSON ({err.msg})") from err
    return rows


def parse_oneapi_summary(path: Path) -> tuple[HlsResources, HlsResources]:
    """HLS resource estimate ('Total') and device capacity ('Available') from `summary.ndjson`."""
    rows = _read_ndjson(path)
    header = next((r for r in rows if r.get("summary_type") == "estimatedResources"), None)
    by_name = {r.get("name"): r for r in rows if r.get("parent") == "estimatedResources"}
    if header is None or "Total" not in by_name or "Available" not in by_name:
        raise MalformedReportError(
            path, "no 'Estimated Resource Usage' table with 'Total' and 'Available' rows"
        )
    keys = [_INTEL_COLUMNS.get(str(name).strip()) for name in header["columns"][1:]]

    def row(name: str) -> HlsResources:
        values = {key: value for key, value in zip(keys, by_name[name]["data"], strict=False) if key}
        return _intel_resources(values, HlsResources)

    return row("Total"), row("Available")


def parse_oneapi_loops(path: Path) -> tuple[Clock, Latency, Interval]:
    """Worst loop frequency, II and latency over `loop_attr.ndjson`, as hls4ml's oneAPI report has them."""
    loops = [r for r in _read_ndjson(path) if {"af", "ii", "lt"} <= r.keys()]
    if not loops:
        raise MalformedReportError(path, "no loop or block entries with 'af', 'ii' and 'lt'")

    def values(key: str) -> list[Number]:
        return [v for v in (parse_number(r[key]) for r in loops) if v is not None]

    freqs, iis, latencies = values("af"), values("ii"), values("lt")
    return _intel_loops(min(freqs, default=None), max(iis, default=None), max(latencies, default=None))


def parse_quartus(path: Path) -> tuple[SynthResources, Timing, str | None]:
    """Post-fit resources of the kernel, fmax and kernel name from `quartus.ndjson`."""
    try:
        data = json.loads(_read_text(path))
        nodes = data["quartusFitResourceUsageSummary"]["nodes"]
        fmax = parse_number(data["quartusFitClockSummary"]["nodes"][0]["clock fmax"])
    except (json.JSONDecodeError, KeyError, IndexError, TypeError) as err:
        raise MalformedReportError(path, f"no Quartus fit resource and clock summary ({err!r})") from err
    kernels = [n for n in nodes if n.get("type") == "kernel"] or nodes
    kernel = kernels[0]
    timing = Timing(fmax_mhz=None if fmax is None else float(fmax))
    return _intel_resources(kernel, SynthResources), timing, kernel.get("name")


# --------------------------------------------------------------------------------------------------
# hls4ml build() result dicts


def parse_build_dict(data: Any, path: Path) -> VendorReport:
    """Parse the dict `hls_model.build()` returns (every value a string), as saved to JSON.

    Vivado/Vitis dicts carry `CSynthesisReport` and optionally `VivadoSynthReport`, `CosimReport`,
    `TimingReport`; oneAPI dicts carry `report` with `HLS`, `Loop` and optionally `Quartus`.
    """
    if isinstance(data, dict) and isinstance(data.get("CSynthesisReport"), dict):
        return _parse_xilinx_build(data)
    if isinstance(data, dict) and isinstance(data.get("report"), dict):
        return _parse_oneapi_build(data["report"], path)
    raise MalformedReportError(
        path, "not an hls4ml build() result: no 'CSynthesisReport' (Vivado/Vitis) or 'report' (oneAPI) object"
    )


def _parse_xilinx_build(data: dict[str, Any]) -> VendorReport:
    csynth = data["CSynthesisReport"]
    report = VendorReport(
        clock=Clock(
            target_ns=parse_ns(csynth.get("TargetClockPeriod")),
            estimated_ns=parse_ns(csynth.get("EstimatedClockPeriod")),
        ),
        latency=Latency(parse_number(csynth.get("BestLatency")), parse_number(csynth.get("WorstLatency"))),
        ii=Interval(parse_number(csynth.get("IntervalMin")), parse_number(csynth.get("IntervalMax"))),
        hls_resources=_hls_resources(csynth),
        available=_hls_resources(
            {k.removeprefix("Available"): v for k, v in csynth.items() if k.startswith("Available")}
        ),
    )
    synth = data.get("VivadoSynthReport")
    if isinstance(synth, dict) and synth:
        # hls4ml files Vivado's 'Block RAM Tile' count under the key BRAM_18K.
        report.synth_resources = SynthResources(
            lut=parse_number(synth.get("LUT")),
            ff=parse_number(synth.get("FF")),
            dsp=parse_number(synth.get("DSP48E", synth.get("DSP"))),
            bram=parse_number(synth.get("BRAM_18K")),
            uram=parse_number(synth.get("URAM")),
        )
        report.synth_tool = "Vivado"
    cosim = data.get("CosimReport")
    if isinstance(cosim, dict) and cosim.get("Status"):
        report.cosim = Cosim(status=str(cosim["Status"]).lower(), rtl=cosim.get("RTL"))
    timing = data.get("TimingReport")
    if isinstance(timing, dict) and timing:
        report.timing = _timing(parse_number(timing.get("WNS")), parse_number(timing.get("WHS")))
    return report


def _parse_oneapi_build(data: dict[str, Any], path: Path) -> VendorReport:
    hls, loops = data.get("HLS"), data.get("Loop")
    if not isinstance(hls, dict) or not isinstance(loops, dict):
        raise MalformedReportError(
            path, "oneAPI build() result has no 'HLS' or no 'Loop' object under 'report'"
        )
    clock, latency, interval = _intel_loops(
        loops.get("worstFrequency"), loops.get("worstII"), loops.get("worstLatency")
    )
    report = VendorReport(
        tool="Intel oneAPI",
        clock=clock,
        latency=latency,
        ii=interval,
        hls_resources=_intel_resources(hls.get("total", {}), HlsResources),
        available=_intel_resources(hls.get("available", {}), HlsResources),
    )
    quartus = data.get("Quartus")
    if isinstance(quartus, dict) and quartus:
        report.synth_resources = _intel_resources(quartus, SynthResources)
        report.synth_tool = "Quartus"
        fmax = parse_number(quartus.get("fmax"))
        report.timing = Timing(fmax_mhz=None if fmax is None else float(fmax))
    return report


def is_build_dict(data: Any) -> bool:
    return isinstance(data, dict) and (
        isinstance(data.get("CSynthesisReport"), dict) or isinstance(data.get("report"), dict)
    )


def load_json(path: Path) -> Any:
    try:
        return json.loads(_read_text(path))
    except json.JSONDecodeError as err:
        raise MalformedReportError(path, f"not valid JSON ({err.msg} at line {err.lineno})") from err


# --------------------------------------------------------------------------------------------------
# Findings and export

_LABELS = {
    "bram_18k": "BRAM_18K",
    "bram": "BRAM tiles",
    "dsp": "DSP",
    "ff": "FF",
    "lut": "LUT",
    "uram": "URAM",
    "ram": "RAM blocks",
    "mlab": "MLABs",
    "alm": "ALMs",
}


def resource_items(resources: HlsResources | SynthResources) -> dict[str, Number | None]:
    """Resource name -> count, standard fields first, then vendor extras."""
    return dict(_group_to_dict(resources))


def _over_budget(
    what: str, used: HlsResources | SynthResources, available: HlsResources | SynthResources, scope: str
) -> list[str]:
    capacity = resource_items(available)
    findings = []
    for name, count in resource_items(used).items():
        limit = capacity.get(name)
        if count is not None and limit and count > limit:
            findings.append(
                f"{what}: {_LABELS.get(name, name)} {count} is {100 * count / limit:.1f} % {scope} "
                f"({limit} available)"
            )
    return findings


def find_problems(report: VendorReport) -> list[str]:
    """Plain-language findings a reviewer should not miss."""
    problems = []
    clock = report.clock
    if (
        clock.estimated_ns is not None
        and clock.target_ns is not None
        and clock.estimated_ns > clock.target_ns
    ):
        problems.append(
            f"Estimated clock period {clock.estimated_ns:.3f} ns is above the {clock.target_ns:.3f} ns "
            "target: the design will not meet the requested frequency as synthesised."
        )
    timing = report.timing
    if timing.wns_ns is not None and timing.wns_ns < 0:
        problems.append(f"Timing not met (setup): worst negative slack {timing.wns_ns:.3f} ns.")
    if timing.whs_ns is not None and timing.whs_ns < 0:
        problems.append(f"Timing not met (hold): worst hold slack {timing.whs_ns:.3f} ns.")
    if timing.met is False and not any(p.startswith("Timing not met") for p in problems):
        problems.append("Timing not met: the timing summary says the constraints are not met.")
    problems += _over_budget("HLS estimate", report.hls_resources, report.available, "of the device")
    if report.available_slr is not None:
        problems += [
            f"{finding}; the design must span several SLRs"
            for finding in _over_budget(
                "HLS estimate", report.hls_resources, report.available_slr, "of one SLR"
            )
        ]
    if report.synth_resources is not None and report.synth_available is not None:
        problems += _over_budget(
            f"{report.synth_tool} synthesis",
            report.synth_resources,
            report.synth_available,
            "of the available",
        )
    if report.cosim.status == "fail":
        problems.append(f"C/RTL co-simulation failed ({report.cosim.rtl or 'RTL'}).")
    if report.synth_resources is None:
        problems.append(
            "Synthesis report missing (no Vivado utilisation report or Quartus fit of this run): "
            "resource figures are HLS estimates only."
        )
    return problems


#: Vivado design states, earliest first, as `harness.hls.project` names them; metrics say which.
STAGES = ("synthesized", "optimized", "placed", "routed")
STAGE_LABELS = {
    "synthesized": "synth",
    "optimized": "post-opt",
    "placed": "post-place",
    "routed": "post-route",
}


def stage_of(design_state: str | None) -> str | None:
    """Vivado's `Design State` ('Synthesized', 'Fully Placed', 'Routed', 'Physopt postRoute') as one of
    `STAGES`; another state is kept as written (lower case), so it is still named."""
    if not design_state:
        return None
    state = design_state.lower()
    for word, stage in (
        ("route", "routed"),
        ("place", "placed"),
        ("opt", "optimized"),
        ("synth", "synthesized"),
    ):
        if word in state:
            return stage
    return state


def _label(*parts: str | None) -> str:
    return " ".join(p for p in parts if p)


def to_metrics(report: VendorReport) -> dict[str, Any]:
    """The harness's metrics.json shape for an imported vendor point.

    Resources come from synthesis when there is a synthesis report (closer to the hardware than the HLS
    estimate), and `source` says which. Latency in ns is the report's own figure; when a report (e.g.
    Vivado HLS 2019.1) gives only cycles it is cycles x clock, and `source` says so.
    """
    stage = "HLS report" if report.tool == "Intel oneAPI" else "csynth"
    hls_label = _label(report.tool or "hls4ml build()", report.tool_version, stage)
    latency = report.latency
    clock_ns, clock_kind = report.clock.target_ns, "target"
    if clock_ns is None:
        clock_ns, clock_kind = report.clock.estimated_ns, "estimated"
    latency_ns, latency_source = latency.max_ns, hls_label
    if latency_ns is None and latency.max_cycles is not None and clock_ns is not None:
        latency_ns = round(latency.max_cycles * clock_ns, 3)
        latency_source += f" (ns = worst-case cycles x {clock_kind} clock)"

    if report.synth_resources is not None:
        res: HlsResources | SynthResources = report.synth_resources
        bram, bram_unit = report.synth_resources.bram, "RAMB36 tile"
        resource_source = _label(report.synth_tool, STAGE_LABELS.get(report.synth_stage or "", "synth"))
    else:
        res = report.hls_resources
        bram, bram_unit = report.hls_resources.bram_18k, "BRAM_18K"
        resource_source = f"{hls_label} estimate"
    if bram is None and "ram" in res.extra:
        bram, bram_unit = res.extra["ram"], "RAM block (M20K)"
    return {
        "latency": {
            "cycles": latency.max_cycles,
            "ii_cycles": report.ii.max,
            "clock_ns": clock_ns,
            "ns": latency_ns,
            "source": latency_source,
        },
        "resources": {
            "lut": res.lut,
            "ff": res.ff,
            "dsp": res.dsp,
            "bram": bram,
            "bram_unit": bram_unit,
            "source": resource_source,
        },
        "vendor": {
            "tool": report.tool,
            "tool_version": report.tool_version,
            "part": report.part,
            "top": report.top,
            "synth_tool": report.synth_tool,
            "sources": report.sources,
            "available": _available(report, hls_label),
        },
        "problems": report.problems,
    }


def _available(report: VendorReport, hls_label: str) -> dict[str, Any] | None:
    """The device's capacity as the report states it (`Available` rows of the utilisation tables), in
    the units of `to_metrics`' resources: Vivado's (BRAM in RAMB36 tiles) when synthesis gave the
    resources, else the HLS report's (BRAM_18K). None when the report states no capacity."""
    if report.synth_resources is not None and report.synth_available is not None:
        synth = report.synth_available
        counts: dict[str, Any] = {"lut": synth.lut, "ff": synth.ff, "dsp": synth.dsp, "bram": synth.bram}
        unit = "RAMB36 tile"
        source = _label(report.synth_tool, STAGE_LABELS.get(report.synth_stage or "", "synth"), "available")
    else:
        hls = report.available
        counts = {"lut": hls.lut, "ff": hls.ff, "dsp": hls.dsp, "bram": hls.bram_18k}
        unit = "BRAM_18K"
        source = f"{hls_label} available"
    if all(v is None for v in counts.values()):
        return None
    return {**counts, "bram_unit": unit if counts["bram"] is not None else None, "source": source}
