"""ONNX tree ensembles (`TreeEnsembleClassifier` / `TreeEnsembleRegressor`, as skl2onnx and onnxmltools
write them) as pretrained forests (`OnnxForest`): checked for the layout conifer's ONNX converter reads,
converted by it; the float reference is onnxruntime on the ensemble's raw scores."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from harness.bdt.pretrained_base import PretrainedModelError, n_outputs

#: ONNX tree-ensemble operators conifer's converter reads (domain ai.onnx.ml).
ONNX_TREE_OPS = ("TreeEnsembleClassifier", "TreeEnsembleRegressor")


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


def load_onnx(path: Path) -> tuple[OnnxForest, dict]:
    """The one tree ensemble of the ONNX file `path`, checked for conifer's converter, and its info."""
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
