"""The dict hls4ml's `build()` returns (Vivado/Vitis and oneAPI backends), as saved to JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.hls.oneapi import intel_loops, intel_resources
from harness.hls.record import (
    Clock,
    Cosim,
    HlsResources,
    Interval,
    Latency,
    MalformedReportError,
    SynthResources,
    Timing,
    VendorReport,
)
from harness.hls.values import parse_ns, parse_number, read_text
from harness.hls.vivado import slack_timing
from harness.hls.xilinx_hls import csynth_resources


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
        hls_resources=csynth_resources(csynth),
        available=csynth_resources(
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
        report.timing = slack_timing(parse_number(timing.get("WNS")), parse_number(timing.get("WHS")))
    return report


def _parse_oneapi_build(data: dict[str, Any], path: Path) -> VendorReport:
    hls, loops = data.get("HLS"), data.get("Loop")
    if not isinstance(hls, dict) or not isinstance(loops, dict):
        raise MalformedReportError(
            path, "oneAPI build() result has no 'HLS' or no 'Loop' object under 'report'"
        )
    clock, latency, interval = intel_loops(
        loops.get("worstFrequency"), loops.get("worstII"), loops.get("worstLatency")
    )
    report = VendorReport(
        tool="Intel oneAPI",
        clock=clock,
        latency=latency,
        ii=interval,
        hls_resources=intel_resources(hls.get("total", {}), HlsResources),
        available=intel_resources(hls.get("available", {}), HlsResources),
    )
    quartus = data.get("Quartus")
    if isinstance(quartus, dict) and quartus:
        report.synth_resources = intel_resources(quartus, SynthResources)
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
        return json.loads(read_text(path))
    except json.JSONDecodeError as err:
        raise MalformedReportError(path, f"not valid JSON ({err.msg} at line {err.lineno})") from err
