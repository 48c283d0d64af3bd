"""xgboost model files (`Booster.save_model`: JSON or UBJSON, any xgboost from 1.0 on) as pretrained
forests: loaded by xgboost into a Booster, exactly what the harness trains itself, and checked for what
conifer's xgboost converter reads (gradient-boosted trees, one per class and round, numeric splits)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.bdt.pretrained_base import PretrainedModelError, n_outputs


def load_xgboost(path: Path) -> tuple[Any, dict]:
    """The xgboost Booster in `path` and its info (trainer, trees per class, depth, classes, features)."""
    import xgboost as xgb

    booster = xgb.Booster()
    try:
        booster.load_model(str(path))
    except xgb.core.XGBoostError as exc:
        raise PretrainedModelError(
            f"model.pretrained: xgboost {xgb.__version__} cannot read {path}: {str(exc).splitlines()[0]}"
        ) from None
    model = json.loads(booster.save_raw("json"))["learner"]
    booster_name = model["gradient_booster"]["name"]
    if booster_name != "gbtree":
        raise PretrainedModelError(
            f"model.pretrained: {path} is an xgboost {booster_name!r} model; conifer converts gbtree "
            "(gradient-boosted trees) only"
        )
    trees = model["gradient_booster"]["model"]["trees"]
    n_classes = max(2, int(model["learner_model_param"]["num_class"]))
    outputs = n_outputs(n_classes)
    tree_info = model["gradient_booster"]["model"]["tree_info"]
    if [int(c) for c in tree_info] != [i % outputs for i in range(len(trees))]:
        raise PretrainedModelError(
            f"model.pretrained: {path}: trees are not one per class and boosting round (num_parallel_tree "
            "> 1, a random forest?); conifer assigns xgboost's trees to the classes round-robin"
        )
    for i, tree in enumerate(trees):
        if any(int(t) != 0 for t in tree.get("split_type", [])):
            raise PretrainedModelError(
                f"model.pretrained: {path}: tree {i} has categorical splits; the firmware compares "
                "numeric features with thresholds only"
            )
    depth = max(_depth(t["left_children"], t["right_children"]) for t in trees)
    # conifer reads max_depth from the booster's training configuration, which a model file lacks
    booster.set_param({"max_depth": max(depth, 1)})
    return booster, {
        "trainer": f"xgboost {xgb.__version__} (pretrained)",
        "objective": model["objective"]["name"],
        "n_trees": len(trees) // outputs,
        "max_depth": depth,
        "n_classes": n_classes,
        "n_features": int(model["learner_model_param"]["num_feature"]),
        "feature_names": list(model.get("feature_names") or []) or None,
    }


def _depth(left: list[int], right: list[int], node: int = 0) -> int:
    if left[node] == -1:
        return 0
    return 1 + max(_depth(left, right, left[node]), _depth(left, right, right[node]))
