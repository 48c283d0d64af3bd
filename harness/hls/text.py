"""Vendor reports as text: the summary table and the comparison table `harness vendor-report` prints
(`harness.cli.hls` is its command line)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from harness.hls.compare import FieldComparison
from harness.hls.record import VendorReport, resource_items
from harness.hls.vivado import STAGE_LABELS

# --------------------------------------------------------------------------------------------------
# Text rendering


def _fmt(value: Any, decimals: int = 3) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.{decimals}f}"
    return str(value)


def _render_table(header: list[str], rows: list[list[str]]) -> str:
    """Plain aligned columns: the first left-aligned, the rest right-aligned (they hold numbers)."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        first, *rest = cells
        return "  ".join(
            [first.ljust(widths[0]), *(c.rjust(w) for c, w in zip(rest, widths[1:], strict=True))]
        )

    return "\n".join([line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)])


_RESOURCE_ROWS = (
    ("LUT", "lut", "lut"),
    ("FF", "ff", "ff"),
    ("DSP", "dsp", "dsp"),
    ("BRAM (HLS 18K / synth 36K tiles)", "bram_18k", "bram"),
    ("URAM", "uram", "uram"),
)


def _resource_table(report: VendorReport) -> str:
    hls, available = resource_items(report.hls_resources), resource_items(report.available)
    synth = resource_items(report.synth_resources) if report.synth_resources else {}
    standard = {key for _, *keys in _RESOURCE_ROWS for key in keys}
    extras = [(key, key, key) for key in dict.fromkeys([*hls, *synth]) if key not in standard]
    rows = []
    for label, hls_key, synth_key in [*_RESOURCE_ROWS, *extras]:
        used, limit = hls.get(hls_key), available.get(hls_key)
        share = f"{100 * used / limit:.1f} %" if used is not None and limit else "-"
        rows.append([label, _fmt(used), _fmt(limit), share, _fmt(synth.get(synth_key))])
    stage = STAGE_LABELS.get(report.synth_stage or "", "synth")
    synth_title = f"{report.synth_tool} {stage}" if report.synth_tool else "synthesis (none found)"
    return _render_table(["resource", "HLS estimate", "available", "HLS util", synth_title], rows)


_STAGE_COLUMNS = ("lut", "ff", "dsp", "bram", "wns_ns", "whs_ns")


def _stage_table(report: VendorReport) -> list[str]:
    """Every Vivado implementation stage read, when there is more than one, earliest first."""
    if len(report.stages) < 2:
        return []
    rows = [
        [stage, *(_fmt(values.get(key)) for key in _STAGE_COLUMNS)] for stage, values in report.stages.items()
    ]
    return ["", _render_table(["Vivado stage", "LUT", "FF", "DSP", "BRAM tiles", "WNS ns", "WHS ns"], rows)]


def _range(low: Any, high: Any, unit: str) -> str:
    if low is None and high is None:
        return "-"
    text = _fmt(high) if low == high or low is None else f"{_fmt(low)} .. {_fmt(high)}"
    return f"{text} {unit}"


def format_report(report: VendorReport) -> str:
    tool = " ".join(p for p in (report.tool or report.synth_tool or "unknown tool", report.tool_version) if p)
    clock, latency, timing = report.clock, report.latency, report.timing
    lines = [
        f"{tool}: top {_fmt(report.top)}, part {_fmt(report.part)}"
        + (f", run {report.run}" if report.run else ""),
        "",
        f"clock     target {_fmt(clock.target_ns)} ns, estimated {_fmt(clock.estimated_ns)} ns, "
        f"uncertainty {_fmt(clock.uncertainty_ns)} ns",
        f"latency   {_range(latency.min_cycles, latency.max_cycles, 'cycles')}"
        f" ({_range(latency.min_ns, latency.max_ns, 'ns')})",
        f"II        {_range(report.ii.min, report.ii.max, 'cycles')}",
        f"cosim     {_fmt(report.cosim.status)}" + (f" ({report.cosim.rtl})" if report.cosim.rtl else ""),
        f"timing    WNS {_fmt(timing.wns_ns)} ns, WHS {_fmt(timing.whs_ns)} ns, met {_fmt(timing.met)}"
        + (f", fmax {_fmt(timing.fmax_mhz, 2)} MHz" if timing.fmax_mhz is not None else ""),
        "",
        _resource_table(report),
        *_stage_table(report),
        "",
        "sources:",
    ]
    by_file: dict[str, list[str]] = {}
    for group, source in report.sources.items():
        by_file.setdefault(source, []).append(group)
    lines += [f"  {source}: {', '.join(groups)}" for source, groups in by_file.items()]
    lines += (
        ["not used:", *(f"  {name}: {why}" for name, why in report.unused.items())] if report.unused else []
    )
    lines += ["notes:", *(f"  - {note}" for note in report.notes)] if report.notes else []
    lines += ["problems:", *(f"  - {problem}" for problem in report.problems or ["none"])]
    return "\n".join(lines)


def _change(row: FieldComparison) -> str:
    return "-" if row.change is None else f"{100 * row.change:+.1f} %"


def format_comparison(rows: list[FieldComparison]) -> str:
    table = _render_table(
        ["field", "baseline", "new", "change", "tolerance", "verdict"],
        [
            [
                row.field,
                _fmt(row.baseline),
                _fmt(row.new),
                _change(row),
                "-" if row.tolerance is None else f"{100 * row.tolerance:.0f} %",
                row.verdict,
            ]
            for row in rows
        ],
    )
    regressions = sum(row.verdict == "regression" for row in rows)
    return f"{table}\n\n{regressions} regression(s) in {len(rows)} compared value(s)"


def comparison_json(baseline: Path, new: Path, rows: list[FieldComparison]) -> str:
    return json.dumps(
        {
            "baseline": str(baseline),
            "new": str(new),
            "regressions": sum(row.verdict == "regression" for row in rows),
            "fields": [dataclasses.asdict(row) for row in rows],
        },
        indent=2,
    )
