"""Train the boosted decision trees: xgboost (stored as its JSON model) or scikit-learn, or load a
trained forest (`model.pretrained`, see `harness.bdt.pretrained`) instead.

The stored model is the one the rest of the flow uses: the xgboost booster is saved as
`model.json` and read back before scoring and conversion, so what was verified is exactly what is
on disk. Nothing is pickled; a scikit-learn forest is persisted by conifer's own JSON at conversion.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from harness.bdt.pretrained import load as load_pretrained
from harness.data import Dataset
from harness.spec import DesignSpec
from harness.stages import Trained, decide

MODEL_FILE = "model.json"


def train(spec: DesignSpec, dataset: Dataset, out_dir: Path) -> Trained:
    """Fit the forest the spec describes, or load `model.pretrained`; float scores are the float model's
    own decision function on the test split (xgboost, scikit-learn, onnxruntime or conifer's float)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if spec.bdt_model.pretrained is not None:
        model, info = load_pretrained(spec, dataset)
    else:
        fit = {"xgboost": _train_xgboost, "sklearn": _train_sklearn}[spec.bdt_model.trainer]
        model, info = fit(spec, dataset, out_dir)
        info.update(
            trained=True,
            n_trees=spec.bdt_model.n_trees,
            max_depth=spec.bdt_model.max_depth,
            learning_rate=spec.bdt_model.learning_rate,
        )
    scores = decision_function(model, dataset.x_test)
    info["val_accuracy"] = _accuracy(decision_function(model, dataset.x_val), dataset.y_val)
    print(
        f"[train] {info['trainer']}: {info['n_trees']} trees/class, depth {info['max_depth']}, "
        f"validation accuracy {info['val_accuracy']:.4f}",
        flush=True,
    )
    return Trained(model=model, float_scores=scores, info=info)


def booster_matrix(booster: Any, x: np.ndarray, **kwargs: Any) -> Any:
    """`x` (events x features) as an xgboost DMatrix carrying the booster's own feature names and types:
    a model trained on a pandas DataFrame records its column names, and xgboost refuses unnamed data
    for it (the data's names were already checked against the model's by `harness.bdt.pretrained`)."""
    import xgboost as xgb

    return xgb.DMatrix(x, feature_names=booster.feature_names, feature_types=booster.feature_types, **kwargs)


def decision_function(model: Any, x: np.ndarray) -> np.ndarray:
    """Raw scores (margins before the sigmoid/softmax), one column per conifer output; every model but
    xgboost's Booster has a `decision_function` (scikit-learn's, `harness.bdt.conifer_json`'s and
    `harness.bdt.onnx_forest`'s)."""
    if _is_booster(model):
        scores = model.predict(booster_matrix(model, x), output_margin=True)
    else:
        scores = model.decision_function(x)
    scores = np.asarray(scores, dtype=np.float64)
    return scores.reshape(len(x), -1)


def _train_xgboost(spec: DesignSpec, dataset: Dataset, out_dir: Path) -> tuple[Any, dict]:
    import xgboost as xgb

    clf = xgb.XGBClassifier(
        n_estimators=spec.bdt_model.n_trees,
        max_depth=spec.bdt_model.max_depth,
        learning_rate=spec.bdt_model.learning_rate,
        random_state=spec.seed,
        tree_method="hist",
    )
    clf.fit(dataset.x_train, dataset.y_train)
    path = out_dir / MODEL_FILE
    clf.save_model(path)
    info = {"trainer": f"xgboost {xgb.__version__}", "model_file": str(path)}
    return _read_booster(path, spec.bdt_model.max_depth), info


def _read_booster(path: Path, max_depth: int) -> Any:
    import xgboost as xgb

    booster = xgb.Booster()
    booster.load_model(path)
    # The JSON model holds the trees but not the training parameters; conifer reads max_depth from
    # the booster's configuration (for its estimates and VHDL padding), so restore it.
    booster.set_param({"max_depth": max_depth})
    return booster


def save_model(model: Any, folder: Path) -> bool:
    """Store an xgboost forest (its JSON model) for `harness.cache`; a scikit-learn forest is not
    stored (it would need a pickle) and is trained every time."""
    if not _is_booster(model):
        return False
    model.save_model(folder / MODEL_FILE)
    return True


def load_model(spec: DesignSpec, folder: Path, out_dir: Path) -> tuple[Any, dict]:
    """A forest `save_model` stored, copied into `out_dir` as training would have written it."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / MODEL_FILE
    path.write_bytes((folder / MODEL_FILE).read_bytes())
    return _read_booster(path, spec.bdt_model.max_depth), {"model_file": str(path)}


def _train_sklearn(spec: DesignSpec, dataset: Dataset, out_dir: Path) -> tuple[Any, dict]:
    from sklearn.ensemble import GradientBoostingClassifier

    clf = GradientBoostingClassifier(
        n_estimators=spec.bdt_model.n_trees,
        max_depth=spec.bdt_model.max_depth,
        learning_rate=spec.bdt_model.learning_rate,
        random_state=spec.seed,
    )
    clf.fit(dataset.x_train, dataset.y_train)
    return clf, {
        "trainer": f"scikit-learn {metadata.version('scikit-learn')} GradientBoostingClassifier",
        "model_file": None,
    }


def _is_booster(model: Any) -> bool:
    return type(model).__module__.startswith("xgboost")


def _accuracy(scores: np.ndarray, y: np.ndarray) -> float:
    return round(float(np.mean(decide(scores) == y)), 5)
