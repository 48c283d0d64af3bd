"""Pretrained QKeras models whose layers hold quantizer objects load, convert and verify bit-exact.

A model saved as JSON + H5 with separate `QActivation(quantized_relu(6, 0))` layers failed in
`model.pretrained` with Keras' raw "QActivation ... could not be deserialized properly" TypeError
(QKeras' own table fails the same way: QActivation keeps the quantizer's JSON dict and calls it). The
loader now knows every QKeras layer and quantizer class by the names QKeras writes, rebuilds the
quantizer objects, and refuses what cannot be rebuilt naming the layer and the string form to use.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from harness.flow import prepare, simulate
from harness.nn.pretrained import load_pretrained
from harness.nn.qkeras_objects import custom_objects
from harness.spec import SpecError

from .conftest import pretrained_spec, qkeras_mlp, save_pretrained


def _quantizers() -> dict[str, object]:
    """One instance of every quantizer class QKeras 0.9.0 serialises as an object."""
    from qkeras import quantizers as q

    return {
        "quantized_bits": q.quantized_bits(8, 2, alpha=1),
        "quantized_relu": q.quantized_relu(6, 0),
        "quantized_po2": q.quantized_po2(4, 2),
        "quantized_relu_po2": q.quantized_relu_po2(4, 2),
        "quantized_ulaw": q.quantized_ulaw(8, 0),
        "quantized_tanh": q.quantized_tanh(6, 0),
        "quantized_sigmoid": q.quantized_sigmoid(6),
        "binary": q.binary(alpha=1),
        "stochastic_binary": q.stochastic_binary(),
        "ternary": q.ternary(alpha=1),
        "stochastic_ternary": q.stochastic_ternary(),
        "bernoulli": q.bernoulli(),
    }


def _load(tmp_path, model):
    arch, weights = save_pretrained(model, tmp_path / "model")
    return load_pretrained(pretrained_spec("load", arch, weights, {})), arch, weights


def _configs(model) -> list[dict]:
    return [{**layer, "build_config": None} for layer in json.loads(model.to_json())["config"]["layers"]]


def test_every_quantizer_object_round_trips_in_every_slot(tmp_path):
    """QActivation, QDense (kernel, bias) and QBatchNormalization holding each quantizer object: the
    loaded model has the real QKeras classes, equal quantizer configs and the same outputs."""
    import tensorflow as tf
    from qkeras import QActivation, QBatchNormalization, QDense, quantized_bits

    layers = [tf.keras.Input((4,), name="inp")]
    for name, quantizer in _quantizers().items():
        layers.append(QActivation(quantizer, name=f"act_{name}"))
        layers.append(QDense(4, kernel_quantizer=quantizer, bias_quantizer=quantizer, name=f"dense_{name}"))
    q = quantized_bits(8, 3, alpha=1)
    layers.append(QBatchNormalization(gamma_quantizer=q, beta_quantizer=q, name="bn"))
    model = tf.keras.Sequential(layers, name="all_quantizers")
    loaded, _, _ = _load(tmp_path, model)
    assert [type(layer) for layer in loaded.layers] == [type(layer) for layer in model.layers]
    # every layer's saved config, quantizer configs included, survives the round trip (build_config aside:
    # the rebuilt QDense layers do not record their input shape; the outputs are compared below)
    assert _configs(loaded) == _configs(model)
    activations = [layer for layer in loaded.layers if isinstance(layer, QActivation)]
    assert [type(layer.quantizer).__name__ for layer in activations] == list(_quantizers())
    x = np.random.default_rng(0).normal(size=(256, 4)).astype(np.float32)
    stochastic = [
        i for i, layer in enumerate(model.layers) if "stochastic" in layer.name or "bernoulli" in layer.name
    ]
    assert stochastic  # their outputs are random; the deterministic prefix must match exactly
    prefix = tf.keras.Sequential(model.layers[: stochastic[0]])
    again = tf.keras.Sequential(loaded.layers[: stochastic[0]])
    assert np.array_equal(prefix(x).numpy(), again(x).numpy())


def test_qactivation_object_model_loads_and_is_bit_exact(toolchain, tmp_path):
    """The issue's input: QActivation layers holding quantized_relu objects, saved as JSON + H5. QKeras'
    own table fails on it; through `model.pretrained` it loads, converts and matches on Verilator."""
    import tensorflow as tf
    from qkeras import QActivation, quantized_relu
    from qkeras.utils import _add_supported_quantized_objects

    model = qkeras_mlp(
        (16, 16, 8, 5), seed=3, activation=lambda i: QActivation(quantized_relu(6, 0), name=f"relu{i}")
    )
    arch, weights = save_pretrained(model, tmp_path / "model")
    assert (
        json.loads(arch.read_text())["config"]["layers"][2]["config"]["activation"]["class_name"]
        == "quantized_relu"
    )
    qkeras_table: dict = {}
    _add_supported_quantized_objects(qkeras_table)
    with pytest.raises(TypeError, match="could not be deserialized properly"):
        tf.keras.models.model_from_json(arch.read_text(), custom_objects=qkeras_table)

    point = prepare(pretrained_spec("qactivation", arch, weights, {}), tmp_path / "run", toolchain)
    loaded = point.trained.model
    relus = [layer for layer in loaded.layers if type(layer).__name__ == "QActivation"]
    assert [type(layer.quantizer).__name__ for layer in relus] == ["quantized_relu"] * 2
    assert np.array_equal(point.trained.float_scores, model.predict(point.dataset.x_test, verbose=0))
    assert [layer.class_name for layer in point.converted.model.get_layers()][:4] == [
        "Input",
        "Dense",
        "Activation",
        "Dense",
    ]
    comparison = simulate(point, toolchain).comparison
    assert comparison.vectors == 3000 and len(np.unique(point.emulation.output_codes)) > 100
    assert comparison.mismatched_words == 0, comparison.summary()


def _edited(tmp_path, edit) -> tuple:
    """A saved QKeras model whose JSON `edit` changes as another tool or QKeras version would write it."""
    arch, weights = save_pretrained(qkeras_mlp((4, 6, 2), seed=0), tmp_path / "model")
    model_json = json.loads(arch.read_text())
    edit(model_json["config"]["layers"])
    arch.write_text(json.dumps(model_json))
    return pretrained_spec("edited", arch, weights, {})


def _quantizer_object(layers: list, class_name: str, config: dict) -> None:
    layers[2]["config"]["activation"] = {
        "module": "qkeras.quantizers",
        "class_name": class_name,
        "config": config,
    }


@pytest.mark.parametrize(
    ("class_name", "config", "why"),
    [
        ("my_quantizer", {"bits": 4}, "its quantizers: bernoulli, binary"),
        # QKeras 0.9.0 saves keys (keep_negative ...) that its own quantized_hswish.__init__ rejects
        ("quantized_hswish", {"bits": 8, "integer": 3, "keep_negative": True}, "unexpected keyword argument"),
    ],
)
def test_quantizer_that_cannot_be_rebuilt_is_refused_with_the_string_form(tmp_path, class_name, config, why):
    spec = _edited(tmp_path, lambda layers: _quantizer_object(layers, class_name, config))
    with pytest.raises(SpecError) as info:
        load_pretrained(spec)
    text = str(info.value)
    assert f"layer relu1: activation is a {class_name!r} object" in text and why in text
    assert 'QActivation("quantized_relu(6,0)")' in text


def test_layer_unknown_to_the_installed_qkeras_is_refused_naming_it(tmp_path):
    """QDenseBatchnorm is in QKeras' repository but not in the 0.9.0 release on PyPI."""

    def rename(layers: list) -> None:
        layers[1]["class_name"] = layers[1]["registered_name"] = "QDenseBatchnorm"

    if "QDenseBatchnorm" in custom_objects():
        pytest.skip("the installed QKeras has QDenseBatchnorm")
    with pytest.raises(
        SpecError, match=r"layer fc1 is a QDenseBatchnorm, which neither Keras nor QKeras 0\.9\.0"
    ):
        load_pretrained(_edited(tmp_path, rename))
