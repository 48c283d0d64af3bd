"""The constraint names a study stores, computed and read back by harness.sweep.constraints alone."""

from __future__ import annotations

from harness.devices import DEVICES, RESOURCES
from harness.sweep.constraints import (
    LATENCY_BUDGET,
    RTL_MISMATCHES,
    Bounds,
    device_of,
    evaluate,
    limit_constraint,
    limit_metric,
    satisfied,
)

#: A design point's numbers as `measure` would give them (bram in 18 Kb blocks).
POINT = {"latency.ns": 45.0, "resources.lut": 1200.0, "resources.ff": 300.0, "resources.dsp": 4.0}


def test_every_constraint_is_value_minus_limit_and_unknown_stays_none():
    device = DEVICES["xcvu13p"]
    bounds = Bounds(
        budget_us=0.04,
        devices={device.name: {r: device.capacity(r) for r in RESOURCES}, "xcu50": None},
        limits={"resources.lut": 1000.0, "accuracy.rtl": 0.7},
    )
    constraints = evaluate(bounds, POINT.get, mismatches=3)
    assert constraints[LATENCY_BUDGET] == 45.0 - 40.0
    assert constraints["xcvu13p_lut"] == 1200.0 - device.capacity("lut")
    assert constraints["xcvu13p_bram"] is None  # the point states no BRAM
    assert all(constraints[f"xcu50_{r}"] is None for r in RESOURCES)  # no capacity known
    assert constraints["limit_resources.lut"] == 200.0
    assert constraints["limit_accuracy.rtl"] is None
    assert constraints[RTL_MISMATCHES] == 3.0
    assert not satisfied(constraints)
    assert not satisfied(constraints, ignore=[LATENCY_BUDGET])  # still over the LUT limit and mismatched


def test_names_decode_to_their_device_or_metric():
    names = evaluate(Bounds(devices={"xcvu13p": None}, limits={"resources.bram": 2.0}), POINT.get, None)
    assert {device_of(n) for n in names} == {"xcvu13p", None}
    assert [limit_metric(n) for n in names if limit_metric(n)] == ["resources.bram"]
    assert limit_constraint("resources.bram") in names
    assert device_of(limit_constraint("resources.lut")) is None  # a limit ends in a resource too
    assert device_of(LATENCY_BUDGET) is None and device_of(RTL_MISMATCHES) is None


def test_inside_every_known_constraint_is_satisfied():
    constraints = evaluate(Bounds(budget_us=0.05, limits={"resources.lut": 2000.0}), POINT.get, mismatches=0)
    assert satisfied(constraints)
    assert satisfied({LATENCY_BUDGET: 5.0, "limit_resources.lut": -1.0}, ignore=[LATENCY_BUDGET])
    assert satisfied({RTL_MISMATCHES: None})  # not simulated yet: not a violation
