"""What the latency budget costs compares like with like: the most accurate design (any fidelity) inside
the budget against the most accurate when the budget is lifted. It used to set the best *verified*
design inside the budget against the best of *any* fidelity, so a more accurate vendor-measured or
unverified design inside the budget made the budget look costly."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.report.points import Point, StudyPoints, recommend
from harness.report.study import StudyInfo
from harness.sweep.spec import DEFAULT_OBJECTIVES
from harness.sweep.trials import TrialRecord

INFO = StudyInfo("t", "t.journal", Path("."), DEFAULT_OBJECTIVES, 55.0, "spec", 0.1, ())


def _point(number: int, accuracy: float, ns: float, kind: str = "nn", verified: bool = True) -> Point:
    trial = TrialRecord(
        number,
        "COMPLETE",
        {},
        [accuracy, 1000.0 + number, ns],
        kind=kind,
        design_hash=f"h{number}",
        fidelity="vendor" if kind == "vendor" else "verify" if verified else "estimate",
        verified=verified and kind != "vendor",
        constraints={"latency_budget": ns - 100.0},
    )
    return Point(trial, INFO, None)


@pytest.mark.parametrize(
    ("points", "inside", "cost"),
    [
        # a vendor point inside the budget is more accurate than any verified one: the budget costs 0
        ([_point(0, 0.70, 60), _point(1, 0.75, 90, kind="vendor")], 1, 0.0),
        # an unverified design beyond the budget: the budget costs what it gains over the best inside
        (
            [_point(0, 0.70, 60), _point(1, 0.75, 90, kind="vendor"), _point(2, 0.80, 150, verified=False)],
            1,
            5.0,
        ),
    ],
    ids=["best inside", "best beyond"],
)
def test_the_budget_s_cost_compares_the_same_designs_inside_and_beyond_it(points, inside, cost):
    recommendation = recommend(StudyPoints(INFO, points))
    assert recommendation.best.number == 0  # the recommendation itself stays verified-only
    assert recommendation.best_inside_budget.number == inside
    assert recommendation.budget_cost == pytest.approx(cost)
