"""The BDT generator's pipeline plan: the logic steps, their modelled delays, and the register stages.

The logic is a sequence of steps (compare, select, each adder level or chain link) with delays from a
simple UltraScale+ timing model (LUT levels plus carry-chain length; Yosys has no timing for Xilinx
cells, so this is a model, not static timing analysis). Steps are packed into register stages so each
stage fits `clock_ns`, or split into exactly `firmware.pipeline_stages` stages with the smallest worst
stage. The emitters (`harness.bdt.emit`) register a step's result when the plan says it ends a stage.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from harness.bdt.forest import Forest
from harness.spec import SpecError

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
        levels = math.ceil(math.log2(n_terms(forest))) if n_terms(forest) > 1 else 0
        steps += [Step(f"add level {k}", add) for k in range(levels)]
    else:
        steps += [Step(f"accumulate tree {i}", add + T_LUT) for i in range(forest.n_trees)]
    return steps


def n_terms(forest: Forest) -> int:
    """How many scores each output sums: one per tree, plus the initial prediction when it is not 0."""
    return forest.n_trees + (1 if any(forest.init) else 0)
