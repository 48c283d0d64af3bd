"""Pretrained NNs in one file (`model.pretrained: PATH`): a full-model Keras HDF5 file, and ONNX read by
hls4ml 1.3's ONNX front end after qonnx's cleanup (a float Keras model exported by tf2onnx, as a
PyTorch/Brevitas user's export arrives), bit-exact on Verilator; layers the loaders must not run
(Lambda: Python bytecode in the file) are refused naming the layer and its type."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from harness.flow import prepare, simulate
from harness.spec import SpecError, from_dict
from harness.stages import decide

from ..data.conftest import events, write
from .conftest import qkeras_mlp

FEATURES = ["f0", "f1", "f2", "f3"]
VECTORS = 2000


@pytest.fixture(scope="module")
def own_csv(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("nn_own")
    return write(events(2 * VECTORS, seed=4, n_features=4), folder / "events.csv")


def spec_for(name: str, model: Path, data: Path, firmware: dict | None = None):
    return from_dict(
        {
            "name": name,
            "kind": "nn",
            "data": {"path": str(data), "features": FEATURES, "label": "kind", "test_fraction": 0.5},
            "model": {"pretrained": str(model)},
            "firmware": firmware or {},
            "verify": {"vectors": VECTORS},
        }
    )


def float_mlp(seed: int = 1):
    """A float Keras MLP 4 -> 8 -> 3 (ReLU, softmax) with random non-zero weights and biases."""
    import tensorflow as tf

    tf.keras.utils.set_random_seed(seed)
    model = tf.keras.Sequential(
        [
            tf.keras.Input((4,), name="inp"),
            tf.keras.layers.Dense(8, name="fc1"),
            tf.keras.layers.Activation("relu", name="relu1"),
            tf.keras.layers.Dense(3, name="output"),
            tf.keras.layers.Activation("softmax", name="softmax"),
        ],
        name="float_mlp",
    )
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if layer.get_weights():
            layer.set_weights([rng.normal(0, 0.7, w.shape) for w in layer.get_weights()])
    return model


def assert_bit_exact(point, toolchain) -> None:
    comparison = simulate(point, toolchain).comparison
    print(comparison.summary())
    assert comparison.vectors == VECTORS and comparison.mismatched_words == 0, comparison.summary()
    assert len(np.unique(point.emulation.output_codes)) > 50


def test_full_model_hdf5_loads_as_the_same_model_and_converts(own_csv, toolchain, tmp_path):
    """A QKeras model saved whole with model.save('x.h5') (architecture and weights in one file) loads as
    the same model (same outputs) and goes through conversion, emulation and RTL generation; from there
    on it is the model JSON + H5 loads, whose bit-exactness tests/nn/test_pretrained_qkeras.py shows."""
    model = qkeras_mlp((4, 8, 3), seed=2)
    model.save(tmp_path / "qmlp.h5")
    point = prepare(spec_for("full_h5", tmp_path / "qmlp.h5", own_csv), tmp_path / "run", toolchain)
    assert point.trained.info["trained"] is False
    assert [type(layer).__name__ for layer in point.trained.model.layers] == [
        "QDense",
        "QActivation",
        "QDense",
    ]
    assert np.array_equal(point.trained.float_scores, model.predict(point.dataset.x_test, verbose=0))
    assert point.rtl.sources and len(np.unique(point.emulation.output_codes)) > 50


def test_float_keras_model_exported_to_onnx_is_bit_exact(own_csv, toolchain, tmp_path):
    """tf2onnx's export of a float Keras MLP: qonnx's cleanup, hls4ml's ONNX front end (Dense layers at
    firmware.default_precision), the same bridge and Verilog; accuracy.float is onnxruntime's."""
    import tensorflow as tf
    import tf2onnx

    model = float_mlp()
    signature = (tf.TensorSpec((None, 4), tf.float32, name="inp"),)
    tf2onnx.convert.from_keras(
        model, input_signature=signature, opset=13, output_path=str(tmp_path / "m.onnx")
    )
    spec = spec_for("onnx_mlp", tmp_path / "m.onnx", own_csv)
    point = prepare(spec, tmp_path / "run", toolchain)
    assert point.trained.info["pretrained_format"] == "onnx"
    keras_scores = model.predict(point.dataset.x_test, verbose=0)
    assert np.allclose(point.trained.float_scores, keras_scores, atol=1e-5)
    layers = [layer.class_name for layer in point.converted.model.get_layers()]
    assert layers[:4] == ["Input", "Dense", "Activation", "Dense"], layers
    agreement = np.mean(decide(point.emulation.output_codes) == decide(point.trained.float_scores))
    assert agreement > 0.95
    assert_bit_exact(point, toolchain)


def test_lambda_layer_is_refused_naming_layer_and_type(own_csv, tmp_path):
    """A Lambda layer's config holds Python bytecode, which Keras runs when it rebuilds the layer."""
    import tensorflow as tf

    model = tf.keras.Sequential(
        [
            tf.keras.Input((4,)),
            tf.keras.layers.Lambda(lambda t: t * 2, name="double"),
            tf.keras.layers.Dense(3),
        ]
    )
    model.save(tmp_path / "lambda.h5")
    from harness.nn.pretrained import load_pretrained

    with pytest.raises(SpecError, match=r"layer double is a Lambda, whose saved config holds Python code"):
        load_pretrained(spec_for("lambda", tmp_path / "lambda.h5", own_csv))


def keras3_archive(path: Path) -> Path:
    """A `.keras` file laid out as Keras 3 (3.15) writes `model.save('m.keras')` for Sequential([Input((4,)),
    Dense(3)]): a zip of metadata.json (keras_version, date_saved), config.json (module / class_name /
    config / registered_name / build_config) and model.weights.h5 (layers/<name>/vars/<i>). Written here
    with zipfile and h5py, as Keras 3 cannot be installed beside TensorFlow 2.14."""
    import io
    import json
    import zipfile

    import h5py

    dense = {
        "module": "keras.layers",
        "class_name": "Dense",
        "config": {
            "name": "dense",
            "trainable": True,
            "dtype": "float32",
            "units": 3,
            "activation": "linear",
        },
        "registered_name": None,
        "build_config": {"input_shape": [None, 4]},
    }
    config = {
        "module": "keras",
        "class_name": "Sequential",
        "config": {
            "name": "sequential",
            "trainable": True,
            "dtype": "float32",
            "layers": [
                {
                    "module": "keras.layers",
                    "class_name": "InputLayer",
                    "config": {"batch_shape": [None, 4], "dtype": "float32", "name": "input_layer"},
                    "registered_name": None,
                },
                dense,
            ],
        },
        "registered_name": None,
        "build_config": {"input_shape": [None, 4]},
    }
    weights = io.BytesIO()
    with h5py.File(weights, "w") as h5:
        h5.create_dataset("layers/dense/vars/0", data=np.ones((4, 3), np.float32))
        h5.create_dataset("layers/dense/vars/1", data=np.zeros(3, np.float32))
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            "metadata.json", json.dumps({"keras_version": "3.15.1", "date_saved": "2026-12-07@06:00:00"})
        )
        archive.writestr("config.json", json.dumps(config))
        archive.writestr("model.weights.h5", weights.getvalue())
    return path


def test_keras3_archive_is_refused_naming_keras3_and_what_reads_it(own_csv, tmp_path):
    """A Keras 3 `.keras` file was refused as '... is neither; valid: ...', never naming Keras 3."""
    from harness.nn.pretrained import load_pretrained

    path = keras3_archive(tmp_path / "m.keras")
    message = (
        r"m\.keras is a Keras 3 model archive \(\.keras zip: config\.json, metadata\.json with keras_version "
        r"3\.15\.1\); this harness reads Keras 2 / QKeras models \(TensorFlow 2\.14.*model\.h5.* "
        r"Keras-3 stack"
    )
    with pytest.raises(SpecError, match=message):
        load_pretrained(spec_for("k3", path, own_csv))


def test_keras2_archive_of_a_qkeras_model_loads_as_the_same_model(own_csv, toolchain, tmp_path):
    """tf.keras 2.14 writes the same zip format (`model.save('m.keras')`, keras_version 2.14.0): read like
    the full-model HDF5 file, the same QKeras model with the same outputs."""
    import json
    import zipfile

    model = qkeras_mlp((4, 8, 3), seed=2)
    model.save(tmp_path / "qmlp.keras")
    with zipfile.ZipFile(tmp_path / "qmlp.keras") as archive:
        assert json.loads(archive.read("metadata.json"))["keras_version"].startswith("2.")
    from harness.nn.pretrained import load_pretrained

    loaded = load_pretrained(spec_for("k2", tmp_path / "qmlp.keras", own_csv))
    assert [type(layer).__name__ for layer in loaded.layers] == ["QDense", "QActivation", "QDense"]
    x = np.random.default_rng(0).normal(size=(200, 4)).astype(np.float32)
    assert np.array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_zip_that_is_no_keras_archive_is_refused(own_csv, tmp_path):
    import zipfile

    with zipfile.ZipFile(tmp_path / "m.zip", "w") as archive:
        archive.writestr("weights.npy", b"")
    from harness.nn.pretrained import load_pretrained

    with pytest.raises(
        SpecError, match=r"m\.zip is a zip archive but not a Keras model archive .* weights\.npy"
    ):
        load_pretrained(spec_for("zip", tmp_path / "m.zip", own_csv))
