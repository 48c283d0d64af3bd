"""Trained forests into conifer models: the converters, xgboost's exact splits and intercepts, the check.

xgboost Boosters and scikit-learn forests go through conifer's converters, pretrained conifer JSON and
ONNX files (`harness.bdt.conifer_json`, `harness.bdt.onnx_forest`) convert themselves. For xgboost,
conifer's printed thresholds and leaf values are replaced by xgboost's float32 ones and its initial
margins are asked of xgboost itself; `check_against_trained` then compares conifer's float evaluation
with the trained model's scores.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np

from harness.bdt.checks import BDTModelError
from harness.bdt.train import booster_matrix


def from_trained(trained_model: Any, config: dict) -> Any:
    """conifer model from an xgboost Booster, a scikit-learn GradientBoostingClassifier, or a pretrained
    conifer JSON or ONNX ensemble (`harness.bdt.conifer_json`, `harness.bdt.onnx_forest`: each converting
    itself with conifer)."""
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
