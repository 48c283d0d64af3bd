"""Quantisation-aware training of the QKeras MLP, or loading a trained Keras/QKeras model.

The model is trained with QKeras quantizers in the loop (QAT), optionally with magnitude pruning from
tensorflow-model-optimization (polynomial decay to the target sparsity), so the weights hls4ml sees
are already on the fixed-point grid and exact zeros cost nothing in the firmware.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

from harness import numerics  # noqa: E402
from harness.data import Dataset  # noqa: E402
from harness.spec import DesignSpec, NNModelSpec, PretrainedSpec, SpecError  # noqa: E402
from harness.stages import Trained  # noqa: E402

if TYPE_CHECKING:  # TensorFlow is untyped (Any to mypy): the name says what a value holds
    from tensorflow.keras.layers import Layer as KerasLayer


def train(spec: DesignSpec, data: Dataset, out_dir: Path) -> Trained:
    import tensorflow as tf

    model_spec = spec.nn_model
    tf.keras.utils.set_random_seed(spec.seed)
    tf.config.experimental.enable_op_determinism()
    if (pretrained := model_spec.pretrained_spec) is not None:
        model = load_pretrained(spec)
        files = pretrained.files()
        source = files.get("model") or files["architecture"]
        check_input(model, data, f"model.pretrained: {spec.resolve(source)}")
        info = {"trained": False, "pretrained": source}
    else:
        model, fit_info = _fit(_build(model_spec, data.n_features, data.n_classes), spec, data)
        info = {"trained": True, **fit_info, "cpu_numerics": numerics.settings()}
    if isinstance(model, OnnxNetwork):
        info.update(model.info())
        return Trained(model=model, float_scores=model.predict(data.x_test), info=info)
    scores = model.predict(data.x_test, batch_size=4096, verbose=0)
    info["sparsity"] = round(_sparsity(model), 4)
    info["parameters"] = int(model.count_params())
    return Trained(model=model, float_scores=scores, info=info)


#: A trained model in a cache folder: Keras JSON architecture plus HDF5 weights, as users hand models over.
CACHED_ARCHITECTURE, CACHED_WEIGHTS = "model.json", "weights.h5"


def save_model(model, folder: Path) -> bool:
    """Store a trained (pruning-stripped) QKeras model for `harness.cache`; never a pickle."""
    (folder / CACHED_ARCHITECTURE).write_text(model.to_json())
    model.save_weights(str(folder / CACHED_WEIGHTS))
    return True


def load_model(spec: DesignSpec, folder: Path, out_dir: Path) -> tuple[object, dict]:
    """A model `save_model` stored, rebuilt with the QKeras classes (`custom_objects`)."""
    from tensorflow.keras.models import model_from_json

    model = model_from_json((folder / CACHED_ARCHITECTURE).read_text(), custom_objects=custom_objects())
    model.load_weights(str(folder / CACHED_WEIGHTS))
    return model, {}


#: Config keys of QKeras layers that hold a quantizer (object, JSON dict or string form).
QUANTIZER_SLOTS = ("activation", "quantizer")
#: Layer classes Keras itself builds (besides `tf.keras.layers`) when reading a model JSON.
KERAS_MODELS = ("Sequential", "Functional", "Model")


def custom_objects() -> dict:
    """Every QKeras layer and quantizer class, by the class names QKeras writes into model JSON.

    QKeras' own table misses some quantizers (quantized_hswish), and its layers cannot rebuild a quantizer
    object from the JSON dict they were saved with (QActivation stores the dict and fails to call it:
    "could not be deserialized properly"), so each layer is entered as a loader that turns quantizer
    dicts back into quantizer objects before the real QKeras class is built.
    """
    from qkeras.utils import _add_supported_quantized_objects

    objects: dict = {}
    _add_supported_quantized_objects(objects)
    objects.update(_quantizer_classes())
    for name, cls in _qkeras_layers(objects).items():
        objects[name] = _loader(cls)
    return objects


def _quantizer_classes() -> dict[str, type]:
    """Every QKeras quantizer class (quantized_bits, quantized_relu, quantized_po2, binary, ...) by name."""
    import qkeras.quantizers as q

    return {
        name: obj
        for name, obj in vars(q).items()
        if isinstance(obj, type) and issubclass(obj, q.BaseQuantizer) and obj is not q.BaseQuantizer
    }


def _qkeras_layers(objects: dict) -> dict[str, type]:
    """The QKeras layer classes in `objects`, plus QDenseBatchnorm where the installed QKeras has it."""
    import tensorflow as tf

    layers = {
        name: obj
        for name, obj in objects.items()
        if isinstance(obj, type) and issubclass(obj, tf.keras.layers.Layer)
    }
    try:
        from qkeras.qdense_batchnorm import QDenseBatchnorm  # in QKeras' repository after the 0.9.0 release
    except ImportError:
        return layers
    return {**layers, "QDenseBatchnorm": QDenseBatchnorm}


def _loader(cls: type[KerasLayer]) -> type[KerasLayer]:
    """A stand-in for QKeras layer `cls` in `custom_objects`: its `from_config` builds a real `cls` from
    the config with quantizer dicts turned into quantizer objects (the model holds only QKeras classes)."""

    class Loader(cls):
        @classmethod
        def from_config(loader, config: dict, *args, **kwargs):  # noqa: N804 - Keras calls cls.from_config
            return cls.from_config(_quantizer_objects(config), *args, **kwargs)

    Loader.__name__ = Loader.__qualname__ = cls.__name__
    return Loader


def _quantizer_objects(config: dict) -> dict:
    """A QKeras layer config with each quantizer dict replaced by the quantizer object it describes."""
    from qkeras.quantizers import get_quantizer

    known = _quantizer_classes()
    config = dict(config)
    for key, value in config.items():
        if not (isinstance(value, dict) and "class_name" in value and key.endswith(QUANTIZER_SLOTS)):
            continue
        name, class_name = config.get("name", "?"), value["class_name"]
        if class_name not in known:
            quantizers = f"its quantizers: {', '.join(sorted(known))}"
            raise SpecError(_not_rebuilt(name, key, class_name, quantizers))
        try:
            config[key] = get_quantizer({"class_name": class_name, "config": value.get("config", {})})
        except (TypeError, ValueError) as exc:  # e.g. quantized_hswish saves keys its __init__ rejects
            raise SpecError(_not_rebuilt(name, key, class_name, str(exc))) from None
    return config


def _not_rebuilt(layer: str, key: str, class_name: str, why: str) -> str:
    from importlib import metadata

    return (
        f"model.pretrained: layer {layer}: {key} is a {class_name!r} object, which QKeras "
        f"{metadata.version('qkeras')} cannot rebuild from the model JSON ({why}). Save the layer with the "
        'quantizer in its string form, e.g. QActivation("quantized_relu(6,0)") or '
        'kernel_quantizer="quantized_bits(6,0,alpha=1)"'
    )


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
            "the README (Supported models)"
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


@dataclass
class OnnxNetwork:
    """An ONNX network (e.g. exported from Keras by tf2onnx, or from PyTorch/Brevitas as QONNX) after
    qonnx's cleanup, which is the form hls4ml's ONNX front end reads (its documented preparation:
    cleanup, channels-last, Gemm to MatMul, cleanup). onnxruntime runs the file itself for the float
    scores, so `accuracy.float` is the exported model's own, in blocks of the file's batch size when
    the exporter fixed it (`harness.onnxrun`)."""

    path: Path
    model: Any  # qonnx ModelWrapper, cleaned
    session: Any  # onnxruntime InferenceSession of the file as it is

    @classmethod
    def load(cls, path: Path) -> OnnxNetwork:
        """The file, checked to load in onnxruntime (a SpecError naming what it cannot run, e.g. opset 6's
        Gemm) before qonnx cleans it; what qonnx cannot read or clean is a SpecError too."""
        from qonnx.core.modelwrapper import ModelWrapper
        from qonnx.transformation.channels_last import ConvertToChannelsLastAndClean
        from qonnx.transformation.gemm_to_matmul import GemmToMatMul
        from qonnx.util.cleanup import cleanup_model

        from harness import onnxrun

        session = onnxrun.session(path, f"model.pretrained: {path}")
        try:
            model = cleanup_model(ModelWrapper(str(path)))
            model = cleanup_model(model.transform(ConvertToChannelsLastAndClean()).transform(GemmToMatMul()))
        except Exception as exc:  # onnx/protobuf/qonnx raise many types for a file they cannot read
            raise SpecError(
                f"model.pretrained: {path} could not be read and cleaned by qonnx: "
                f"{type(exc).__name__}: {exc}"
            ) from None
        return cls(path, model, session)

    @property
    def input_shape(self) -> tuple[int | None, ...]:
        """The graph input's shape as onnxruntime reads the file, batch first; None for a symbolic
        dimension."""
        return tuple(d if isinstance(d, int) and d > 0 else None for d in self.session.get_inputs()[0].shape)

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The file's first output for events `x` (events x features): (events x outputs), float64."""
        from harness import onnxrun

        return np.asarray(onnxrun.run(self.session, x), dtype=np.float64).reshape(len(x), -1)

    def info(self) -> dict:
        from harness import onnxrun

        graph = self.model.model.graph
        return {
            "pretrained_format": "onnx",
            "onnx_operators": [node.op_type for node in graph.node],
            "onnx_batch": onnxrun.fixed_batch(self.session),
            "parameters": int(sum(np.prod(t.dims) for t in graph.initializer)),
        }


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


def _build(model_spec: NNModelSpec, n_in: int, n_out: int):
    import tensorflow as tf
    from qkeras import QActivation, QDense, quantized_bits, quantized_relu

    def dense(width: int, name: str) -> QDense:
        quantizer = quantized_bits(model_spec.weight_bits, model_spec.weight_integer_bits, alpha=1)
        return QDense(
            width,
            kernel_quantizer=quantizer,
            bias_quantizer=quantizer,
            name=name,
            kernel_initializer="lecun_uniform",
            kernel_regularizer=tf.keras.regularizers.l1(1e-4),
        )

    layers = [tf.keras.Input(shape=(n_in,), name="fc1_input")]
    for index, width in enumerate(model_spec.hidden, start=1):
        layers.append(dense(width, f"fc{index}"))
        relu = quantized_relu(model_spec.activation_bits, model_spec.activation_integer_bits)
        layers.append(QActivation(relu, name=f"relu{index}"))
    layers.append(dense(n_out, "output"))
    layers.append(tf.keras.layers.Activation("softmax", name="softmax"))
    return tf.keras.Sequential(layers, name="jet_mlp")


def _fit(model, spec: DesignSpec, data: Dataset) -> tuple[object, dict]:
    """Train (QAT, with pruning when asked); returns the trained model with pruning wrappers stripped."""
    import tensorflow as tf
    import tensorflow_model_optimization as tfmot

    recipe = spec.training
    steps = int(np.ceil(len(data.x_train) / recipe.batch_size)) * recipe.epochs
    callbacks = []
    target = spec.nn_model.pruning
    if target > 0:
        schedule = tfmot.sparsity.keras.PolynomialDecay(
            initial_sparsity=0.0, final_sparsity=target, **pruning_steps(steps)
        )
        model = tfmot.sparsity.keras.prune_low_magnitude(model, pruning_schedule=schedule)
        callbacks.append(tfmot.sparsity.keras.UpdatePruningStep())
    model.compile(
        optimizer=tf.keras.optimizers.Adam(recipe.learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    history = model.fit(
        data.x_train,
        data.y_train,
        validation_data=(data.x_val, data.y_val),
        epochs=recipe.epochs,
        batch_size=recipe.batch_size,
        shuffle=True,
        verbose=0,
        callbacks=[*callbacks, _Progress(recipe.epochs)],
    )
    if target > 0:
        model = tfmot.sparsity.keras.strip_pruning(model)
    return model, {
        "epochs": recipe.epochs,
        "steps": steps,
        "pruning_target": target,
        "val_accuracy": round(float(history.history["val_accuracy"][-1]), 5),
    }


def pruning_steps(steps: int) -> dict[str, int]:
    """begin/end step and update frequency of the polynomial-decay pruning schedule for `steps` steps.

    tensorflow-model-optimization prunes only on steps where (step - begin) % frequency == 0 and
    step <= end, with a default frequency of 100: a short (sweep) training of a few hundred steps
    would stop short of its target sparsity. Pruning runs over the middle 60 % of training in 10
    updates, and end is placed on an update step, so the last update reaches the target exactly and
    the remaining 20 % of the steps fine-tune the pruned weights.
    """
    begin = steps // 5
    frequency = max(1, (steps * 3 // 5) // 10)
    updates = max(1, (steps * 4 // 5 - begin) // frequency)
    return {"begin_step": begin, "end_step": begin + updates * frequency, "frequency": frequency}


def _sparsity(model) -> float:
    kernels = [w for layer in model.layers for w in layer.get_weights()[:1] if w.ndim == 2]
    total = sum(k.size for k in kernels)
    return float(sum((k == 0).sum() for k in kernels) / total) if total else 0.0


class _Progress:
    """A Keras callback printing one line per few epochs (long trainings show progress)."""

    def __new__(cls, epochs: int):
        import tensorflow as tf

        class Progress(tf.keras.callbacks.Callback):
            def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
                if (epoch + 1) % max(1, epochs // 5) == 0 or epoch + 1 == epochs:
                    logs = logs or {}
                    print(
                        f"  epoch {epoch + 1}/{epochs}: loss {logs.get('loss', float('nan')):.4f} "
                        f"val_accuracy {logs.get('val_accuracy', float('nan')):.4f}",
                        flush=True,
                    )

        return Progress()
