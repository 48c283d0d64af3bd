"""The generator's pipelining and accumulation choices, on hand-made forests (no external tools)."""

from __future__ import annotations

import pytest

from harness.bdt.forest import Forest, QTree
from harness.bdt.pipeline import T_REGISTER, Step, accumulation_kind, plan_pipeline
from harness.bdt.rtl import generate
from harness.fixed import FixedType
from harness.spec import SpecError

STEPS = [Step("compare", 1.3), Step("select", 1.2), *(Step(f"add level {k}", 0.9) for k in range(5))]


def _stump_pair(left: float, right: float, t: FixedType) -> QTree:
    """x0 < 0 ? left : right, as integer codes."""
    left_code, right_code = (int(c) for c in t.quantize([left, right]))
    return QTree(
        feature=(0, -2, -2),
        threshold=(0, 0, 0),
        left=(1, -1, -1),
        right=(2, -1, -1),
        value=(0, left_code, right_code),
    )


def _forest(score: str, leaf: float, n_trees: int = 4) -> Forest:
    t, s = FixedType.parse("ap_fixed<8,4>"), FixedType.parse(score)
    tree = _stump_pair(leaf, -leaf, s)
    return Forest(
        n_features=1, split="<", threshold_type=t, score_type=s, init=(0,), trees=((tree,) * n_trees,)
    )


def test_greedy_plan_fits_the_clock():
    for clock in (2.0, 3.0, 5.0, 10.0):
        plan = plan_pipeline(STEPS, clock)
        assert all(d + T_REGISTER <= clock for d in plan.stage_delays())
        assert list(plan.stage_of) == sorted(plan.stage_of)
    assert plan_pipeline(STEPS, 10.0).n_stages == 1
    assert plan_pipeline(STEPS, 2.0).n_stages > plan_pipeline(STEPS, 5.0).n_stages


def test_requested_stages_are_honoured():
    plan = plan_pipeline(STEPS, 5.0, stages=3)
    assert plan.n_stages == 3 and sorted(set(plan.stage_of)) == [0, 1, 2]
    # The best 3-way split of 1.3, 1.2, 0.9 x 5 is (1.3 + 1.2, 3 x 0.9, 2 x 0.9): at most 2.7 ns a stage.
    assert max(plan.stage_delays()) == pytest.approx(2.7)
    deep = plan_pipeline(STEPS, 5.0, stages=10)
    assert deep.n_stages == 10 and list(deep.stage_of) == list(range(len(STEPS)))
    with pytest.raises(SpecError, match="pipeline_stages: 0 is not valid"):
        plan_pipeline(STEPS, 5.0, stages=0)


def test_accumulation_follows_the_overflow_mode():
    # Four trees of +-1.5 can reach 6: that overflows ap_fixed<6,3> (max 3.875) but not ap_fixed<8,4>.
    assert accumulation_kind(_forest("ap_fixed<6,3>", 1.5)) == "adder tree"  # WRAP: order-free
    assert accumulation_kind(_forest("ap_fixed<8,4,TRN,SAT>", 1.5)) == "adder tree"  # never overflows
    assert accumulation_kind(_forest("ap_fixed<6,3,TRN,SAT>", 1.5)) == "saturating chain"


def test_generated_module_has_the_stream_interface():
    design = generate(_forest("ap_fixed<6,3,TRN,SAT>", 1.5), "bdt_top", 5.0)
    text = design.verilog
    for port in (
        "input  wire clk",
        "input  wire rst",
        "input  wire in_valid",
        "output wire in_ready",
        "input  wire [7:0] in_data",
        "output wire out_valid",
        "output wire [5:0] out_data",
    ):
        assert port in text
    assert "assign in_ready = 1'b1;" in text
    assert f"assign out_valid = valid[{design.plan.n_stages}];" in text
    # One comparison shared by the four identical trees.
    assert text.count("$signed(x_in[7:0]) < $signed(8'h00)") == 1
    assert design.estimate["latency_cycles"] == design.plan.n_stages
    # named as an estimate, as the NN generators name theirs (`estimate: da4ml ...`)
    assert design.estimate["source"].startswith("estimate: harness.bdt.rtl generator model")
