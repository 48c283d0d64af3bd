"""conifer JSON files (`model.save()`) as pretrained forests: the ensemble and its configuration, read by
conifer and evaluated in float by conifer itself (`ConiferForest`). Files of older conifer releases (0.4
to 1.10, whose layouts differ) are converted to what the installed conifer reads
(`upgrade_conifer_json`); one it still cannot read is refused naming the release that wrote it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from harness.bdt.pretrained_base import PretrainedModelError, n_outputs


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


def load_conifer(path: Path) -> tuple[ConiferForest, dict]:
    """The conifer JSON in `path`, upgraded to the installed release's layout, and its info."""
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
