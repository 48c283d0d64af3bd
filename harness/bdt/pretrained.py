"""Trained forests from files (`model.pretrained`): no training step, the same conversion and checks.

The file's type is told by its content (and suffix where content cannot tell):

* xgboost JSON or UBJSON (`Booster.save_model`, any xgboost from 1.0 on: xgboost reads its older JSON):
  loaded by xgboost into a Booster, exactly what the harness trains itself;
* conifer JSON (`model.save()`): the ensemble and its configuration, read by conifer's `load_model`;
  the float reference is conifer's own float evaluation of that ensemble. Files of older conifer
  releases (0.4 to 1.10, whose layouts differ) are converted to what the installed conifer reads
  (`upgrade_conifer_json`); one it still cannot read is refused naming the release that wrote it;
* ONNX `TreeEnsembleClassifier` / `TreeEnsembleRegressor` (skl2onnx, onnxmltools): converted by conifer's
  ONNX converter; the float reference is onnxruntime on the file.

Pickles (scikit-learn's joblib/pickle files) are refused: loading one runs code from the file. HDF5
files and anything else are refused naming what was found and what would be valid.

The forest must fit the data: its feature count (and xgboost's stored feature names, if any) must be
the data set's, and its outputs the classes' (one score for two classes, one per class above).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from harness.data import Dataset
from harness.spec import DesignSpec, SpecError

PICKLE_SUFFIXES = (".pkl", ".pickle", ".joblib", ".sav", ".dat")
#: ONNX tree-ensemble operators conifer's converter reads (domain ai.onnx.ml).
ONNX_TREE_OPS = ("TreeEnsembleClassifier", "TreeEnsembleRegressor")


class PretrainedModelError(SpecError):
    """A `model.pretrained` file that cannot be used; the message names the file and what is valid."""


@dataclass
class ConiferForest:
    """A conifer JSON: its ensemble, evaluated in float by conifer itself (python model).

    `ensemble` is the file's content in the layout the installed conifer reads (`upgrade_conifer_json`:
    a file of an older release is converted, its trees, thresholds and scores unchanged)."""

    path: Path
    model: Any  # conifer ModelBase
    ensemble: dict[str, Any]

    def decision_function(self, x: np.ndarray) -> np.ndarray:
        from conifer.model import ModelBase

        scores = np.asarray(ModelBase.decision_function(self.model, np.asarray(x, dtype=np.float64)))
        return scores.reshape(len(x), -1)[:, : n_outputs(self.model.n_classes)]

    def to_conifer(self, config: dict) -> Any:
        """conifer's model for `config` (as `conifer.model.load_model(path, new_config=config)`, from the
        upgraded ensemble, so files of older releases convert too)."""
        import copy

        from conifer.model import ModelMetaData, make_model

        model = make_model(copy.deepcopy(self.ensemble), config)
        history = self.ensemble.get("metadata")
        for entry in reversed(history if isinstance(history, list) else []):
            try:  # the releases that saved the file before, as load_model keeps them
                model._metadata.insert(0, ModelMetaData._from_dict(entry))
            except (TypeError, ValueError, AttributeError):  # an entry conifer cannot parse: left out
                continue
        return model


@dataclass
class OnnxForest:
    """An ONNX tree ensemble; onnxruntime gives its raw scores (post_transform NONE) and its labels."""

    path: Path
    proto: Any  # onnx ModelProto
    node: Any  # the TreeEnsemble node

    @property
    def attributes(self) -> dict[str, Any]:
        from onnx import helper

        return {a.name: helper.get_attribute_value(a) for a in self.node.attribute}

    @property
    def is_classifier(self) -> bool:
        return self.node.op_type == "TreeEnsembleClassifier"

    @property
    def n_classes(self) -> int:
        """Classes of a classifier (2 for a regressor: its one score is decided by its sign)."""
        attrs = self.attributes
        labels = attrs.get("classlabels_int64s") or attrs.get("classlabels_strings") or [0, 1]
        return len(labels) if self.is_classifier else 2

    def decision_function(self, x: np.ndarray) -> np.ndarray:
        """Raw scores, one column per conifer output: the ensemble with post_transform NONE, run alone."""
        scores = self._run(_raw_scores_model(self), x, output=1 if self.is_classifier else 0)
        if self.is_classifier and self.n_classes == 2:
            scores = scores[:, 1:]  # onnxruntime writes [-s, s] for a binary ensemble of one score
        return scores

    def labels(self, x: np.ndarray) -> np.ndarray:
        """The class indices the file itself predicts (its label output, as positions in its class list)."""
        from harness import onnxrun

        session = onnxrun.session(self.proto.SerializeToString(), f"model.pretrained: {self.path}")
        label = np.asarray(onnxrun.run(session, x, output=0)).ravel()  # int64 or string labels
        attrs = self.attributes
        classes = attrs.get("classlabels_int64s") or [c.decode() for c in attrs["classlabels_strings"]]
        return np.searchsorted(np.asarray(classes), label) if len(classes) else label

    def _run(self, proto: Any, x: np.ndarray, output: int) -> np.ndarray:
        """Output number `output` of `proto` on `x`, in blocks of the file's batch size if it fixes one."""
        from harness import onnxrun

        session = onnxrun.session(proto.SerializeToString(), f"model.pretrained: {self.path}")
        return np.asarray(onnxrun.run(session, x, output), dtype=np.float64).reshape(len(x), -1)

    def to_conifer(self, config: dict) -> Any:
        from conifer.converters import convert_from_onnx

        return convert_from_onnx(_conifer_view(self), config)


def n_outputs(n_classes: int) -> int:
    """conifer's outputs for `n_classes` classes: one score for two, one per class above."""
    return 1 if n_classes == 2 else n_classes


def load(spec: DesignSpec, dataset: Dataset) -> tuple[Any, dict]:
    """The forest in `spec.model.pretrained` (xgboost Booster, ConiferForest or OnnxForest) and its info,
    checked against the data set's features and classes."""
    if (pretrained := spec.bdt_model.pretrained) is None:
        raise PretrainedModelError(f"design {spec.name}: model.pretrained is not set; no forest to load")
    path = spec.resolve(pretrained)
    if not path.is_file():
        raise PretrainedModelError(f"model.pretrained: {path} does not exist")
    kind = file_kind(path)
    model, info = {"xgboost": _load_xgboost, "conifer": _load_conifer, "onnx": _load_onnx}[kind](path)
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


def _load_xgboost(path: Path) -> tuple[Any, dict]:
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


def _load_conifer(path: Path) -> tuple[ConiferForest, dict]:
    import copy

    import conifer
    from conifer.model import ModelBase

    content = json.loads(path.read_text())
    release = conifer_release(content)
    ensemble, layout = upgrade_conifer_json(content)
    try:
        model = ModelBase(copy.deepcopy(ensemble))  # the ensemble alone; the backend is set at conversion
    except (AssertionError, KeyError, TypeError, ValueError, AttributeError) as exc:
        writer = (
            f"conifer {release}" if release else "an unrecorded conifer release (the file has no metadata)"
        )
        raise PretrainedModelError(
            f"model.pretrained: {path} was written by {writer} and is not a conifer model that conifer "
            f"{conifer.__version__} (installed) can read ({type(exc).__name__}: {exc}); the harness reads "
            f"the JSON of conifer 0.4 to {conifer.__version__}. Re-save it: convert the original forest "
            f"again with conifer {conifer.__version__} (e.g. conifer.converters.convert_from_xgboost(booster)"
            ".save('model.json')), or give the forest's own file (xgboost JSON, ONNX) as model.pretrained"
        ) from None
    written = f"written by conifer {release}, " if release else ""
    origin = f"converted from {model.library}" if model.library != UNRECORDED else "converter not recorded"
    return ConiferForest(path, model, ensemble), {
        "trainer": f"conifer {conifer.__version__} JSON ({written}{origin})",
        "n_trees": model.n_trees,
        "max_depth": model.max_depth,
        "n_classes": model.n_classes,
        "n_features": model.n_features,
        "pretrained_config": content.get("config", content.get("Config")),
        "pretrained_release": release,
        "pretrained_layout": layout,
    }


#: conifer JSON layouts, by the releases that write them: what conifer 1.11 needs that each lacks.
CONIFER_LAYOUTS = {
    "0.x": "key Config, no metadata, no library/splitting_convention/feature_map, no node weights",
    "1.0-1.5": "no library/splitting_convention/feature_map, no node weights",
    "1.6-1.7": "no node weights",
    "1.8+": "read as it is",
}
#: What conifer 0.x-1.5 compared at every node, whatever library the forest came from.
LEGACY_SPLIT = "<="
#: `library` of a forest whose file does not say which converter made it (conifer 0.x-1.5).
UNRECORDED = "unrecorded"


def conifer_release(content: Any) -> str | None:
    """The conifer release that last saved the JSON `content` (its last `metadata` entry), or None when
    the file does not say (conifer 0.x wrote no metadata)."""
    history = content.get("metadata") if isinstance(content, dict) else None
    if isinstance(history, list) and history and isinstance(history[-1], dict) and history[-1].get("version"):
        return str(history[-1]["version"])
    return None


def upgrade_conifer_json(content: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The conifer JSON `content` in the layout conifer 1.11 reads, and the layout it was in (a key of
    `CONIFER_LAYOUTS`). The ensemble (trees, thresholds, scores, n_classes, n_features, init_predict,
    norm) is kept; only what the older layout lacks is filled in, as its release evaluated the forest:

    * 0.x and 1.0-1.5 have no splitting convention: every backend of those releases (C++, HLS, VHDL,
      and its Python evaluation) compares `x <= threshold`, for xgboost forests too, so `<=`; their
      converter library was not recorded (`library: "unrecorded"`); 0.x's `Config` becomes `config`;
    * node weights (conifer 1.8's oblique splits) are the one-hot vector of the node's feature (zeros
      at leaves), which is what conifer 1.8 on writes for an axis-aligned forest;
    * a per-class `init_predict` longer than the outputs (1.0-1.5's xgboost converter wrote two entries
      for a binary forest, of which every backend read the first) keeps its first entries.

    Nothing is validated here beyond shapes: conifer's `ModelBase` and the harness's checks follow."""
    import copy

    ensemble = copy.deepcopy(content)
    if "Config" in ensemble and "metadata" not in ensemble:
        layout = "0.x"
        ensemble["config"] = ensemble.pop("Config")
    elif "splitting_convention" not in ensemble and "library" not in ensemble:
        layout = "1.0-1.5"
    else:
        layout = "1.8+"
    if layout in ("0.x", "1.0-1.5"):
        ensemble["splitting_convention"] = LEGACY_SPLIT
        ensemble["library"] = UNRECORDED
    trees = ensemble.get("trees")
    n_features = ensemble.get("n_features")
    if isinstance(trees, list) and isinstance(n_features, int):
        for tree in (t for per_round in trees if isinstance(per_round, list) for t in per_round):
            if isinstance(tree, dict) and "weight" not in tree and isinstance(tree.get("feature"), list):
                layout = "1.6-1.7" if layout == "1.8+" else layout
                tree["weight"] = [_one_hot(f, n_features) for f in tree["feature"]]
    init = ensemble.get("init_predict")
    classes = ensemble.get("n_classes")
    if isinstance(init, list) and isinstance(classes, int) and len(init) > n_outputs(classes):
        ensemble["init_predict"] = init[: n_outputs(classes)]
    return ensemble, layout


def _one_hot(feature: Any, n_features: int) -> list[int]:
    weights = [0] * n_features
    if isinstance(feature, int) and 0 <= feature < n_features:
        weights[feature] = 1
    return weights


def _load_onnx(path: Path) -> tuple[OnnxForest, dict]:
    import onnx

    try:
        proto = onnx.load(str(path))
    except Exception as exc:  # protobuf raises DecodeError and others for a file that is not ONNX
        raise PretrainedModelError(f"model.pretrained: {path} is not an ONNX model: {exc}") from None
    nodes = [n for n in proto.graph.node if n.op_type in ONNX_TREE_OPS]
    if len(nodes) != 1:
        ops = ", ".join(sorted({n.op_type for n in proto.graph.node})) or "none"
        raise PretrainedModelError(
            f"model.pretrained: {path} holds {len(nodes)} tree ensembles (operators: {ops}); conifer "
            f"converts a graph with exactly one {' or '.join(ONNX_TREE_OPS)}"
        )
    forest = OnnxForest(path, proto, nodes[0])
    trees = _check_onnx_layout(forest)
    return forest, {
        "trainer": f"ONNX {forest.node.op_type} ({proto.producer_name} {proto.producer_version})",
        "n_trees": trees // n_outputs(forest.n_classes),
        "max_depth": None,  # conifer's converter derives it
        "n_classes": forest.n_classes,
        "n_features": proto.graph.input[0].type.tensor_type.shape.dim[1].dim_value,
        "post_transform": forest.attributes.get("post_transform", b"NONE").decode(),
    }


def _check_onnx_layout(forest: OnnxForest) -> int:
    """Refuse what conifer 1.11's ONNX converter would misread (it checks nothing itself); returns the
    number of trees. It takes one weight per leaf, in node order, trees numbered round-robin over the
    classes (one score for two), nodes numbered 0.. within each tree, float attributes, summed trees."""
    attrs = forest.attributes
    where = f"model.pretrained: {forest.path}"
    prefix = "class" if forest.is_classifier else "target"
    for name in ("nodes_values_as_tensor", f"{prefix}_weights_as_tensor", "base_values_as_tensor"):
        if name in attrs:
            raise PretrainedModelError(
                f"{where}: {name} (double precision) is not read by conifer's converter"
            )
    if attrs.get("aggregate_function", b"SUM") != b"SUM":
        raise PretrainedModelError(f"{where}: aggregate_function {attrs['aggregate_function']!r}; only SUM")
    if not forest.is_classifier and attrs.get("n_targets", 1) != 1:
        raise PretrainedModelError(f"{where}: {attrs['n_targets']} regression targets; one is supported")
    tree_ids = np.asarray(attrs["nodes_treeids"])
    node_ids = np.asarray(attrs["nodes_nodeids"])
    modes = np.asarray(attrs["nodes_modes"])
    leaf_tree = np.asarray(attrs[f"{prefix}_treeids"])
    leaf_node = np.asarray(attrs[f"{prefix}_nodeids"])
    leaf_class = np.asarray(attrs[f"{prefix}_ids"])
    trees = np.unique(tree_ids)
    if not np.array_equal(trees, np.arange(len(trees))) or np.any(np.diff(tree_ids) < 0):
        raise PretrainedModelError(f"{where}: trees are not numbered 0, 1, ... in node order")
    for tree in trees:
        if not np.array_equal(node_ids[tree_ids == tree], np.arange(np.sum(tree_ids == tree))):
            raise PretrainedModelError(f"{where}: tree {tree}: nodes are not numbered 0, 1, ... in order")
    leaves = list(zip(tree_ids[modes == b"LEAF"], node_ids[modes == b"LEAF"], strict=True))
    weighted = list(zip(leaf_tree, leaf_node, strict=True))
    if weighted != leaves:
        raise PretrainedModelError(
            f"{where}: {len(weighted)} leaf weights for {len(leaves)} leaves (or not in node order); "
            "conifer's converter takes one weight per leaf (gradient-boosted trees; a random forest's "
            "per-class leaf probabilities are not supported)"
        )
    outputs = n_outputs(forest.n_classes)
    expected = leaf_tree % outputs if outputs > 1 else np.full(len(leaf_tree), leaf_class[0])
    if not np.array_equal(leaf_class, expected):
        raise PretrainedModelError(
            f"{where}: trees are not assigned to the classes round-robin (tree i -> class i mod "
            f"{outputs}); conifer's converter reads them that way"
        )
    return len(trees)


def _conifer_view(forest: OnnxForest) -> Any:
    """The graph as conifer's ONNX converter reads it: the ensemble as node 0, then a ZipMap node giving
    the class count. A regressor is presented as a two-class ensemble of one score (its target_*
    attributes as class_*), so conifer's classifier reader takes it; nothing here is executed."""
    from onnx import helper

    attrs = dict(forest.attributes)
    if not forest.is_classifier:
        attrs = {k.replace("target_", "class_"): v for k, v in attrs.items() if k not in ("n_targets",)}
    attrs.pop("classlabels_strings", None)
    attrs["classlabels_int64s"] = list(range(forest.n_classes))
    node = helper.make_node(
        "TreeEnsembleClassifier", ["X"], ["label", "scores"], domain="ai.onnx.ml", name="trees", **attrs
    )
    zipmap = helper.make_node(
        "ZipMap",
        ["scores"],
        ["probabilities"],
        domain="ai.onnx.ml",
        name="ZipMap",
        classlabels_int64s=list(range(forest.n_classes)),
    )
    graph = helper.make_graph([node, zipmap], "conifer_view", [forest.proto.graph.input[0]], [])
    return helper.make_model(graph)


def _raw_scores_model(forest: OnnxForest) -> Any:
    """The ensemble alone, with post_transform NONE: its second output holds the raw scores."""
    import onnx
    from onnx import helper

    attrs = {**forest.attributes, "post_transform": "NONE"}
    op_input = forest.node.input[0]
    graph_input = forest.proto.graph.input[0]
    node = helper.make_node(
        forest.node.op_type,
        [graph_input.name],
        ["label", "scores"] if forest.is_classifier else ["scores"],
        domain="ai.onnx.ml",
        **attrs,
    )
    if op_input != graph_input.name:
        raise PretrainedModelError(
            f"model.pretrained: {forest.path}: the ensemble reads {op_input!r}, not the graph input "
            f"{graph_input.name!r}; conifer's converter needs the ensemble to read the input directly"
        )
    outputs = [helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None) for name in node.output]
    if forest.is_classifier:
        label_type = onnx.TensorProto.STRING if "classlabels_strings" in attrs else onnx.TensorProto.INT64
        outputs[0] = helper.make_tensor_value_info("label", label_type, None)
    graph = helper.make_graph([node], "raw_scores", [graph_input], outputs)
    model = helper.make_model(graph, opset_imports=list(forest.proto.opset_import))
    model.ir_version = forest.proto.ir_version
    return model


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
