"""What Vivado reports about an implementation: utilisation (`report_utilization` and
`report_accelerator_utilization`), the timing summary (`report_timing_summary`; no real example was
available, so it is checked only against texts written in its documented layout), and the design
state each report was taken at."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.hls.record import MalformedReportError, Number, SynthResources, Timing
from harness.hls.tables import AsciiTable, ascii_tables
from harness.hls.values import header_field, parse_number, read_text


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
    text = read_text(path)
    version = re.search(r"Tool Version\s*:\s*Vivado v\.(\d{4}\.\d)", text)
    if not version:
        raise MalformedReportError(path, "no '| Tool Version : Vivado v.YYYY.N' header line")
    accelerator = (header_field(text, "Command") or "").startswith("report_accelerator_utilization")
    tables = list(ascii_tables(text.splitlines()))
    used, available, note = (_accelerator_counts if accelerator else _utilization_counts)(path, tables)
    return SynthPart(
        resources=used,
        available=available,
        tool=f"Vivado {version.group(1)}",
        design=header_field(text, "Design"),
        accelerator=accelerator,
        state=header_field(text, "Design State"),
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


def slack_timing(wns: Number | None, whs: Number | None, stated_met: bool | None = None) -> Timing:
    """Slacks in ns; 'met' is what the report states, else whether neither slack is negative."""
    met = stated_met
    if met is None and wns is not None and whs is not None:
        met = wns >= 0 and whs >= 0
    return Timing(
        wns_ns=None if wns is None else float(wns), whs_ns=None if whs is None else float(whs), met=met
    )


def parse_timing_summary(path: Path) -> Timing:
    """Parse the 'Design Timing Summary' of a Vivado `report_timing_summary`."""
    text = read_text(path)
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
    return slack_timing(parse_number(row.get("WNS(ns)")), parse_number(row.get("WHS(ns)")), stated)


#: Vivado design states, earliest first, as `stage_of` names them; metrics say which.
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
