"""Conifer conversion, the checks a forest must pass before it becomes firmware, and the integer forest.

conifer turns the trained forest into its own representation and, with its `cpp` backend, into the
bit-accurate C++ emulation that is the reference for the RTL. The same conifer model, quantised here
exactly as that C++ code quantises it, is what the Verilog generator reads:

* inputs and thresholds are `threshold_precision` codes (conifer's cpp backend requires the input
  type to equal the threshold type); a node sends a vector left when `x[feature] < threshold`
  (xgboost, ydf) or `<=` (scikit-learn, TMVA), as the model's splitting convention says;
* leaf values and the per-class initial prediction are `score_precision` codes;
* per class, conifer sums `init + tree_0 + tree_1 + ...` with `std::accumulate` in the score type, so
  every partial sum is wrapped or saturated by that type's overflow mode, in tree order, and then
  multiplied by `(score_t) norm` (norm is 1 for xgboost and scikit-learn).

conifer evaluates a node as `sum_f x[f] * weight[f] <= threshold` with one-hot weights of type
`weight_t`, which defaults to the threshold type. A threshold type that cannot hold 1.0 would turn
that weight into -1 or 0.99, so the harness sets `weight_t` to ap_fixed<2,2> (exactly -2..1); for
one-hot weights the sum is then exactly `x[feature]` for every threshold type.
"""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from harness.bdt.train import booster_matrix
from harness.data import Dataset
from harness.fixed import FixedType
from harness.spec import DesignSpec, SpecError
from harness.stages import Converted, Trained
from harness.toolchain import Toolchain

#: conifer backend that produces the reference emulation.
EMULATION_BACKEND = "cpp"
#: conifer backends the harness can run as a bit-exact reference, and what each needs.
REFERENCE_BACKENDS = {
    "cpp": "C++ emulation, compiled with g++ (the reference)",
    "vhdl": "conifer's VHDL firmware simulated with GHDL (cross-check)",
}
#: weight_t for conifer's one-hot node weights: holds 0 and 1 exactly whatever the threshold type.
ONE_HOT_WEIGHT = "ap_fixed<2,2>"
#: Test events on which conifer's float evaluation (pure Python, slow) is checked against the trained model.
CHECK_EVENTS = 500
#: Overflow modes the saturating accumulation chain implements (WRAP needs no chain).
CHAIN_OVERFLOW_MODES = ("SAT",)


class BDTModelError(SpecError):
    """The forest cannot become firmware as it is (bad feature index, oblique splits, ...)."""


class PrecisionError(SpecError):
    """A firmware precision cannot represent what the forest needs."""


class ConiferBackendError(SpecError):
    """A conifer backend name that conifer lacks, or one the harness cannot use as a reference."""


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


def cpp_type(t: FixedType) -> str:
    """The C++ spelling conifer pastes into its code: ap_fixed<8,3,AP_RND,AP_SAT>."""
    base = f"ap_{'' if t.signed else 'u'}fixed<{t.width},{t.integer}"
    if (t.rounding, t.overflow) != ("TRN", "WRAP"):
        base += f",AP_{t.rounding},AP_{t.overflow}"
    return base + ">"


def conifer_config(
    backend: str,
    threshold_type: FixedType,
    score_type: FixedType,
    out_dir: Path,
    project: str,
    part: str | None = None,
) -> dict:
    """A conifer configuration for one of the reference backends, or a clear error for any other name."""
    from conifer.backends import get_available_backends

    available = get_available_backends()
    if backend not in available:
        raise ConiferBackendError(
            f"conifer backend {backend!r} does not exist; conifer has {', '.join(map(repr, available))}"
        )
    if backend not in REFERENCE_BACKENDS:
        usable = "; ".join(f"{name!r}: {what}" for name, what in REFERENCE_BACKENDS.items())
        raise ConiferBackendError(
            f"conifer backend {backend!r} is not supported by the harness as a "
            "bit-exact reference (it needs vendor tools or is not bit-accurate); "
            f"usable: {usable}"
        )
    if backend == "vhdl" and (threshold_type != score_type or not threshold_type.signed):
        raise ConiferBackendError(
            f"conifer's vhdl backend needs one signed type for inputs, thresholds and "
            f"scores; got thresholds {threshold_type} and scores {score_type}"
        )
    config = {
        "Backend": backend,
        "OutputDir": str(out_dir),
        "ProjectName": project,
        "InputPrecision": cpp_type(threshold_type),
        "ThresholdPrecision": cpp_type(threshold_type),
        "WeightPrecision": ONE_HOT_WEIGHT,
        "ScorePrecision": cpp_type(score_type),
    }
    if part is not None:
        config["XilinxPart"] = part
    return config


@contextlib.contextmanager
def conifer_build_env(toolchain: Toolchain) -> Iterator[None]:
    """The environment conifer's in-process g++ builds need (the toolchain sets it up: ap_types via
    XILINX_AP_INCLUDE, nlohmann/json on CPLUS_INCLUDE_PATH, this interpreter first on PATH)."""
    toolchain.require("c++")
    toolchain.require("ap_types")
    toolchain.require("nlohmann_json")
    with toolchain.activated():
        yield


def convert(
    spec: DesignSpec, trained: Trained, dataset: Dataset, out_dir: Path, toolchain: Toolchain
) -> Converted:
    """conifer model (cpp backend, compiled) plus the input/output types the RTL is built with."""
    import conifer

    threshold_type = FixedType.parse(spec.firmware.threshold_precision)
    score_type = FixedType.parse(spec.firmware.score_precision)
    work = (out_dir / "conifer").resolve()
    config = conifer_config(EMULATION_BACKEND, threshold_type, score_type, work, _project(spec.name))
    model = _from_trained(trained.model, config)
    forest = quantise(model, threshold_type, score_type, dataset.n_features)
    sample = slice(0, CHECK_EVENTS)
    agreement = check_against_trained(model, trained.float_scores[sample], dataset.x_test[sample])
    print(
        f"[convert] conifer {conifer.__version__}: {forest.n_outputs} output(s) x {forest.n_trees} trees; "
        f"compiling the cpp emulation ({cpp_type(threshold_type)} / {cpp_type(score_type)}) ...",
        flush=True,
    )
    with conifer_build_env(toolchain):
        model.compile()
    info = {
        "conifer": conifer.__version__,
        "converter": model.library,
        "splitting": model.splitting_convention,
        "threshold_precision": str(threshold_type),
        "score_precision": str(score_type),
        "n_outputs": forest.n_outputs,
        "n_nodes": model.n_nodes() - model.n_leaves(),
        "n_leaves": model.n_leaves(),
        "tree_depth": forest.max_depth,
        "init_predict": list(forest.init),
        "thresholds_out_of_range": _out_of_range(_thresholds(model), threshold_type),
        "leaves_out_of_range": _out_of_range(_leaf_values(model), score_type),
        "conifer_model_file": str(work / f"{config['ProjectName']}.json"),
        "conifer_compiler": toolchain["c++"].label,
        "conifer_float_agreement": agreement,
    }
    return Converted(
        model=model,
        input_types=[threshold_type] * forest.n_features,
        output_types=[score_type] * forest.n_outputs,
        info=info,
    )


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
    thresholds = _thresholds(model)
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


def _from_trained(trained_model: Any, config: dict) -> Any:
    """conifer model from an xgboost Booster, a scikit-learn GradientBoostingClassifier, or a pretrained
    conifer JSON or ONNX ensemble (`harness.bdt.pretrained`, each converting itself with conifer)."""
    from conifer.converters import convert_from_sklearn, convert_from_xgboost

    if hasattr(trained_model, "to_conifer"):
        return trained_model.to_conifer(config)
    if not type(trained_model).__module__.startswith("xgboost"):
        return convert_from_sklearn(trained_model, config)
    model = convert_from_xgboost(trained_model, config)
    _restore_float32_splits(model, trained_model)
    intercepts = xgboost_intercepts(trained_model)
    model.init_predict = intercepts * (model.n_classes // len(intercepts))
    return model


def _restore_float32_splits(model: Any, booster: Any) -> None:
    """Put xgboost's exact float32 thresholds and leaf values into the conifer trees.

    conifer reads them from `trees_to_dataframe`, which prints about 8 significant digits. xgboost
    splits discrete features (stub counts, multiplicities) exactly at data values with `x < t`, so a
    printed threshold a hair above the float32 one flips every event sitting on the cut. The JSON
    model holds the float32 values, indexed by the same node ids (leaves keep their value there too).
    """
    trees = json.loads(booster.save_raw("json"))["learner"]["gradient_booster"]["model"]["trees"]
    n_outputs = len(model.trees[0])
    for i, per_output in enumerate(model.trees):
        for j, tree in enumerate(per_output):
            exact = np.asarray(trees[n_outputs * i + j]["split_conditions"], dtype=np.float32).tolist()
            if len(exact) != len(tree.feature):
                raise BDTModelError(
                    f"tree {i} of class {j}: xgboost has {len(exact)} nodes, conifer {len(tree.feature)}"
                )
            leaf = [f == -2 for f in tree.feature]
            tree.threshold = [
                t if is_leaf else e for t, e, is_leaf in zip(tree.threshold, exact, leaf, strict=True)
            ]
            tree.value = [e if is_leaf else v for v, e, is_leaf in zip(tree.value, exact, leaf, strict=True)]


#: How xgboost objectives turn the stored base_score into the margin they start from (ProbToMargin).
BASE_SCORE_TRANSFORMS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "identity": lambda b: b,
    "logit": lambda b: -np.log(np.float32(1) / b - np.float32(1)),
    "log": np.log,
}


def xgboost_intercepts(booster: Any) -> list[float]:
    """The margins xgboost starts every prediction from, one per output, exactly as it applies them.

    conifer 1.11 takes the logit of base_score for a fixed list of objectives; but xgboost 3 keeps
    multi-class intercepts as margins (one fitted value per class, often negative) and applies
    binary:logitraw's base_score as it is, so the rule cannot come from the objective's name. xgboost
    itself is asked instead: the margin of an all-zero event minus the margin with a zero base margin
    tells which transform (identity, logit or log of base_score, in float32 as xgboost computes it)
    xgboost applies; that transform's exact value is returned.
    """

    learner = json.loads(booster.save_config())["learner"]
    stored = np.asarray(
        [float(v) for v in learner["learner_model_param"]["base_score"].strip("[]").split(",")],
        dtype=np.float32,
    )
    x = np.zeros((1, booster.num_features()), dtype=np.float32)
    margin = booster.predict(booster_matrix(booster, x), output_margin=True).reshape(-1)
    without = booster_matrix(booster, x, base_margin=np.zeros((1, len(margin)), dtype=np.float32))
    applied = margin - booster.predict(without, output_margin=True).reshape(-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        for transform in BASE_SCORE_TRANSFORMS.values():
            value = np.broadcast_to(transform(stored).astype(np.float32), applied.shape)
            if np.allclose(value, applied, rtol=1e-5, atol=1e-5):
                return [float(v) for v in value]
    raise BDTModelError(
        f"xgboost ({learner['objective']['name']}) starts from the margins {applied.tolist()}, which no "
        f"transform ({', '.join(BASE_SCORE_TRANSFORMS)}) of its base_score {stored.tolist()} gives"
    )


def check_against_trained(model: Any, float_scores: np.ndarray, x: np.ndarray) -> float:
    """Compare conifer's float evaluation with the trained model's scores on the events `x`.

    A wrong initial prediction shifts every score, so the median difference must vanish; single
    events may differ where xgboost's float32 threshold and conifer's printed copy straddle a
    feature value. Returns the share of events whose scores agree within 1e-4.
    """
    from conifer.model import ModelBase

    conifer_scores = np.asarray(ModelBase.decision_function(model, np.asarray(x, dtype=np.float64)))
    diff = np.abs(conifer_scores.reshape(len(x), -1) - float_scores)
    worst = float(np.max(np.median(diff, axis=0)))
    if worst > 1e-3:
        raise BDTModelError(
            f"conifer's conversion disagrees with the trained model: median score difference "
            f"{worst:.4g} (initial prediction or tree structure lost in conversion)"
        )
    return round(float(np.mean(np.all(diff < 1e-4, axis=1))), 5)


def _thresholds(model: Any) -> np.ndarray:
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


def _leaf_values(model: Any) -> np.ndarray:
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


def _out_of_range(values: np.ndarray, t: FixedType) -> int:
    """How many values lie outside the type's range (they saturate or wrap when quantised)."""
    lo, hi = _range(t)
    return int(np.sum((values < lo) | (values > hi)))


def _project(name: str) -> str:
    """A C++/file-safe conifer project name."""
    return "".join(ch if ch.isalnum() else "_" for ch in name)
