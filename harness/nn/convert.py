"""hls4ml conversion: the QKeras/Keras model becomes an hls4ml ModelGraph and its C simulation.

The hls4ml C simulation (compiled with g++ against the ap_types headers hls4ml ships) is the
reference for everything downstream. Two conversion choices matter for the firmware and are made
here, once:
- precisions: from the QKeras quantizers (granularity "name", accumulators inferred exactly) for
  QKeras models; hls4ml's model-wide default (`firmware.default_precision`) for float Keras models;
  for ONNX (hls4ml's ONNX front end) granularity "name", whose `auto` result types let hls4ml fuse a
  bias `Add` (read as ApplyAlpha) into the Dense before it and infer the widths from the default;
- the final softmax is removed with hls4ml's own `Skip` option: trigger firmware keeps the logits
  (the class decision is their argmax, which softmax does not change). A user's hls4ml configuration
  (`model.pretrained.hls4ml_config`) with `Skip: false` on the softmax layer keeps it.
"""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from harness.data import Dataset
from harness.fixed import FixedType
from harness.nn.onnx_network import OnnxNetwork
from harness.nn.types import UnsupportedModelError, layer_type
from harness.spec import DesignSpec, SpecError
from harness.stages import Converted, Trained
from harness.toolchain import Toolchain


def convert(
    spec: DesignSpec, trained: Trained, data: Dataset, out_dir: Path, toolchain: Toolchain
) -> Converted:
    import hls4ml

    toolchain.require("c++")
    model = trained.model
    # hls4ml's ONNX front end for ONNX files (qonnx-cleaned), its Keras front end otherwise
    onnx = isinstance(model, OnnxNetwork)
    front_end = (
        hls4ml.converters.convert_from_onnx_model if onnx else hls4ml.converters.convert_from_keras_model
    )
    if (note := float_model_note(spec, model)) is not None:
        print(f"  note: {note}", flush=True)
    try:
        config = hls_config(spec, model)
        hls_model = front_end(
            model.model if onnx else model,
            hls_config=config,
            output_dir=str(out_dir / "hls4ml"),
            backend="Vitis",
            io_type=spec.firmware.io_type,
            part=spec.firmware.part,
            clock_period=spec.firmware.clock_ns,
        )
    except Exception as exc:  # hls4ml raises a bare Exception for a layer it has no handler for
        refusal = _refusal(model, exc)
        if refusal is None:
            raise
        raise refusal from exc
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
            "precisions": layer_precisions(layers),
            "precisions_source": f"hls4ml {metadata.version('hls4ml')} types of the converted model "
            "(each layer's weight, bias, accum_t and result type as the C simulation and RTL use them)",
        },
        threshold=0.5 if n_out == 1 and _activation(layers[-1]) in PROBABILITY_ACTIVATIONS else 0.0,
    )


#: Roles of a layer's types in `layer_precisions`, in table order.
PRECISION_ROLES = ("weight", "bias", "accum", "result")


def layer_precisions(layers: list) -> dict[str, dict[str, str]]:
    """Per layer, the types hls4ml resolved at conversion (its `auto` types inferred): weight and bias
    (layers with weights), accumulator (layers with an accum_t) and result, written as ap_fixed where
    they are fixed point, else as hls4ml names them."""

    def text(precision: object) -> str:
        try:
            return str(FixedType.from_hls4ml(precision))
        except ValueError:
            return str(precision)

    table = {}
    for layer in layers:
        entry = {}
        for role in ("weight", "bias"):
            var = (getattr(layer, "weights", None) or {}).get(role)
            if var is not None:
                entry[role] = text(var.type.precision)
        accum = layer.get_attr("accum_t")
        if accum is not None:
            entry["accum"] = text(accum.precision)
        entry["result"] = text(layer.get_output_variable().type.precision)
        table[layer.name] = entry
    return table


#: Final activations whose single output is a probability in [0, 1]: its class decision is "> 0.5".
PROBABILITY_ACTIVATIONS = ("sigmoid", "hard_sigmoid", "quantized_sigmoid", "quantized_hard_sigmoid")


def _activation(layer) -> str:
    return str(layer.get_attr("activation", "") or "").lower().split("(")[0]


def _refusal(model, exc: Exception) -> UnsupportedModelError | None:
    """hls4ml's "Unsupported layer type: X" (Keras) or "Unsupported operation type: X" (ONNX) as an
    UnsupportedModelError naming the user's layers or nodes of type X; None for any other exception
    (a fault of ours or of hls4ml, not of the input)."""
    from hls4ml.converters import get_supported_keras_layers, get_supported_onnx_layers

    found = re.search(r"Unsupported (?:layer|operation) type: (\w+)", str(exc))
    if not found:
        return None
    kind = found.group(1)
    if isinstance(model, OnnxNetwork):
        what, supported = "ONNX node", get_supported_onnx_layers()
        names = [node.name for node in model.model.graph.node if node.op_type == kind]
    else:
        what, supported = "layer", get_supported_keras_layers()
        names = [layer.name for layer in model.layers if type(layer).__name__ == kind]
    return UnsupportedModelError(
        f"{what} {', '.join(names) or '?'} ({kind}) is not supported by hls4ml {metadata.version('hls4ml')}: "
        f"remove it or replace it with a supported one ({', '.join(sorted(supported))}); "
        "of those the RTL bridge implements the layers listed in docs/reference/layers.md"
    )


#: ONNX operators that quantise (QONNX, and ONNX's own QDQ pair): a graph with none of them is float.
ONNX_QUANTIZERS = ("Quant", "BipolarQuant", "Trunc", "QuantizeLinear", "DequantizeLinear")


def float_model_note(spec: DesignSpec, model) -> str | None:
    """The note for a model without quantizers (float Keras, a float ONNX export) converted without a
    user's hls4ml configuration: every weight, bias and input takes `firmware.default_precision`, and
    the design's size grows with it (a 16-64-32-32-5 PyTorch MLP at ap_fixed<16,6>: about 118k LUT
    by da4ml's estimate, over 15 minutes of Yosys). None for a quantized model or a given config."""
    pretrained = getattr(spec.model, "pretrained", None)
    if pretrained is not None and pretrained.hls4ml_config:
        return None
    if isinstance(model, OnnxNetwork):
        if any(node.op_type in ONNX_QUANTIZERS for node in model.model.graph.node):
            return None
    elif _is_qkeras(model):
        return None
    return (
        f"the model has no quantizers: its weights, biases and layer results take firmware.default_precision "
        f"{spec.firmware.default_precision}, its accumulators wider; the RTL's size (and Yosys' time) grows "
        "with these widths: narrow it, or give a quantized model (QKeras, QONNX)"
    )


def _is_qkeras(model) -> bool:
    return any(type(layer).__module__.startswith("qkeras") for layer in model.layers)


def _front_end_config(model, default_precision: str) -> tuple[dict, list[str], str]:
    """hls4ml's own starting configuration for the model, its layer names and its input's name."""
    import hls4ml

    if isinstance(model, OnnxNetwork):
        graph = model.model.graph
        config = hls4ml.utils.config_from_onnx_model(
            model.model, granularity="name", backend="Vitis", default_precision=default_precision
        )
        return config, [node.name for node in graph.node], graph.input[0].name
    config = hls4ml.utils.config_from_keras_model(
        model,
        granularity="name" if _is_qkeras(model) else "model",
        backend="Vitis",
        default_precision=default_precision,
    )
    return config, [layer.name for layer in model.layers], model.layers[0].input.name.split(":")[0]


def hls_config(spec: DesignSpec, model) -> dict:
    """The hls4ml configuration for this design point (see the module docstring for the choices)."""
    fw = spec.firmware
    config, layer_names, input_name = _front_end_config(model, _hls4ml_precision(fw.default_precision))
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
    if isinstance(fw.reuse_factor, dict):
        unknown = sorted(set(fw.reuse_factor) - set(layer_names))
        if unknown:
            raise SpecError(f"firmware.reuse_factor names unknown layers {unknown}; layers: {layer_names}")
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
    user: dict[str, Any] = yaml.safe_load(path.read_text()) or {}
    hls: dict[str, Any] = user.get("HLSConfig", user)
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
