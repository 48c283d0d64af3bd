"""A vendor report as the harness's metrics.json shape (`to_metrics`): latency, resources and the
device's capacity, each with the report it came from."""

from __future__ import annotations

from typing import Any

from harness.hls.record import HlsResources, SynthResources, VendorReport
from harness.hls.vivado import STAGE_LABELS


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
