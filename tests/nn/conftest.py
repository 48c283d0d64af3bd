"""Helpers for NN tests: small real hls4ml models with chosen precisions, and the shared model files."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from tests.conftest import SHARED_FIXTURES  # noqa: E402

MODELS = SHARED_FIXTURES / "models"


def small_hls_model(
    tmp: Path,
    seed: int,
    sizes: tuple[int, ...],
    precisions: dict[str, dict[str, str]],
    input_precision: str = "fixed<12,4>",
    layer_options: dict[str, dict] | None = None,
    io_type: str = "io_parallel",
    compile: bool = True,
):
    """A float Keras MLP (Dense + ReLU layers) with random weights, converted by hls4ml and compiled.

    `precisions` maps hls4ml layer names (dense_0, relu_0, dense_1, ...) to their Precision dicts;
    `layer_options` maps layer names to further hls4ml layer settings (Strategy, ReuseFactor).
    """
    import hls4ml
    import tensorflow as tf

    tf.keras.utils.set_random_seed(seed)
    layers = [tf.keras.Input(shape=(sizes[0],), name="inp")]
    for index, width in enumerate(sizes[1:]):
        layers.append(tf.keras.layers.Dense(width, name=f"dense_{index}"))
        if index < len(sizes) - 2:
            layers.append(tf.keras.layers.Activation("relu", name=f"relu_{index}"))
    model = tf.keras.Sequential(layers)
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if layer.get_weights():
            w, b = layer.get_weights()
            layer.set_weights([rng.normal(0, 0.7, w.shape), rng.normal(0, 0.5, b.shape)])
    config = hls4ml.utils.config_from_keras_model(model, granularity="name", backend="Vitis")
    config["LayerName"]["inp"]["Precision"]["result"] = input_precision
    for name, precision in precisions.items():
        config["LayerName"][name]["Precision"].update(precision)
    for name, options in (layer_options or {}).items():
        config["LayerName"][name].update(options)
    return convert(model, config, tmp / "hls4ml", io_type, compile)


def convert(model, config: dict, out: Path, io_type: str = "io_parallel", compile: bool = True):
    """hls4ml's Vitis conversion of a Keras model (compiled with g++ unless `compile` is False)."""
    import hls4ml

    hls_model = hls4ml.converters.convert_from_keras_model(
        model, hls_config=config, output_dir=str(out), backend="Vitis", io_type=io_type
    )
    if compile:
        hls_model.compile()
    return hls_model


@pytest.fixture(scope="session")
def models_dir() -> Path:
    if not MODELS.is_dir():
        pytest.fail(f"shared model fixtures not found at {MODELS}")
    return MODELS


def qkeras_mlp(sizes: tuple[int, ...], seed: int, activation=None):
    """A QKeras MLP with random weights: QDense quantized_bits(6,0,alpha=1), then `activation(index)`
    (default: the string form QActivation("quantized_relu(6,0)")) after every hidden layer."""
    import tensorflow as tf
    from qkeras import QActivation, QDense

    tf.keras.utils.set_random_seed(seed)
    layers = [tf.keras.Input(shape=(sizes[0],), name="fc1_input")]
    for index, width in enumerate(sizes[1:], start=1):
        q = "quantized_bits(6,0,alpha=1)"
        layers.append(QDense(width, kernel_quantizer=q, bias_quantizer=q, name=f"fc{index}"))
        if index < len(sizes) - 1:
            layers.append(
                activation(index) if activation else QActivation("quantized_relu(6,0)", name=f"relu{index}")
            )
    return tf.keras.Sequential(layers, name="qmlp")


def save_pretrained(model, folder: Path) -> tuple[Path, Path]:
    """The model as a user hands it over: Keras JSON architecture plus HDF5 weights."""
    folder.mkdir(parents=True, exist_ok=True)
    arch, weights = folder / f"{model.name}.json", folder / f"{model.name}_weights.h5"
    arch.write_text(model.to_json())
    model.save_weights(str(weights))
    return arch, weights


def pretrained_design(name: str, arch: Path, weights: Path, firmware: dict, vectors: int = 3000) -> dict:
    """The design YAML's content for a pretrained model on the synthetic jets (16 features, 5 classes)."""
    return {
        "name": name,
        "kind": "nn",
        "data": {"n_samples": 2 * vectors, "test_fraction": 0.5},
        "model": {"pretrained": {"architecture": str(arch), "weights": str(weights)}},
        "firmware": firmware,
        "verify": {"vectors": vectors},
    }


def pretrained_spec(name: str, arch: Path, weights: Path, firmware: dict, vectors: int = 3000):
    """`pretrained_design` as a DesignSpec."""
    from harness.spec import from_dict

    return from_dict(pretrained_design(name, arch, weights, firmware, vectors))
