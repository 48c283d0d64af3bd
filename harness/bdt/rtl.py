"""Verilog generator for conifer forests: plain Verilog-2001, one module, the harness stream interface.

Architecture (one new input per clock, `in_ready` tied high):

    in_data -> input register -> compare -> select -> accumulate -> out_data
                                   |          |          |
              every split node of every tree  |   per output: an adder tree over init + tree
              compares its feature with its   |   scores (modular, in the score width), or a
              threshold code, all in parallel |   saturating chain in conifer's tree order
                                              |
                     per tree, a mux over the leaf codes steered by that tree's comparison
                     bits (a nested conditional that follows the tree's own shape)

Bit-exactness with conifer's cpp emulation rests on three facts. Comparisons are integer
comparisons of threshold-type codes with conifer's splitting convention (`<` or `<=`). Leaves,
the initial prediction and every partial sum are score-type codes. conifer adds the trees one
after the other, wrapping or saturating each partial sum: with WRAP, modular addition makes the
order irrelevant, so an adder tree gives the same integer; with SAT it does not, so unless the
forest provably never overflows (`Forest.accumulation_may_overflow`), the generator builds a chain
of saturating adders in conifer's order instead (more latency, same throughput).

Pipelining: the logic is a sequence of steps packed into register stages by a timing model
(`harness.bdt.pipeline`). A valid bit travels alongside; the result appears `stages` clock edges after
the input is accepted.

This module assembles the design (`generate`) and is the flow's `rtl` stage. The parts live beside it:
`pipeline` (steps, timing model, stage plan), `netlist` (signals and delay registers), `emit` (compare,
select, accumulate, the module text) and `estimate` (the generator's resource model, conifer's estimates).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from harness import faults
from harness.bdt.emit import adder_tree, compare, module_text, saturating_chain, select
from harness.bdt.estimate import conifer_estimates, estimate
from harness.bdt.forest import Forest, quantise
from harness.bdt.netlist import Netlist, Sig
from harness.bdt.pipeline import Plan, accumulation_kind, pipeline_steps, plan_pipeline
from harness.spec import DesignSpec
from harness.stages import Converted, RTLDesign
from harness.toolchain import Toolchain


@dataclass
class GeneratedRTL:
    verilog: str
    plan: Plan
    accumulation: str
    estimate: dict


def generate(forest: Forest, top: str, clock_ns: float, stages: int | None = None) -> GeneratedRTL:
    """Verilog text, pipeline plan and the generator's own resource/latency estimate for `forest`."""
    accumulation = accumulation_kind(forest)
    plan = plan_pipeline(pipeline_steps(forest, accumulation), clock_ns, stages)
    net = Netlist()
    wt = forest.threshold_type.width
    features = [Sig(f"x_in[{f * wt + wt - 1}:{f * wt}]", wt) for f in range(forest.n_features)]
    bits, index = compare(net, forest, features, plan, step=0)
    leaves = select(net, forest, bits, index, plan, step=1)
    add = adder_tree if accumulation == "adder tree" else saturating_chain
    outputs = [add(net, forest, c, leaves[c], plan, first_step=2) for c in range(forest.n_outputs)]
    out_bits = ", ".join(net.at(sig, plan.n_stages) for sig in reversed(outputs))
    verilog = module_text(forest, top, net, plan, out_bits, accumulation)
    return GeneratedRTL(verilog, plan, accumulation, estimate(forest, accumulation, plan, net.reg_bits))


def module_name(name: str) -> str:
    """A Verilog identifier for the design name."""
    ident = "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in name)
    return ident if ident[:1].isalpha() else f"bdt_{ident}"


def rtl(spec: DesignSpec, converted: Converted, out_dir: Path, toolchain: Toolchain) -> RTLDesign:
    """Generate the Verilog for the converted forest and report its plan beside conifer's estimates."""
    forest = quantise(
        converted.model, converted.input_types[0], converted.output_types[0], len(converted.input_types)
    )
    forest = dataclasses.replace(forest, split=faults.split_convention(forest.split))
    top = module_name(spec.name)
    design = generate(forest, top, spec.firmware.clock_ns, spec.firmware.pipeline_stages)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{top}.v"
    path.write_text(design.verilog)
    print(
        f"[rtl] {path}: {design.accumulation}, {design.plan.n_stages} stage(s), "
        f"~{design.estimate['lut']} LUT (model)",
        flush=True,
    )
    info = {
        "rtl_accumulation": design.accumulation,
        "pipeline": design.plan.describe(spec.firmware.clock_ns),
        "conifer_estimates": conifer_estimates(converted.model),
    }
    return RTLDesign(sources=[path], top=top, estimate=design.estimate, info=info)
