"""The integer forest the RTL implements: a conifer model quantised exactly as conifer's C++ code does it.

* inputs and thresholds are `threshold_precision` codes (conifer's cpp backend requires the input
  type to equal the threshold type); a node sends a vector left when `x[feature] < threshold`
  (xgboost, ydf) or `<=` (scikit-learn, TMVA), as the model's splitting convention says;
* leaf values and the per-class initial prediction are `score_precision` codes;
* per class, conifer sums `init + tree_0 + tree_1 + ...` with `std::accumulate` in the score type, so
  every partial sum is wrapped or saturated by that type's overflow mode, in tree order, and then
  multiplied by `(score_t) norm` (norm is 1 for xgboost and scikit-learn).

conifer evaluates a node as `sum_f x[f] * weight[f] <= threshold` with one-hot weights of type
`weight_t`, which defaults to the threshold type. A threshold type that cannot hold 1.0 would turn
that weight into -1 or 0.99, so the harness sets `weight_t` to ap_fixed<2,2> (exactly -2..1;
`harness.bdt.backend.ONE_HOT_WEIGHT`); for one-hot weights the sum is then exactly `x[feature]` for
every threshold type.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from harness.bdt.checks import (
    PrecisionError,
    check_score_precision,
    check_threshold_precision,
    validate_model,
)
from harness.fixed import FixedType

#: Overflow modes the saturating accumulation chain implements (WRAP needs no chain).
CHAIN_OVERFLOW_MODES = ("SAT",)


@dataclass(frozen=True)
class QTree:
    """One tree in integer codes. Node i is a leaf when feature[i] == -2."""

    feature: tuple[int, ...]
    threshold: tuple[int, ...]  # threshold_precision codes (unused at leaves)
    left: tuple[int, ...]
    right: tuple[int, ...]
    value: tuple[int, ...]  # score_precision codes (used at leaves)

    def is_leaf(self, node: int) -> bool:
        return self.feature[node] == -2

    @property
    def internal(self) -> list[int]:
        return [i for i in range(len(self.feature)) if not self.is_leaf(i)]

    @property
    def leaves(self) -> list[int]:
        return [i for i in range(len(self.feature)) if self.is_leaf(i)]

    def depth(self, node: int = 0) -> int:
        if self.is_leaf(node):
            return 0
        return 1 + max(self.depth(self.left[node]), self.depth(self.right[node]))

    def leaf_codes(self) -> list[int]:
        return [self.value[i] for i in self.leaves]


@dataclass(frozen=True)
class Forest:
    """The integer model the RTL implements: per output (class) an initial code and its trees."""

    n_features: int
    split: str  # "<" or "<="
    threshold_type: FixedType
    score_type: FixedType
    init: tuple[int, ...]
    trees: tuple[tuple[QTree, ...], ...]  # [output][tree]

    @property
    def n_outputs(self) -> int:
        return len(self.trees)

    @property
    def n_trees(self) -> int:
        return len(self.trees[0])

    @property
    def max_depth(self) -> int:
        return max(tree.depth() for trees in self.trees for tree in trees)

    def accumulation_may_overflow(self) -> bool:
        """Could any partial sum init + tree_0 + ... + tree_k leave the score type's range?

        Bounds each prefix by the smallest and largest leaf of every tree, so False is a proof that
        no partial sum overflows (then the order of additions cannot matter), True only a possibility.
        """
        lo_code, hi_code = self.score_type.min_code, self.score_type.max_code
        for init, trees in zip(self.init, self.trees, strict=True):
            lo = hi = init
            for tree in trees:
                codes = tree.leaf_codes()
                lo, hi = lo + min(codes), hi + max(codes)
                if lo < lo_code or hi > hi_code:
                    return True
        return False


def quantise(model: Any, threshold_type: FixedType, score_type: FixedType, n_inputs: int) -> Forest:
    """Check the conifer model and the precisions, then quantise it as conifer's cpp backend does."""
    validate_model(model, n_inputs)
    check_threshold_precision(model, threshold_type)
    check_score_precision(score_type)
    n_outputs = 1 if model.n_classes == 2 else model.n_classes
    trees = tuple(
        tuple(_quantise_tree(model.trees[i][c], threshold_type, score_type) for i in range(model.n_trees))
        for c in range(n_outputs)
    )
    init_predict = np.asarray(model.init_predict[:n_outputs], dtype=np.float64)
    init = tuple(int(v) for v in score_type.quantize(init_predict))
    forest = Forest(n_inputs, model.splitting_convention, threshold_type, score_type, init, trees)
    if score_type.overflow not in ("WRAP", *CHAIN_OVERFLOW_MODES) and forest.accumulation_may_overflow():
        raise PrecisionError(
            f"firmware.score_precision: {score_type} may overflow while the trees are summed, and the RTL "
            f"implements overflow during accumulation only for WRAP and {', '.join(CHAIN_OVERFLOW_MODES)}; "
            "use one of those modes or more integer bits"
        )
    return forest


def _quantise_tree(tree: Any, threshold_type: FixedType, score_type: FixedType) -> QTree:
    thresholds = threshold_type.quantize(np.asarray(tree.threshold, dtype=np.float64))
    values = score_type.quantize(np.asarray(tree.value, dtype=np.float64))
    return QTree(
        tuple(int(f) for f in tree.feature),
        tuple(int(t) for t in thresholds),
        tuple(int(c) for c in tree.children_left),
        tuple(int(c) for c in tree.children_right),
        tuple(int(v) for v in values),
    )
