"""Trained forests from files (`model.pretrained`): no training step, the same conversion and checks.

The file's type is told by its content (and suffix where content cannot tell):

* xgboost JSON or UBJSON (`Booster.save_model`, any xgboost from 1.0 on: xgboost reads its older JSON):
  loaded by xgboost into a Booster, exactly what the harness trains itself (`harness.bdt.xgboost_file`);
* conifer JSON (`model.save()`): the ensemble and its configuration, read by conifer's `load_model`;
  the float reference is conifer's own float evaluation of that ensemble. Files of older conifer
  releases (0.4 to 1.10, whose layouts differ) are converted to what the installed conifer reads
  (`harness.bdt.conifer_json`); one it still cannot read is refused naming the release that wrote it;
* ONNX `TreeEnsembleClassifier` / `TreeEnsembleRegressor` (skl2onnx, onnxmltools): converted by conifer's
  ONNX converter; the float reference is onnxruntime on the file (`harness.bdt.onnx_forest`).

Pickles (scikit-learn's joblib/pickle files) are refused: loading one runs code from the file. HDF5
files and anything else are refused naming what was found and what would be valid.

The forest must fit the data: its feature count (and xgboost's stored feature names, if any) must be
the data set's, and its outputs the classes' (one score for two classes, one per class above).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.bdt.conifer_json import load_conifer
from harness.bdt.onnx_forest import load_onnx
from harness.bdt.pretrained_base import PretrainedModelError, n_outputs
from harness.bdt.xgboost_file import load_xgboost
from harness.data import Dataset
from harness.spec import DesignSpec

PICKLE_SUFFIXES = (".pkl", ".pickle", ".joblib", ".sav", ".dat")


def load(spec: DesignSpec, dataset: Dataset) -> tuple[Any, dict]:
    """The forest in `spec.model.pretrained` (xgboost Booster, ConiferForest or OnnxForest) and its info,
    checked against the data set's features and classes."""
    if (pretrained := spec.bdt_model.pretrained) is None:
        raise PretrainedModelError(f"design {spec.name}: model.pretrained is not set; no forest to load")
    path = spec.resolve(pretrained)
    if not path.is_file():
        raise PretrainedModelError(f"model.pretrained: {path} does not exist")
    kind = file_kind(path)
    model, info = {"xgboost": load_xgboost, "conifer": load_conifer, "onnx": load_onnx}[kind](path)
    _check_fits(path, info, dataset)
    return model, {"trained": False, "pretrained": str(path), "pretrained_format": kind, **info}


def file_kind(path: Path) -> str:
    """xgboost, conifer or onnx, from the file's content (and its suffix for ONNX's protobuf)."""
    head = path.read_bytes()[:8]
    suffix = path.suffix.lower()
    if head.startswith(b"\x80") or suffix in PICKLE_SUFFIXES:
        raise PretrainedModelError(
            f"model.pretrained: {path} is a pickle; pickles are never loaded (loading one runs code from the "
            "file). Save the forest as xgboost JSON/UBJSON (booster.save_model('model.json')), conifer JSON "
            "(conifer model.save()) or ONNX (skl2onnx.to_onnx for scikit-learn, onnxmltools for LightGBM)"
        )
    if head.startswith(b"\x89HDF"):
        raise PretrainedModelError(
            f"model.pretrained: {path} is HDF5 (a Keras model?); a BDT design reads xgboost JSON/UBJSON, "
            "conifer JSON or ONNX tree ensembles (kind: nn reads Keras models)"
        )
    if suffix == ".onnx":
        return "onnx"
    if head.lstrip()[:1] == b"{":
        try:
            content = json.loads(path.read_text())
        except (UnicodeDecodeError, json.JSONDecodeError):
            return "xgboost"  # UBJSON: a binary JSON object, which xgboost reads (and checks) itself
        if isinstance(content, dict) and "learner" in content:
            return "xgboost"
        if isinstance(content, dict) and {"trees", "init_predict", "n_classes"} <= set(content):
            return "conifer"
        keys = ", ".join(list(content)[:10]) if isinstance(content, dict) else type(content).__name__
        raise PretrainedModelError(
            f"model.pretrained: {path} is JSON but neither an xgboost model (key 'learner') nor a conifer "
            f"model (keys trees, init_predict, n_classes); its keys: {keys}"
        )
    raise PretrainedModelError(
        f"model.pretrained: cannot tell what {path} holds; valid: xgboost JSON or UBJSON (.json, .ubj), "
        "conifer JSON (.json), ONNX (.onnx)"
    )


def _check_fits(path: Path, info: dict, dataset: Dataset) -> None:
    """The forest's inputs and outputs against the data set's features and classes."""
    where = f"model.pretrained: {path}"
    if info["n_features"] != dataset.n_features:
        raise PretrainedModelError(
            f"{where} takes {info['n_features']} features; the data give {dataset.n_features} "
            f"({', '.join(dataset.feature_names)}); list the model's features in data.features, in its order"
        )
    names = info.pop("feature_names", None)
    if names and names != dataset.feature_names:
        raise PretrainedModelError(
            f"{where} was trained on the features {names}; the data give {dataset.feature_names} "
            "(same names in the same order are needed)"
        )
    if n_outputs(info["n_classes"]) != n_outputs(max(2, dataset.n_classes)):
        raise PretrainedModelError(
            f"{where} has {info['n_classes']} classes; the data have {dataset.n_classes} "
            f"({', '.join(dataset.class_names)})"
        )
