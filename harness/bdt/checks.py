"""What a conifer forest must pass before it becomes firmware: its structure and the precisions.

`validate_model` refuses forests the generator cannot implement faithfully (splitting convention, norm,
oblique splits, feature indices, tree shape), naming the tree and node; `check_threshold_precision` and
`check_score_precision` refuse types that would change what the forest computes. The helpers that
collect a model's thresholds and leaf values, and count those outside a type's range, serve the
conversion's report too.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from harness.fixed import FixedType
from harness.spec import SpecError


class BDTModelError(SpecError):
    """The forest cannot become firmware as it is (bad feature index, oblique splits, ...)."""


class PrecisionError(SpecError):
    """A firmware precision cannot represent what the forest needs."""


def validate_model(model: Any, n_inputs: int) -> None:
    """Reject forests the generator cannot implement faithfully, naming the tree and node."""
    if model.splitting_convention not in ("<", "<="):
        raise BDTModelError(
            f"splitting convention {model.splitting_convention!r} is not valid; must be '<' or '<='"
        )
    if model.norm != 1:
        raise BDTModelError(
            f"model normalisation {model.norm} is not supported; the generator implements "
            "norm == 1 (conifer's xgboost and scikit-learn converters always produce 1)"
        )
    if model.is_oblique():
        raise BDTModelError("oblique splits (weights other than one-hot) are not supported by the generator")
    for i, trees in enumerate(model.trees):
        for c, tree in enumerate(trees):
            _validate_tree(tree, n_inputs, f"tree {i} of class {c}")


def _validate_tree(tree: Any, n_inputs: int, where: str) -> None:
    n = len(tree.feature)
    for node, feature in enumerate(tree.feature):
        leaf = feature == -2
        if not leaf and not 0 <= feature < n_inputs:
            raise BDTModelError(
                f"{where}, node {node}: feature index {feature} is out of range; the "
                f"firmware has {n_inputs} inputs, so valid indices are 0..{n_inputs - 1} "
                "(or -2 for a leaf)"
            )
        children = (tree.children_left[node], tree.children_right[node])
        if leaf != (children == (-1, -1)) or (not leaf and not all(0 < child < n for child in children)):
            raise BDTModelError(
                f"{where}, node {node}: children {children} do not match a "
                f"{'leaf' if leaf else 'split'} node of a {n}-node tree"
            )


def check_threshold_precision(model: Any, threshold_type: FixedType) -> None:
    """Reject a threshold type that keeps fewer than two distinct thresholds inside its range.

    A threshold is *held* when it lies inside the type's range, so quantisation only rounds it
    instead of saturating or wrapping it. If the held thresholds all round to one code (or none is
    held), at most one cut per feature survives and the forest no longer means what was trained. A
    model with a single distinct threshold needs one held code.
    """
    thresholds = model_thresholds(model)
    if thresholds.size == 0:
        return
    lo, hi = _range(threshold_type)
    held = thresholds[(thresholds >= lo) & (thresholds <= hi)]
    distinct = np.unique(threshold_type.quantize(held)).size
    needed = min(2, np.unique(thresholds).size)
    if distinct < needed:
        span = float(np.max(np.abs(thresholds)))
        integer = max(1, math.floor(math.log2(span)) + 2) if span > 0 else 1
        raise PrecisionError(
            f"firmware.threshold_precision: {threshold_type} is too narrow for this forest: its range "
            f"[{lo:g}, {hi:g}] holds {held.size} of {thresholds.size} thresholds, which quantise to "
            f"{distinct} distinct code(s); at least {needed} are needed. The thresholds span "
            f"[{thresholds.min():.4g}, {thresholds.max():.4g}]: use at least {integer} integer bits, "
            f"e.g. ap_fixed<{integer + 10},{integer}>"
        )


def check_score_precision(score_type: FixedType) -> None:
    """conifer multiplies every score by (score_t) norm = 1; a type without 1.0 would change all scores."""
    if score_type.to_float(score_type.quantize(np.array([1.0])))[0] != 1.0:
        raise PrecisionError(
            f"firmware.score_precision: {score_type} cannot represent 1.0, and conifer "
            "multiplies every score by (score_t) 1; give it at least 2 integer bits "
            "(1 if unsigned)"
        )


def model_thresholds(model: Any) -> np.ndarray:
    """Every split node's threshold (as conifer holds it, in float), over all trees."""
    return np.array(
        [
            t
            for trees in model.trees
            for tree in trees
            for f, t in zip(tree.feature, tree.threshold, strict=True)
            if f != -2
        ],
        dtype=np.float64,
    )


def model_leaf_values(model: Any) -> np.ndarray:
    """Every leaf's value (as conifer holds it, in float), over all trees."""
    return np.array(
        [
            v
            for trees in model.trees
            for tree in trees
            for f, v in zip(tree.feature, tree.value, strict=True)
            if f == -2
        ],
        dtype=np.float64,
    )


def _range(t: FixedType) -> tuple[float, float]:
    return float(t.to_float(t.min_code)), float(t.to_float(t.max_code))


def out_of_range(values: np.ndarray, t: FixedType) -> int:
    """How many values lie outside the type's range (they saturate or wrap when quantised)."""
    lo, hi = _range(t)
    return int(np.sum((values < lo) | (values > hi)))
