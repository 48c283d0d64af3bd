"""What Vivado HLS (2019.x-2020.x) and Vitis HLS (2022+) report about a solution: the C synthesis
(`<top>_csynth.rpt` and `<top>_csynth.xml`) and the C/RTL co-simulation (`<top>_cosim.rpt`; no real
example was available, so it is checked only against texts written in its documented layout)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from harness.hls.record import (
    Clock,
    Cosim,
    HlsResources,
    Interval,
    Latency,
    MalformedReportError,
    VendorReport,
)
from harness.hls.tables import pick_column, table_after, table_cells
from harness.hls.values import header_field, parse_ns, parse_number, read_text

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


def csynth_resources(values: Mapping[str, Any]) -> HlsResources:
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
    text = read_text(path)
    header = _HLS_REPORT_HEADER.search(text)
    if not header:
        raise MalformedReportError(
            path, "no '== Vivado HLS Report for ...' / '== Vitis HLS Report for ...' header"
        )
    lines = text.splitlines()

    timing_line, timing = table_after(lines, "+ Timing", path, "timing summary")
    unit = re.search(r"\((\w+)\)", timing_line)
    clock_unit = unit.group(1) if unit else "ns"
    clock_row = timing.records()[0]
    clock = Clock(
        target_ns=parse_ns(clock_row.get("Target"), clock_unit),
        estimated_ns=parse_ns(clock_row.get("Estimated"), clock_unit),
        uncertainty_ns=parse_ns(clock_row.get("Uncertainty"), clock_unit),
    )

    latency_row = table_after(lines, "+ Latency", path, "latency summary")[1].records()[0]
    min_cycles = pick_column(latency_row, "Latency (cycles) min", "Latency min")
    max_cycles = pick_column(latency_row, "Latency (cycles) max", "Latency max")
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

    utilisation = table_after(lines, "== Utilization Estimates", path, "utilisation summary")[1]
    total = utilisation.row("Total")
    available = utilisation.row("Available")
    if total is None or available is None:
        raise MalformedReportError(path, "utilisation summary has no 'Total' or no 'Available' row")
    slr = utilisation.row("Available SLR")
    return VendorReport(
        tool=header.group(1),
        tool_version=(header_field(text, "Version") or "").split(" ")[0] or None,
        part=header_field(text, "Target device"),
        top=header.group(2),
        clock=clock,
        latency=latency,
        ii=interval,
        hls_resources=csynth_resources(total),
        available=csynth_resources(available),
        available_slr=csynth_resources(slr) if slr else None,
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
        hls_resources=csynth_resources({c.tag: c.text for c in resources} if resources is not None else {}),
        available=csynth_resources({c.tag: c.text for c in capacity} if capacity is not None else {}),
    )


def _version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version)[:2])


def parse_cosim(path: Path) -> Cosim:
    """Status of the first RTL that ran in a `<top>_cosim.rpt` (rows with status 'NA' did not run)."""
    for line in read_text(path).splitlines():
        cells = [text.strip() for _, _, text in table_cells(line)]
        if len(cells) >= 2 and cells[0] in ("VHDL", "Verilog", "SystemC") and cells[1] != "NA":
            return Cosim(status=cells[1].lower(), rtl=cells[0])
    raise MalformedReportError(path, "no VHDL/Verilog/SystemC result row with a Pass/Fail status")
