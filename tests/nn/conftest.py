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
):
    """A float Keras MLP (Dense + ReLU layers) with random weights, converted by hls4ml and compiled.

    `precisions` maps hls4ml layer names (dense_0, relu_0, dense_1, ...) to their Precision dicts.
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
    hls_model = hls4ml.converters.convert_from_keras_model(
        model, hls_config=config, output_dir=str(tmp / "hls4ml"), backend="Vitis", io_type="io_parallel"
    )
    hls_model.compile()
    return hls_model


@pytest.fixture(scope="session")
def models_dir() -> Path:
    if not MODELS.is_dir():
        pytest.fail(f"shared model fixtures not found at {MODELS}")
    return MODELS
