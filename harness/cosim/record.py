"""Running a co-simulation job on Verilator and its record, `metrics.json` in `harness evaluate`'s shape.

The RTL runs with `tb.hls_parallel` (`harness.hls.ports.simulate_hls_top`), every output word is
compared as an integer, and the record takes verification and measured latency from the simulation,
resources from the project's own vendor reports where it has any.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.cosim.job import CosimJob
from harness.errors import ReportError
from harness.flow import tool_versions
from harness.hls.metrics import to_metrics
from harness.hls.ports import HLS_TESTBENCH, simulate_hls_top
from harness.hls.project import load_report
from harness.record import Latency, Record, Resources, Verification
from harness.sim import SimResult
from harness.toolchain import Toolchain
from harness.verify import Comparison


def _vendor_reports(project: Path) -> dict[str, Any] | None:
    """The project's own HLS reports (C synthesis, Vivado) in the metrics shape, where there are any."""
    try:
        return to_metrics(load_report(project))
    except ReportError:
        return None


def record(job: CosimJob, sim: SimResult, toolchain: Toolchain) -> Record:
    """The record of a co-simulation, in `harness evaluate`'s shape (fidelity `vendor`, kind
    `vendor-rtl`): verification and measured latency from Verilator; resources from the project's
    vendor reports where it has any (else null). `verification.bit_exact` also needs the testbench's
    block-protocol checks to have passed (`testbench_passed`)."""
    vendor = _vendor_reports(job.project)
    source = f"{sim.simulator} (measured) on vendor RTL {job.verilog_dir.resolve()}"
    latency = Latency.of(sim.latency_cycles, sim.ii_cycles, job.clock_ns or 0.0, source)
    if job.clock_ns is None:  # no clock in the project: the time is unknown, not zero
        latency.clock_ns = latency.ns = None
    latency.max_cycles = sim.latency_max_cycles
    comp = sim.comparison
    verification = Verification(
        **sim.metrics(), reference=f"{job.expected_file.resolve()} (inputs {job.inputs_file.resolve()})"
    )
    verification.extra = {
        "testbench": HLS_TESTBENCH,
        "bit_exact": bool(comp is not None and comp.exact and sim.testbench_passed),
        "testbench_passed": sim.testbench_passed,
    }
    resources = (vendor or {}).get("resources")
    return Record(
        design=job.top,
        kind="vendor-rtl",
        fidelity="vendor",
        design_hash=job.key(),
        verification=verification,
        latency=latency,
        resources=Resources.from_dict(resources) if resources else Resources(),
        vendor=(vendor or {}).get("vendor"),
        rtl={"top": job.top, "sources": [str(s) for s in job.sources]},
        tools=tool_versions(toolchain),
        seconds={"build": sim.build_seconds, "run": sim.run_seconds},
        extra={
            "cosim": {
                "project": str(job.project.resolve()),
                "verilog": str(job.verilog_dir.resolve()),
                "top_reason": job.top_reason,
                "input_precision": job.inputs.precision.to_dict(),
                "output_precision": job.outputs.precision.to_dict(),
                "inputs": {"ports": list(job.inputs.ports), "elements": job.inputs.elements},
                "outputs": {"ports": list(job.outputs.ports), "elements": job.outputs.elements},
            }
        },
    )


def run(
    job: CosimJob, out: Path, toolchain: Toolchain, timeout_s: float = 1800.0
) -> tuple[Record, Comparison]:
    """Simulate the job's top against its vectors and write `out/metrics.json`."""
    out.mkdir(parents=True, exist_ok=True)
    sim = simulate_hls_top(toolchain, job.sources, job.top, out / "sim", job.vectors, timeout_s)
    metrics = record(job, sim, toolchain)
    metrics.write(out / "metrics.json")
    assert sim.comparison is not None  # the job always carries expected outputs
    return metrics, sim.comparison
