"""hls4ml conversion: the QKeras/Keras model becomes an hls4ml ModelGraph and its C simulation.

The hls4ml C simulation (compiled with g++ against the ap_types headers hls4ml ships) is the
reference for everything downstream. Two conversion choices matter for the firmware and are made
here, once:
- precisions: from the QKeras quantizers (granularity "name", accumulators inferred exactly) for
  QKeras models; hls4ml's model-wide default (`firmware.default_precision`) for float Keras models;
- the final softmax is removed with hls4ml's own `Skip` option: trigger firmware keeps the logits
  (the class decision is their argmax, which softmax does not change). A user's hls4ml configuration
  (`model.pretrained.hls4ml_config`) with `Skip: false` on the softmax layer keeps it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import yaml

from harness.data import Dataset
from harness.fixed import FixedType
from harness.flow import Converted, Trained
from harness.nn.bridge import layer_type
from harness.spec import DesignSpec, SpecError
from harness.toolchain import Toolchain


def convert(
    spec: DesignSpec, trained: Trained, data: Dataset, out_dir: Path, toolchain: Toolchain
) -> Converted:
    import hls4ml

    toolchain.require("c++")
    model = trained.model
    config = hls_config(spec, model)
    hls_model = hls4ml.converters.convert_from_keras_model(
        model,
        hls_config=config,
        output_dir=str(out_dir / "hls4ml"),
        backend="Vitis",
        io_type=spec.firmware.io_type,
        part=spec.firmware.part,
        clock_period=spec.firmware.clock_ns,
    )
    print("  compiling the hls4ml C simulation with g++ ...", flush=True)
    with toolchain.activated():
        hls_model.compile()
    layers = list(hls_model.get_layers())
    input_type = layer_type(layers[0], layers[0].get_output_variable().type.precision, "result")
    output_type = layer_type(layers[-1], hls_model.get_output_variables()[0].type.precision, "result")
    n_out = int(np.prod(hls_model.get_output_variables()[0].shape))
    return Converted(
        model=hls_model,
        input_types=[input_type] * data.n_features,
        output_types=[output_type] * n_out,
        info={
            "hls4ml_layers": [f"{layer.name}:{layer.class_name}" for layer in layers],
            "input_type": str(input_type),
            "output_type": str(output_type),
        },
    )


def _is_qkeras(model) -> bool:
    return any(type(layer).__module__.startswith("qkeras") for layer in model.layers)


def hls_config(spec: DesignSpec, model) -> dict:
    """The hls4ml configuration for this design point (see the module docstring for the choices)."""
    import hls4ml

    fw = spec.firmware
    granularity = "name" if _is_qkeras(model) else "model"
    config = hls4ml.utils.config_from_keras_model(
        model,
        granularity=granularity,
        backend="Vitis",
        default_precision=_hls4ml_precision(fw.default_precision),
    )
    config["Model"]["Strategy"] = fw.strategy
    config["Model"]["ReuseFactor"] = fw.reuse_factor if isinstance(fw.reuse_factor, int) else 1
    # hls4ml's own option removes every softmax (also one fused into a Dense as its activation).
    # Per-layer entries (granularity "name") carry their own Skip: false, which wins over LayerType.
    config.setdefault("LayerType", {}).setdefault("Softmax", {})["Skip"] = True
    layer_config = config.setdefault("LayerName", {})
    for entry in layer_config.values():
        if "Skip" in entry:
            entry["Skip"] = True
        # config_from_keras_model writes ReuseFactor 1 into every layer entry (granularity "name"), and a
        # layer's entry wins over Model.ReuseFactor: carry the model-wide value into each entry.
        if "ReuseFactor" in entry:
            entry["ReuseFactor"] = config["Model"]["ReuseFactor"]
    input_name = model.layers[0].input.name.split(":")[0]
    if isinstance(fw.reuse_factor, dict):
        unknown = sorted(set(fw.reuse_factor) - {layer.name for layer in model.layers})
        if unknown:
            raise SpecError(
                f"firmware.reuse_factor names unknown layers {unknown}; "
                f"layers: {[layer.name for layer in model.layers]}"
            )
        for name, rf in fw.reuse_factor.items():
            layer_config.setdefault(name, {})["ReuseFactor"] = rf
    if fw.input_precision:
        layer_config.setdefault(input_name, {}).setdefault("Precision", {})["result"] = _hls4ml_precision(
            fw.input_precision
        )
    pretrained = getattr(spec.model, "pretrained", None)
    if pretrained is not None and pretrained.hls4ml_config:
        _merge_user_config(config, spec.resolve(pretrained.hls4ml_config))
    if not layer_config:
        config.pop("LayerName")
    return config


def _merge_user_config(config: dict, path: Path) -> None:
    """Overlay the HLSConfig of a user's hls4ml YAML (per-layer precisions, reuse factors, strategies,
    table sizes, and `Skip` to keep a softmax)."""
    user = yaml.safe_load(path.read_text()) or {}
    hls = user.get("HLSConfig", user)
    for name, entry in (hls.get("LayerName") or {}).items():
        target = config.setdefault("LayerName", {}).setdefault(name, {})
        for key, value in entry.items():
            if key == "Precision" and isinstance(value, dict):
                target.setdefault("Precision", {}).update(value)
            elif key in ("Precision", "ReuseFactor", "Strategy", "Skip", "table_size"):
                target[key] = value


def _hls4ml_precision(text: str) -> str:
    """Our ap_fixed spelling -> hls4ml's (it accepts ap_fixed<...> too; normalise via FixedType)."""
    return str(FixedType.parse(text))
