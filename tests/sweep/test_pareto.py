"""Pareto fronts: the harness's front equals a brute-force non-dominated filter, ties included."""

import itertools

import numpy as np
import pytest

from harness.sweep.pareto import hypervolume, near_front, non_dominated
from harness.sweep.trials import TrialRecord, moved_off_front, pareto_front

DIRS = ["maximize", "minimize", "minimize"]


def brute_force(points, directions):
    """Keep p unless some q is at least as good everywhere and strictly better somewhere."""
    sign = [1 if d == "minimize" else -1 for d in directions]

    def better_eq(q, p):
        return all(s * a <= s * b for s, a, b in zip(sign, q, p, strict=True))

    return [
        i
        for i, p in enumerate(points)
        if not any(better_eq(q, p) and tuple(q) != tuple(p) for j, q in enumerate(points) if j != i)
    ]


@pytest.mark.parametrize("seed", range(20))
def test_non_dominated_equals_brute_force_with_ties(seed):
    rng = np.random.default_rng(seed)
    points = rng.integers(0, 4, size=(40, 3)).tolist()  # small integer grid: many exact ties
    points += points[:5]
    assert non_dominated(points, DIRS) == brute_force(points, DIRS)


def _trial(number, values, **attrs):
    defaults = dict(
        state="COMPLETE", feasible=True, fidelity="verify", design_hash=f"h{number}", estimate_values=values
    )
    defaults.update(attrs)
    return TrialRecord(number=number, params={}, values=values, **defaults)


def test_front_excludes_infeasible_failed_and_mismatched_keeps_ties():
    trials = [
        _trial(0, [0.70, 1000, 20]),
        _trial(1, [0.70, 1000, 20]),  # an exact tie with 0 (another design): both on the front
        _trial(2, [0.75, 5000, 30]),
        _trial(3, [0.90, 100, 5], feasible=False),  # outside the budget: would dominate all
        _trial(4, [0.95, 10, 5], mismatches=3),  # RTL mismatched: never on the front
        _trial(5, None, state="FAIL"),
        _trial(6, [0.60, 2000, 40]),  # dominated
    ]
    front = pareto_front(trials, DIRS)
    assert [t.number for t in front] == [0, 1, 2]
    eligible = [t for t in trials if t.ok]
    assert [eligible[i].number for i in brute_force([t.values for t in eligible], DIRS)] == [0, 1, 2]


def test_each_design_counts_once_at_its_highest_fidelity():
    estimate = _trial(0, [0.80, 900, 10], fidelity="estimate", design_hash="same")
    verified = _trial(3, [0.80, 1400, 15], fidelity="verify", design_hash="same", promoted=True)
    other = _trial(1, [0.78, 1000, 10])
    front = pareto_front([estimate, other, verified], DIRS)
    assert {t.number for t in front} == {1, 3}


def test_design_pushed_off_the_front_by_synthesis_is_reported_as_moved():
    a = _trial(0, [0.80, 3000, 10], estimate_values=[0.80, 900, 10], promoted=True, feasible_estimate=True)
    b = _trial(1, [0.80, 1000, 10], estimate_values=[0.80, 1000, 10], promoted=True, feasible_estimate=True)
    assert [t.number for t in pareto_front([a, b], DIRS)] == [1]
    assert [t.number for t in moved_off_front([a, b], DIRS)] == [0]


def test_near_front_margin():
    others = [[0.80, 1000, 10]]
    assert near_front([0.80, 1000, 10], others, DIRS, 0.0)  # a tie is on the front
    assert not near_front([0.79, 1010, 10], others, DIRS, 0.0)
    assert near_front([0.79, 1010, 10], others, DIRS, 0.02)
    assert not near_front([0.70, 1500, 12], others, DIRS, 0.02)


def test_hypervolume_of_known_boxes():
    ref = [0.0, 10.0]
    dirs = ["maximize", "minimize"]
    assert hypervolume([[0.5, 5.0]], dirs, ref) == pytest.approx(2.5)
    # two overlapping boxes: 0.5*5 + 0.8*2 - 0.5*2
    assert hypervolume([[0.5, 5.0], [0.8, 8.0]], dirs, ref) == pytest.approx(2.5 + 1.6 - 1.0)
    assert hypervolume([[-0.1, 5.0]], dirs, ref) == 0.0  # not better than the reference: nothing
    points = [[a, b] for a, b in itertools.product([0.2, 0.4], [3.0, 6.0])]
    assert hypervolume(points, dirs, ref) == pytest.approx(0.4 * 7.0)
