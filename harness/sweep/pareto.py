"""Pareto fronts and hypervolumes of sweep results.

Objectives are given with their directions; internally every objective is turned into one to be
minimised (maximised ones negated), as Optuna does. A point dominates another when it is no worse
in every objective and better in at least one; equal points do not dominate each other, so ties are
all on the front. The hypervolume is Optuna's (`optuna._hypervolume.compute_hypervolume`, the WFG
algorithm) over the minimisation form against a stated reference point.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

DIRECTIONS = ("minimize", "maximize")


def as_losses(values: Sequence[Sequence[float]], directions: Sequence[str]) -> np.ndarray:
    """(points, objectives) values -> losses to minimise (maximised objectives negated)."""
    signs = np.array([1.0 if d == "minimize" else -1.0 for d in directions])
    array = np.asarray(values, dtype=np.float64).reshape(-1, len(directions))
    return array * signs


def dominates(a: np.ndarray, b: np.ndarray) -> bool:
    """Loss vector a dominates b: no worse anywhere, better somewhere."""
    return bool(np.all(a <= b) and np.any(a < b))


def non_dominated(values: Sequence[Sequence[float]], directions: Sequence[str]) -> list[int]:
    """Indices of the points no other point dominates (ties all kept), in input order."""
    losses = as_losses(values, directions)
    return [
        i
        for i in range(len(losses))
        if not any(dominates(losses[j], losses[i]) for j in range(len(losses)) if j != i)
    ]


def near_front(
    point: Sequence[float], others: Sequence[Sequence[float]], directions: Sequence[str], margin: float
) -> bool:
    """True when `point`, improved by `margin` (a fraction of each value's magnitude) in every
    objective, is dominated by none of `others`: it lies on, or within `margin` of, their front."""
    loss = as_losses([point], directions)[0]
    relaxed = loss - margin * np.abs(loss)
    return not any(dominates(other, relaxed) for other in as_losses(others, directions))


def hypervolume(
    values: Sequence[Sequence[float]], directions: Sequence[str], reference: Sequence[float]
) -> float:
    """Hypervolume dominated by `values` and bounded by `reference` (given in the objectives' own
    directions, e.g. accuracy 0.2 for a maximised accuracy). Points not better than the reference
    in every objective add nothing."""
    from optuna._hypervolume import compute_hypervolume

    losses = as_losses(values, directions)
    ref = as_losses([reference], directions)[0]
    inside = losses[np.all(losses < ref, axis=1)] if len(losses) else losses
    if len(inside) == 0:
        return 0.0
    return float(compute_hypervolume(inside, ref))
