"""The plain-language findings a reviewer should not miss in a vendor report (`VendorReport.problems`):
clock or timing not met, resources over the device's capacity, a failed co-simulation, a missing
synthesis report."""

from __future__ import annotations

from harness.hls.record import HlsResources, SynthResources, VendorReport, resource_items

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
