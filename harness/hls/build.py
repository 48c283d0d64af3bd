"""Vendor fidelity: hls4ml's and conifer's own Vivado/Vitis HLS builds, where those tools exist.

The open flow measures every design with Yosys and Verilator. Where Vivado HLS, Vitis HLS or the
unified `vitis-run` is installed, the vendor fidelity adds what only the vendor tools can say: it runs
the generator's own `build()` (C synthesis, optionally Vivado synthesis and C/RTL co-simulation), reads
the reports with `harness.hls.project` and simulates the exported RTL with the cocotb bench
`tb.hls_parallel`, bit-exact against the same C++ emulation the open flow checks against.

Nothing here imitates a vendor tool. Without one, planning raises `VendorToolMissing`, which names the
tools searched, the open-flow alternative and how to make an installed tool visible. A plan states
exactly what the generator will run (argv, the option file it writes, the reports it will leave), so
it can be reviewed, and tested, on machines without the tools.

`vendor_tools` finds the tool (or refuses), `build_plan` says what `build()` will run, `build_run` runs
it and reads its reports, and `ports` simulates the exported top; this module joins them into the
`--fidelity vendor` metrics of one design point.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from harness.hls.build_plan import conifer_xilinxhls_model, plan_conifer_build, plan_hls4ml_build
from harness.hls.build_run import run_conifer_build, run_hls4ml_build
from harness.hls.ports import HLS_TESTBENCH, simulate_hls_top
from harness.hls.vendor_tools import conifer_tools
from harness.sim import StreamVectors
from harness.toolchain import Toolchain

if TYPE_CHECKING:
    from harness.spec import DesignSpec
    from harness.stages import Converted


def vendor_metrics(
    spec_like: DesignSpec,
    converted: Converted,
    out_dir: Path,
    toolchain: Toolchain,
    *,
    vectors: StreamVectors | None = None,
    cosim: bool = False,
    vsynth: bool = False,
) -> dict:
    """Metrics of one design point from the vendor tools: C synthesis (and optionally Vivado synthesis
    and co-simulation) through the generator's own build(), then, given `vectors` (the emulation's
    inputs and outputs), the exported RTL simulated bit-exact with `tb.hls_parallel`.

    Uses `spec_like.firmware.part` / `.clock_ns` (conifer) and `spec_like.verify.sim_timeout_s`. Refuses
    with `VendorToolMissing` before doing any work where the tools are missing.
    """
    from conifer.model import ModelBase
    from hls4ml.model.graph import ModelGraph

    model = converted.model
    if isinstance(model, ModelGraph):
        plan = plan_hls4ml_build(model, toolchain, cosim=cosim, vsynth=vsynth)
        result = run_hls4ml_build(plan, model)
    elif isinstance(model, ModelBase):
        conifer_tools(toolchain, vsynth=vsynth)
        model = conifer_xilinxhls_model(
            model, out_dir / "conifer-xilinxhls", spec_like.firmware.part, spec_like.firmware.clock_ns
        )
        model.write()
        plan = plan_conifer_build(model, toolchain, cosim=cosim, vsynth=vsynth)
        result = run_conifer_build(plan, model)
    else:
        raise TypeError(
            f"no vendor build for a {type(model).__name__}: expected an hls4ml ModelGraph or a conifer model"
        )
    record = {**result.metrics, "fidelity": "vendor", "verification": None, "rtl_latency": None}
    if vectors is not None:
        sources = sorted(plan.reports["verilog"].glob("*.v"))
        sim = simulate_hls_top(
            toolchain, sources, plan.top, out_dir / "vendor-sim", vectors, spec_like.verify.sim_timeout_s
        )
        record["verification"] = {**sim.metrics(), "testbench": HLS_TESTBENCH}
        record["rtl_latency"] = {
            "cycles": sim.latency_cycles,
            "max_cycles": sim.latency_max_cycles,
            "ii_cycles": sim.ii_cycles,
            "source": f"{sim.simulator} (measured) on the RTL exported by {plan.tool.label}",
        }
    return record
