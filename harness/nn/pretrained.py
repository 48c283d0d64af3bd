"""Trained Keras/QKeras and ONNX models from files (`model.pretrained`), used instead of training.

`load_pretrained` reads Keras JSON + HDF5 weights, a full-model Keras HDF5 file, a tf.keras `.keras`
archive (each checked layer by layer before Keras rebuilds it, QKeras layers through
`harness.nn.qkeras_objects`) or ONNX (`harness.nn.onnx_network`); never a pickle. `check_input` refuses
a model whose input is not the data's feature vector. What cannot be used is a SpecError naming the file
and layer, never a Keras traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.data import Dataset
from harness.nn.onnx_network import OnnxNetwork
from harness.nn.qkeras_objects import custom_objects
from harness.spec import DesignSpec, PretrainedSpec, SpecError

#: Layer classes Keras itself builds (besides `tf.keras.layers`) when reading a model JSON.
KERAS_MODELS = ("Sequential", "Functional", "Model")
#: Keras layers refused in model files: a Lambda layer's saved config holds Python bytecode, which Keras
#: runs when it rebuilds the layer (as a pickle would); the RTL bridge has no Lambda either.
CODE_LAYERS = ("Lambda",)


def load_pretrained(spec: DesignSpec):
    """The model of `model.pretrained`: Keras JSON + HDF5 weights, a full-model Keras HDF5 file, or ONNX
    (an `OnnxNetwork`). Never pickles; QKeras layers are resolved through `custom_objects`.

    What cannot be read is refused as a SpecError naming the file and layer, never a Keras traceback."""
    pre = _pretrained(spec)
    if pre.model is None:
        return _load_json_and_weights(spec)
    path = spec.resolve(pre.model)
    if not path.is_file():
        raise SpecError(f"model.pretrained: {path} does not exist")
    head = path.read_bytes()[:8]
    if head.startswith(b"\x89HDF"):
        return _load_full_hdf5(path)
    if path.suffix.lower() == ".onnx":
        return OnnxNetwork.load(path)
    if head.startswith(b"PK\x03\x04"):
        return _load_keras_archive(path)
    kind = (
        "a pickle (never loaded: loading one runs code from the file)" if head[:1] == b"\x80" else "neither"
    )
    raise SpecError(f"model.pretrained: {path} is {kind}; valid: {VALID_MODEL_FILES}")


#: The model files `model.pretrained` reads, for refusals.
VALID_MODEL_FILES = (
    "a Keras 2 / QKeras HDF5 file (model.save('model.h5')) or tf.keras .keras archive, ONNX (.onnx), or "
    "{architecture: JSON, weights: HDF5}"
)


def _load_keras_archive(path: Path):
    """A `.keras` zip archive (Keras' own format: config.json, metadata.json with keras_version,
    model.weights.h5). Written by tf.keras 2.13-2.15 it is read like a full-model HDF5 file (its config
    checked layer by layer first); written by Keras 3 it is refused: the installed TensorFlow 2.14 /
    QKeras stack cannot read it. Only the archive's JSON members are read before that decision."""
    import json
    import re
    import zipfile

    import tensorflow as tf

    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.namelist()
            metadata = json.loads(archive.read("metadata.json")) if "metadata.json" in members else None
            config = json.loads(archive.read("config.json")) if "config.json" in members else None
    except (zipfile.BadZipFile, json.JSONDecodeError, UnicodeDecodeError, OSError) as exc:
        raise SpecError(
            f"model.pretrained: {path} is a broken zip archive ({exc}); valid: {VALID_MODEL_FILES}"
        ) from None
    version = str(metadata.get("keras_version", "")) if isinstance(metadata, dict) else ""
    if not version or not isinstance(config, dict):
        listed = ", ".join(members[:8]) + (" ..." if len(members) > 8 else "")
        raise SpecError(
            f"model.pretrained: {path} is a zip archive but not a Keras model archive (no metadata.json with "
            f"keras_version and config.json; it holds {listed}); valid: {VALID_MODEL_FILES}"
        )
    major = re.match(r"\d+", version)
    if major is None:
        raise SpecError(
            f"model.pretrained: {path}: its metadata.json says keras_version {version!r}, which no Keras "
            f"release writes; valid: {VALID_MODEL_FILES}"
        )
    if int(major.group()) >= 3:
        raise SpecError(
            f"model.pretrained: {path} is a Keras 3 model archive (.keras zip: config.json, metadata.json "
            f"with keras_version {version}); this harness reads Keras 2 / QKeras models (TensorFlow "
            f"{tf.__version__}); valid: {VALID_MODEL_FILES}. Keras 3 models (e.g. HGQ2) need the Keras-3 "
            "stack (TensorFlow >= 2.16) in an environment of its own, as QKeras does not run there: see "
            "docs/reference/layers.md"
        )
    objects = custom_objects()
    _check_layer_classes(config, objects)
    try:
        return tf.keras.models.load_model(str(path), custom_objects=objects, compile=False)
    except (TypeError, ValueError, KeyError, OSError) as exc:
        raise SpecError(
            f"model.pretrained: {path} (a Keras {version} .keras archive) could not be rebuilt by Keras "
            f"{tf.keras.__version__}: {exc}; re-save it as HDF5 (model.save('model.h5'))"
        ) from None


def _load_full_hdf5(path: Path):
    """A whole Keras model in one HDF5 file (`model.save('model.h5')`): its JSON config is checked layer by
    layer before Keras rebuilds it with the QKeras loaders."""
    import json

    import h5py
    import tensorflow as tf

    with h5py.File(path, "r") as handle:
        config = handle.attrs.get("model_config")
    if config is None:
        raise SpecError(
            f"model.pretrained: {path} is HDF5 without a model_config (a weights-only file?); give it as "
            "`weights` with the model JSON as `architecture`"
        )
    objects = custom_objects()
    _check_layer_classes(json.loads(config), objects)
    try:
        return tf.keras.models.load_model(str(path), custom_objects=objects, compile=False)
    except (TypeError, ValueError, KeyError, OSError) as exc:
        raise SpecError(f"model.pretrained: {path} could not be rebuilt by Keras: {exc}") from None


def _pretrained(spec: DesignSpec) -> PretrainedSpec:
    if (pre := spec.nn_model.pretrained_spec) is None:
        raise SpecError(f"design {spec.name}: model.pretrained is not set; there is no model file to load")
    return pre


def _load_json_and_weights(spec: DesignSpec):
    """Keras JSON + HDF5 weights."""
    import json

    from tensorflow.keras.models import model_from_json

    pre = _pretrained(spec)
    # PretrainedSpec holds either `model` or both of these (its __post_init__)
    assert pre.architecture is not None and pre.weights is not None
    arch, weights = spec.resolve(pre.architecture), spec.resolve(pre.weights)
    for path in (arch, weights):
        if not path.exists():
            raise SpecError(f"model.pretrained: {path} does not exist")
    objects = custom_objects()
    try:
        text = arch.read_text()
        _check_layer_classes(json.loads(text), objects)
    except (ValueError, UnicodeDecodeError) as exc:
        raise SpecError(f"model.pretrained: {arch} is not a Keras model JSON: {exc}") from None
    try:
        model = model_from_json(text, custom_objects=objects)
    except SpecError:
        raise
    except (TypeError, ValueError, KeyError) as exc:
        raise SpecError(f"model.pretrained: {arch} could not be rebuilt by Keras: {exc}") from None
    try:
        model.load_weights(str(weights))
    except (OSError, ValueError) as exc:
        raise SpecError(f"model.pretrained: weights {weights} do not fit {arch}: {exc}") from None
    return model


def _check_layer_classes(model_json: dict, objects: dict) -> None:
    """Refuse layers that neither Keras nor the installed QKeras knows, naming each one."""
    import tensorflow as tf

    for layer in _json_layers(model_json):
        class_name = layer.get("class_name", "?")
        if class_name in CODE_LAYERS:
            name = layer.get("config", {}).get("name", "?")
            raise SpecError(
                f"model.pretrained: layer {name} is a {class_name}, whose saved config holds Python code "
                "that Keras would run to rebuild it; it is never loaded (nor does the RTL bridge have it)"
            )
        if class_name in objects or class_name in KERAS_MODELS or hasattr(tf.keras.layers, class_name):
            continue
        name = layer.get("config", {}).get("name", "?")
        raise SpecError(_unknown_layer(name, class_name))


def _json_layers(node: dict) -> list[dict]:
    """Every layer entry of a Keras model JSON, nested models included (the models themselves too)."""
    layers = [node]
    for layer in node.get("config", {}).get("layers", []) if isinstance(node.get("config"), dict) else []:
        layers += _json_layers(layer)
    return layers


def _unknown_layer(name: str, class_name: str) -> str:
    from importlib import metadata

    version = metadata.version("qkeras")
    hint = (
        f"QDenseBatchnorm is in QKeras' repository after the {version} release but not in the installed "
        "QKeras; save the model with the batch normalisation folded into a QDense"
        if class_name == "QDenseBatchnorm"
        else "use a Keras or QKeras layer"
    )
    return (
        f"model.pretrained: layer {name} is a {class_name}, which neither Keras nor QKeras {version} knows; "
        f"{hint}"
    )


def check_input(model: Any, data: Dataset, where: str) -> None:
    """Refuse a pretrained model whose input is not what the data give: one flat vector of
    `data.n_features` features per event (batch first). Keras models and ONNX networks alike; run
    before any prediction or conversion, so the refusal names both shapes instead of a Keras or
    onnxruntime traceback.

    Raises SpecError for several inputs, an input of another rank than (batch, features) (e.g.
    (batch, 10, 4): conv-style inputs are not fed), a symbolic feature dimension (hls4ml could not size
    the input), or another feature count than the data's."""
    if isinstance(model, OnnxNetwork):
        inputs = [(i.name, model.input_shape) for i in model.session.get_inputs()[:1]]
        n_inputs = len(model.session.get_inputs())
    else:
        inputs = [(t.name, tuple(t.shape)) for t in model.inputs]
        n_inputs = len(inputs)
    n = data.n_features
    names = data.feature_names
    listed = ", ".join(names if len(names) <= 6 else [*names[:3], "...", names[-1]])
    given = f"the data give one flat vector of {n} features per event ({listed})"
    if n_inputs != 1:
        raise SpecError(f"{where}: the model has {n_inputs} inputs; {given}, fed to a model with one input")
    name, shape = inputs[0]
    text = "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"
    if len(shape) != 2:
        raise SpecError(
            f"{where}: the model's input {name} has shape {text} (batch first), not (batch, features); "
            f"{given}; models with a non-flat input are not supported yet (give one taking (batch, {n}))"
        )
    if shape[1] is None:  # hls4ml sizes the firmware's input from this dimension
        raise SpecError(
            f"{where}: the model's input {name} has shape {text}: its feature dimension is not fixed; "
            f"{given}; export the model with the input shape (batch, {n})"
        )
    if shape[1] != n:
        raise SpecError(
            f"{where}: the model's input {name} has shape {text}: {shape[1]} features; {given}; list the "
            "model's features in data.features, in its order"
        )
