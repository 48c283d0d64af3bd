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

Pipelining: the logic is a sequence of steps (compare, select, each adder level or chain link) with
delays from a simple UltraScale+ timing model (LUT levels plus carry-chain length; Yosys has no
timing for Xilinx cells, so this is a model, not static timing analysis). Steps are packed into
register stages so each stage fits `clock_ns`, or split into exactly `firmware.pipeline_stages`
stages with the smallest worst stage. A valid bit travels alongside; the result appears `stages`
clock edges after the input is accepted.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import faults
from harness.bdt.convert import Forest, QTree, quantise
from harness.spec import DesignSpec, SpecError
from harness.stages import Converted, RTLDesign
from harness.toolchain import Toolchain

#: Timing model (ns), rough UltraScale+ -2 figures: register overhead (clock-to-out, setup, skew),
#: one LUT with its local routing, one bit of a CARRY8 chain, and the extra routing of input bits
#: that fan out to hundreds of comparators.
T_REGISTER = 0.5
T_LUT = 0.6
T_CARRY_BIT = 0.02
T_FANOUT = 0.4
TIMING_MODEL = (
    f"logic-depth model: {T_LUT} ns per LUT level, {T_CARRY_BIT} ns per carry bit, "
    f"{T_REGISTER} ns register overhead (UltraScale+ -2, not STA)"
)

#: LUT cost per bit of each element: least-squares fit (within 15 %) to Yosys synth_xilinx -family xcup
#: on six generated forests (track and jet data, depth 3-5, 10-50 trees per class, 10-16 bit types).
#: Comparisons against constants pack into carry chains, and leaf muxes over constants mostly
#: vanish into the comparison logic. The saturation term comes from one saturating-chain design.
LUT_PER_COMPARE_BIT = 0.23  # per distinct (feature, threshold) comparison
LUT_PER_SELECT_BIT = 0.04  # per 2:1 leaf-mux bit
LUT_PER_ADDER_BIT = 1.16
LUT_PER_SATURATE_BIT = 1.2


@dataclass(frozen=True)
class Step:
    """One slice of combinational logic between the input and the output."""

    name: str
    delay_ns: float


@dataclass(frozen=True)
class Plan:
    """Which register stage each step sits in; a step is registered when it ends its stage."""

    steps: tuple[Step, ...]
    stage_of: tuple[int, ...]
    n_stages: int

    def registered(self, step: int) -> bool:
        return step == len(self.steps) - 1 or self.stage_of[step + 1] != self.stage_of[step]

    def stage_delays(self) -> list[float]:
        delays = [0.0] * self.n_stages
        for step, stage in zip(self.steps, self.stage_of, strict=True):
            delays[stage] += step.delay_ns
        return delays

    def describe(self, clock_ns: float) -> dict:
        worst = max(self.stage_delays()) + T_REGISTER
        return {
            "stages": self.n_stages,
            "clock_ns": clock_ns,
            "worst_stage_ns": round(worst, 3),
            "meets_clock": worst <= clock_ns,
            "timing_model": TIMING_MODEL,
            "steps": [
                {"step": s.name, "stage": st, "ns": round(s.delay_ns, 3)}
                for s, st in zip(self.steps, self.stage_of, strict=True)
            ],
        }


def plan_pipeline(steps: list[Step], clock_ns: float, stages: int | None = None) -> Plan:
    """Greedy packing of steps into stages that fit the clock, or an exact split into `stages`."""
    if stages is not None:
        if stages < 1:
            raise SpecError(f"firmware.pipeline_stages: {stages} is not valid; must be >= 1 (or null)")
        return _partition(steps, stages)
    budget = clock_ns - T_REGISTER
    stage_of, stage, used = [], 0, 0.0
    for i, step in enumerate(steps):
        if i > 0 and used + step.delay_ns > budget:
            stage, used = stage + 1, 0.0
        stage_of.append(stage)
        used += step.delay_ns
    return Plan(tuple(steps), tuple(stage_of), stage + 1)


def _partition(steps: list[Step], n_stages: int) -> Plan:
    """Contiguous split into exactly `n_stages` stages minimising the slowest one (extra stages
    beyond one per step become plain output registers)."""
    n = len(steps)
    if n_stages >= n:
        return Plan(tuple(steps), tuple(range(n)), n_stages)
    prefix = [0.0]
    for step in steps:
        prefix.append(prefix[-1] + step.delay_ns)
    # best[k][i]: smallest worst-stage delay putting the first i steps into k stages; cut[k][i]: last cut
    best = [[math.inf] * (n + 1) for _ in range(n_stages + 1)]
    cut = [[0] * (n + 1) for _ in range(n_stages + 1)]
    best[0][0] = 0.0
    for k in range(1, n_stages + 1):
        for i in range(k, n + 1):
            for j in range(k - 1, i):
                worst = max(best[k - 1][j], prefix[i] - prefix[j])
                if worst < best[k][i]:
                    best[k][i], cut[k][i] = worst, j
    stage_of = [0] * n
    i = n
    for k in range(n_stages, 0, -1):
        j = cut[k][i]
        stage_of[j:i] = [k - 1] * (i - j)
        i = j
    return Plan(tuple(steps), tuple(stage_of), n_stages)


@dataclass(frozen=True)
class _Sig:
    """A value in the netlist: a wire/reg name valid `time` registers after the input register,
    or a constant literal (valid at any time)."""

    text: str
    width: int
    time: int = 0
    value: int | None = None  # the code of a constant

    @property
    def const(self) -> bool:
        return self.value is not None


def _const(code: int, width: int) -> _Sig:
    return _Sig(_literal(code, width), width, value=code)


@dataclass
class _Netlist:
    """Collects declarations and logic; delays signals to the stage that consumes them."""

    decls: list[str] = field(default_factory=list)
    assigns: list[str] = field(default_factory=list)
    regs: list[str] = field(default_factory=list)
    reg_bits: int = 0
    _delayed: dict[tuple[str, int], str] = field(default_factory=dict)

    def node(self, name: str, width: int, expr: str, time: int, registered: bool) -> _Sig:
        if registered:
            self._reg(name, width, expr)
            return _Sig(name, width, time + 1)
        self.decls.append(f"    wire [{width - 1}:0] {name};")
        self.assigns.append(f"    assign {name} = {expr};")
        return _Sig(name, width, time)

    def at(self, sig: _Sig, time: int) -> str:
        """The signal as seen at `time`: through delay registers when it was ready earlier."""
        if sig.const or sig.time == time:
            return sig.text
        if sig.time > time:
            raise AssertionError(f"{sig.text} is used at stage {time} before it exists (stage {sig.time})")
        key = (sig.text, time)
        if key not in self._delayed:
            previous = self.at(sig, time - 1)
            name = f"{sig.text}_t{time}"
            self._reg(name, sig.width, previous)
            self._delayed[key] = name
        return self._delayed[key]

    def _reg(self, name: str, width: int, expr: str) -> None:
        self.decls.append(f"    reg  [{width - 1}:0] {name};")
        self.regs.append(f"        {name} <= {expr};")
        self.reg_bits += width


@dataclass
class GeneratedRTL:
    verilog: str
    plan: Plan
    accumulation: str
    estimate: dict


def accumulation_kind(forest: Forest) -> str:
    """'adder tree' when the sum order cannot matter (WRAP, or no partial sum can overflow), else a
    saturating chain in conifer's order."""
    if forest.score_type.overflow == "WRAP" or not forest.accumulation_may_overflow():
        return "adder tree"
    return "saturating chain"


def pipeline_steps(forest: Forest, accumulation: str) -> list[Step]:
    """The logic steps of the design with their modelled delays."""
    wt, ws = forest.threshold_type.width, forest.score_type.width
    add = T_LUT + ws * T_CARRY_BIT
    steps = [
        Step("compare", T_FANOUT + T_LUT + wt * T_CARRY_BIT),
        Step("select", T_LUT * max(1, math.ceil(forest.max_depth / 2))),
    ]
    if accumulation == "adder tree":
        levels = math.ceil(math.log2(_n_terms(forest))) if _n_terms(forest) > 1 else 0
        steps += [Step(f"add level {k}", add) for k in range(levels)]
    else:
        steps += [Step(f"accumulate tree {i}", add + T_LUT) for i in range(forest.n_trees)]
    return steps


def generate(forest: Forest, top: str, clock_ns: float, stages: int | None = None) -> GeneratedRTL:
    """Verilog text, pipeline plan and the generator's own resource/latency estimate for `forest`."""
    accumulation = accumulation_kind(forest)
    plan = plan_pipeline(pipeline_steps(forest, accumulation), clock_ns, stages)
    net = _Netlist()
    wt = forest.threshold_type.width
    features = [_Sig(f"x_in[{f * wt + wt - 1}:{f * wt}]", wt) for f in range(forest.n_features)]
    compare, index = _compare(net, forest, features, plan, step=0)
    leaves = _select(net, forest, compare, index, plan, step=1)
    add = _adder_tree if accumulation == "adder tree" else _saturating_chain
    outputs = [add(net, forest, c, leaves[c], plan, first_step=2) for c in range(forest.n_outputs)]
    out_bits = ", ".join(net.at(sig, plan.n_stages) for sig in reversed(outputs))
    verilog = _module(forest, top, net, plan, out_bits, accumulation)
    estimate = {
        "lut": _lut_estimate(forest, accumulation),
        "ff": net.reg_bits + forest.n_features * wt + plan.n_stages + 1,
        "dsp": 0,
        "latency_cycles": plan.n_stages,
        "ii_cycles": 1,
        "source": "estimate: harness.bdt.rtl generator model (LUTs per comparator/mux/adder bit fitted to "
        "Yosys; ff = register bits of the netlist, of which Yosys packs delay lines into "
        "SRL16E; latency from the pipeline plan)",
    }
    return GeneratedRTL(verilog, plan, accumulation, estimate)


def _compare(
    net: _Netlist, forest: Forest, features: list[_Sig], plan: Plan, step: int
) -> tuple[_Sig | None, dict[tuple[int, int], int]]:
    """One comparison bit per distinct (feature, threshold) pair of the whole forest.

    Trees often split a feature at the same code; a shared bit saves the duplicate comparators
    that synthesis would merge anyway, and keeps the netlist (and the simulator build) small.
    """
    stage, registered = plan.stage_of[step], plan.registered(step)
    t = forest.threshold_type
    pairs = sorted(
        {
            (tree.feature[n], tree.threshold[n])
            for trees in forest.trees
            for tree in trees
            for n in tree.internal
        }
    )
    bits = []
    for feature, threshold in reversed(pairs):
        x, thr = net.at(features[feature], stage), _literal(threshold, t.width)
        bits.append(
            f"$signed({x}) {forest.split} $signed({thr})" if t.signed else f"{x} {forest.split} {thr}"
        )
    index = {pair: k for k, pair in enumerate(pairs)}
    if not pairs:
        return None, index
    expr = "{\n        " + ",\n        ".join(bits) + "}"
    return net.node("cmp", len(pairs), expr, stage, registered), index


def _select(
    net: _Netlist,
    forest: Forest,
    compare: _Sig | None,
    index: dict[tuple[int, int], int],
    plan: Plan,
    step: int,
) -> list[list[_Sig]]:
    """Each tree's leaf code, chosen by its comparison bits (true: left child, as in conifer)."""
    stage, registered = plan.stage_of[step], plan.registered(step)
    width = forest.score_type.width
    out = []
    for c, trees in enumerate(forest.trees):
        row = []
        for t, tree in enumerate(trees):
            if tree.is_leaf(0) or compare is None:
                row.append(_const(tree.value[0], width))
                continue
            expr = _mux(tree, 0, net.at(compare, stage), index, width)
            row.append(net.node(f"leaf_{c}_{t}", width, expr, stage, registered))
        out.append(row)
    return out


def _mux(tree: QTree, node: int, bits: str, index: dict[tuple[int, int], int], width: int) -> str:
    if tree.is_leaf(node):
        return _literal(tree.value[node], width)
    bit = index[(tree.feature[node], tree.threshold[node])]
    return (
        f"({bits}[{bit}] ? {_mux(tree, tree.left[node], bits, index, width)} : "
        f"{_mux(tree, tree.right[node], bits, index, width)})"
    )


def _adder_tree(
    net: _Netlist, forest: Forest, c: int, leaves: list[_Sig], plan: Plan, first_step: int
) -> _Sig:
    """Balanced modular sum of init + leaves in the score width (order-free, see module doc)."""
    width = forest.score_type.width
    terms = _terms(forest, c, leaves)
    level = 0
    while len(terms) > 1:
        step = first_step + level
        stage, registered = plan.stage_of[step], plan.registered(step)
        pairs = [terms[i : i + 2] for i in range(0, len(terms), 2)]
        terms = [
            pair[0]
            if len(pair) == 1
            else net.node(
                f"sum_{c}_{level}_{j}",
                width,
                f"{net.at(pair[0], stage)} + {net.at(pair[1], stage)}",
                stage,
                registered,
            )
            for j, pair in enumerate(pairs)
        ]
        level += 1
    return terms[0]


def _saturating_chain(
    net: _Netlist, forest: Forest, c: int, leaves: list[_Sig], plan: Plan, first_step: int
) -> _Sig:
    """init, + tree 0, + tree 1, ...: each partial sum saturated to the score type, in conifer's order."""
    t = forest.score_type
    w = t.width
    acc = _const(forest.init[c], w)
    for i, leaf in enumerate(leaves):
        step = first_step + i
        stage, registered = plan.stage_of[step], plan.registered(step)
        wide = net.node(
            f"wide_{c}_{i}",
            w + 1,
            f"{_extend(net, acc, stage, t.signed)} + {_extend(net, leaf, stage, t.signed)}",
            stage,
            registered=False,
        )
        s = wide.text
        hi, lo = _literal(t.max_code, w), _literal(t.min_code, w)
        expr = (
            f"(({s}[{w}] != {s}[{w - 1}]) ? ({s}[{w}] ? {lo} : {hi}) : {s}[{w - 1}:0])"
            if t.signed
            else f"({s}[{w}] ? {hi} : {s}[{w - 1}:0])"
        )
        acc = net.node(f"acc_{c}_{i}", w, expr, stage, registered)
    return acc


def _extend(net: _Netlist, sig: _Sig, time: int, signed: bool) -> str:
    """One more bit: sign- or zero-extension."""
    if sig.value is not None:  # a constant
        return _literal(sig.value, sig.width + 1)  # codes are signed integers: masking extends them
    name = net.at(sig, time)
    return f"{{{name}[{sig.width - 1}], {name}}}" if signed else f"{{1'b0, {name}}}"


def _terms(forest: Forest, c: int, leaves: list[_Sig]) -> list[_Sig]:
    width = forest.score_type.width
    init = [_const(forest.init[c], width)] if forest.init[c] else []
    return init + leaves


def _n_terms(forest: Forest) -> int:
    return forest.n_trees + (1 if any(forest.init) else 0)


def _literal(code: int, width: int) -> str:
    return f"{width}'h{code & ((1 << width) - 1):0{(width + 3) // 4}x}"


def _lut_estimate(forest: Forest, accumulation: str) -> int:
    wt, ws = forest.threshold_type.width, forest.score_type.width
    trees = [tree for trees in forest.trees for tree in trees]
    distinct = len({(t.feature[n], t.threshold[n]) for t in trees for n in t.internal})
    compares = distinct * wt * LUT_PER_COMPARE_BIT
    selects = sum(len(tree.leaves) - 1 for tree in trees) * ws * LUT_PER_SELECT_BIT
    adders = (_n_terms(forest) - 1) * forest.n_outputs * ws * LUT_PER_ADDER_BIT
    chained = accumulation != "adder tree"
    saturate = forest.n_trees * forest.n_outputs * ws * LUT_PER_SATURATE_BIT if chained else 0
    return int(round(compares + selects + adders + saturate))


def _module(forest: Forest, top: str, net: _Netlist, plan: Plan, out_bits: str, accumulation: str) -> str:
    n_in = forest.n_features * forest.threshold_type.width
    n_out = forest.n_outputs * forest.score_type.width
    p = plan.n_stages
    header = [
        f"// {top}: boosted decision trees generated by harness.bdt.rtl from a conifer model.",
        f"// {forest.n_outputs} output(s) x {forest.n_trees} trees, depth <= {forest.max_depth}, "
        f"{forest.n_features} inputs; nodes go left when x {forest.split} threshold.",
        f"// inputs/thresholds {forest.threshold_type}, scores {forest.score_type}; "
        f"accumulation: {accumulation}.",
        f"// {p} register stage(s) after the input register: out_valid follows in_valid by {p} cycle(s); "
        "II = 1.",
        "`default_nettype none",
        f"module {top} (",
        "    input  wire clk,",
        "    input  wire rst,",
        "    input  wire in_valid,",
        "    output wire in_ready,",
        f"    input  wire [{n_in - 1}:0] in_data,",
        "    output wire out_valid,",
        f"    output wire [{n_out - 1}:0] out_data",
        ");",
        "    assign in_ready = 1'b1;",
        f"    reg  [{n_in - 1}:0] x_in;",
        f"    reg  [{p}:0] valid;",
    ]
    body = [
        *net.decls,
        *net.assigns,
        "    always @(posedge clk) begin",
        "        x_in <= in_data;",
        *net.regs,
        "    end",
        "    always @(posedge clk) begin",
        "        if (rst) valid <= 0;",
        f"        else valid <= {{valid[{p - 1}:0], in_valid}};",
        "    end",
        f"    assign out_valid = valid[{p}];",
        f"    assign out_data = {{{out_bits}}};",
        "endmodule",
        "`default_nettype wire",
    ]
    return "\n".join(header + body) + "\n"


def module_name(name: str) -> str:
    """A Verilog identifier for the design name."""
    ident = "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in name)
    return ident if ident[:1].isalpha() else f"bdt_{ident}"


def conifer_estimates(model: Any) -> dict:
    """conifer's own latency/LUT/FF estimates for its VHDL and HLS implementations of this model."""
    import conifer
    from conifer.utils.performance import performance_estimates

    estimates: dict[str, Any] = {
        backend: {key: int(value) for key, value in performance_estimates(model, backend=backend).items()}
        for backend in ("vhdl", "xilinxhls")
    }
    estimates["source"] = (
        f"conifer {conifer.__version__} utils.performance.performance_estimates (vhdl: "
        "analytic, 2 + depth + ceil(log2 trees) cycles; xilinxhls: BDT fitted to HLS "
        "reports)"
    )
    return estimates


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
