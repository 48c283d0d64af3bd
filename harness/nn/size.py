"""The size guard: an NN's RTL is refused before it is generated when it would be too large for the open flow.

The fully unrolled back end (da4ml, reuse factor 1) gives its own LUT estimate only once it has
solved the whole network, and both it and Yosys grow quickly with the design: a float 16-64-32-32-5
MLP at ap_fixed<16,6> is ~118k LUT by da4ml's estimate, after 1.5 minutes of da4ml, then over 15
minutes and 2.5 GB of Yosys. `estimate_unrolled` reads the same number from the converted model's
weights and types in a fraction of a second, and `check` refuses a design whose estimate exceeds
`verify.max_rtl_lut` (default `DEFAULT_MAX_RTL_LUT`) as one SpecError naming the model, its precision
and reuse factor, the estimate and its method, the limit and what would make the design fit. The MAC
back end (reuse factor > 1) is held to the same limit with its own closed-form estimate
(`harness.nn.mac.estimate_luts`), which is as cheap.

The limit applies at every fidelity: at `--fidelity estimate` the refusal itself gives the estimate
(in seconds), where generating the RTL to ask da4ml would take minutes; raising the limit gets
da4ml's own number.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from harness.fixed import FixedType
from harness.nn.casts import products_exact
from harness.nn.reuse import is_time_multiplexed, resolve_arithmetic
from harness.nn.types import dense_accumulator, dense_strategy, dense_weights, traceable_type, weight_values
from harness.spec import DesignSpec, SpecError
from harness.spec.schema import DEFAULT_MAX_RTL_LUT

if TYPE_CHECKING:  # untyped libraries (Any to mypy): the names say what a value holds
    from hls4ml.model.graph import ModelGraph
    from hls4ml.model.layers import Layer


#: da4ml's LUTs per (non-zero CSD digit x accumulator bit) of a dense layer whose accumulator holds
#: every product exactly and wraps (the bridge hands the whole layer to da4ml's constant-matrix
#: optimiser): each digit of a weight is one shifted copy of an input to add, in an adder at most as
#: wide as the accumulator; da4ml shares common digit patterns between weights and trims each adder to
#: its value range, which leaves about a quarter. Calibrated with `ELEMENT_LUT_PER_BIT` against da4ml
#: 0.5.2's `comb.cost` (da4ml / this estimate, LUT): the PyTorch 16-64-32-32-5 batch-norm MLP of
#: tests/nn/onnx_files at ap_fixed<16,6> 117 802 / 128 014 (0.92), <12,4> 76 368 / 82 438 (0.93),
#: <8,3> 35 918 / 39 000 (0.92), <6,2> 23 964 / 26 448 (0.91); QKeras jet taggers 16-64-32-32-5
#: (designs/jet_mlp.yaml, 6 epochs on 25 000 events) with 8-bit weights 64 946 / 57 215 (1.14), 6-bit
#: 40 884 / 35 368 (1.16), 4-bit 80 %-pruned 10 310 / 10 044 (1.03); the docs' jet_mlp example
#: (hidden [24, 12], estimate fidelity) 9 452 / 6 964 (1.36). So from 0.9x to 1.4x on those (a
#: guard, not a resource figure: it refuses only far beyond the limit); the unit test
#: (tests/nn/test_size.py) holds small random networks to 1.5x.
ADDER_SHARE = 0.25

#: A dense layer whose accumulator is narrower than the exact products, or saturates, is traced product
#: by product (`harness.nn.bridge`): no sharing between weights, so each product costs one adder of
#: the input's width per CSD digit after the first, and each is then summed in one adder of the
#: accumulator's width, at about one LUT per adder bit. Calibrated on hls4ml's KERAS_3layer example
#: (float 16-64-32-32-5, all types hls4ml's default, accumulators included; da4ml / this estimate):
#: at ap_fixed<16,6> 229 197 / 226 816 (1.01), at ap_fixed<8,3> 71 539 / 64 400 (1.11); with
#: `ADDER_SHARE` instead, 59 776 and 15 600: a quarter of da4ml's.
PRODUCT_LUT_PER_BIT = 1.0

#: LUTs per input bit of each element of an element-wise layer (activation, batch norm, cast): a
#: rounding adder and a clamp or multiplexer.
ELEMENT_LUT_PER_BIT = 2

METHOD = (
    f"estimate: non-zero CSD digits of the quantized weights x accumulator bits x {ADDER_SHARE} (exact "
    "wrapping accumulators), or one adder per further digit and per product (narrow or saturating "
    f"ones), plus {ELEMENT_LUT_PER_BIT} LUT per bit of element-wise layers; da4ml's own cost was 0.9x "
    "to 1.4x of it on the calibration models (harness.nn.size)"
)


def csd_digits(codes: np.ndarray) -> np.ndarray:
    """Non-zero digits of each integer in canonical signed-digit form (digits -1, 0, 1, no two
    adjacent non-zero): the fewest shifted additions or subtractions that multiply by it."""
    rest = np.abs(np.asarray(codes, dtype=np.int64))
    digits = np.zeros(rest.shape, dtype=np.int64)
    while np.any(rest):
        odd = (rest & 1).astype(bool)
        digits += odd
        rest = (rest - np.where(odd, 2 - (rest & 3), 0)) >> 1  # ...11 takes digit -1, ...01 digit +1
    return digits


def estimate_unrolled(hls_model: ModelGraph) -> int:
    """LUTs of the fully unrolled RTL (da4ml) of a converted model, from its weights and types alone.

    Each dense layer is counted as the bridge builds it: whole by da4ml's constant-matrix optimiser
    when its accumulator holds every product exactly and wraps (`ADDER_SHARE`), else product by
    product (`PRODUCT_LUT_PER_BIT`). Types and weights are read as the bridge reads them, so a type it
    cannot reproduce (or an accumulator that may saturate out of hls4ml's order) is refused here naming
    the layer, as it would be there.
    """
    layers = list(hls_model.get_layers())
    x_type = traceable_type(layers[0], layers[0].get_output_variable().type.precision, "result")
    lut = 0.0
    element_bits = 0
    for layer in layers[1:]:  # in the bridge's order, so the same type is refused first
        out = traceable_type(layer, layer.get_output_variable().type.precision, "result")
        if layer.class_name == "Dense":
            lut += _dense_lut(layer, x_type)
        else:
            element_bits += int(np.prod(layer.get_output_variable().shape)) * x_type.width
        x_type = out
    return round(lut + ELEMENT_LUT_PER_BIT * element_bits)


def _dense_lut(layer: Layer, x_type: FixedType) -> float:
    """One dense layer's LUTs by the path the bridge takes for it (see `estimate_unrolled`)."""
    w, wtype = dense_weights(layer)
    b, btype = weight_values(layer, "bias")
    accum = traceable_type(layer, layer.get_attr("accum_t").precision, "accumulator")
    codes = np.round(w * 2.0**wtype.frac).astype(np.int64)
    digits = csd_digits(codes)
    if dense_strategy(layer) != "latency":
        bias = accum.requantize(np.round(b * 2.0**btype.frac).astype(np.int64), btype.frac)
        accum = dense_accumulator(layer, codes, x_type, wtype.frac, bias, accum)
    if products_exact(accum, x_type.frac, w):
        return ADDER_SHARE * int(digits.sum()) * accum.width
    further = int(np.maximum(digits - 1, 0).sum())
    products = int(np.count_nonzero(codes))
    return PRODUCT_LUT_PER_BIT * (further * x_type.width + products * accum.width)


def max_rtl_lut(spec: DesignSpec) -> int:
    """The spec's limit: `verify.max_rtl_lut`, or `DEFAULT_MAX_RTL_LUT` when it is null."""
    limit = spec.verify.max_rtl_lut
    return DEFAULT_MAX_RTL_LUT if limit is None else limit


def check(spec: DesignSpec, lut: int, method: str, precisions: dict[str, dict[str, str]]) -> None:
    """Refuse an RTL of `lut` estimated LUTs (by `method`) above the spec's limit, as one SpecError
    naming the model, its types (`precisions`: `Converted.info['precisions']`) and reuse factor, the
    estimate, the limit and what would make the design fit."""
    limit = max_rtl_lut(spec)
    if lut <= limit:
        return
    fw = spec.firmware
    arithmetic = resolve_arithmetic(fw.arithmetic, fw.reuse_factor)
    back_end = "da4ml, fully unrolled" if arithmetic == "da" else "MAC back end, time-multiplexed"
    weights = sorted({p["weight"] for p in precisions.values() if "weight" in p})
    accum = [width for p in precisions.values() if (width := _width(p.get("accum", "")))]
    types = f"weights {', '.join(weights)}" + (f", accumulators up to {max(accum)} bits" if accum else "")
    example = ", e.g. ap_fixed<8,3>" if FixedType.parse(fw.default_precision).width > 8 else ""
    fits = [
        f"quantize it (a narrower firmware.default_precision{example}: the type of every weight and result "
        "without a quantizer; or a quantized model: QKeras quantizers, fewer model.weight_bits, QONNX)",
        "raise firmware.reuse_factor further (fewer multipliers)"
        if is_time_multiplexed(fw.reuse_factor)
        else "raise firmware.reuse_factor (e.g. 4; firmware.arithmetic auto then builds time-multiplexed "
        "DSP multipliers instead of unrolled adders)",
        f"or raise the limit (--set verify.max_rtl_lut={_round_up(lut)})",
    ]
    raise SpecError(
        f"design {spec.name}: {_model(spec)} at firmware.default_precision {fw.default_precision} ({types}), "
        f"reuse factor {fw.reuse_factor} ({back_end}) makes an RTL of ~{lut} LUT ({method}), above "
        f"verify.max_rtl_lut {limit}{' (the default)' if spec.verify.max_rtl_lut is None else ''}: "
        "no RTL was generated (past the limit da4ml takes minutes, Yosys far longer and several GB). To fit, "
        + "; ".join(fits)
    )


def _model(spec: DesignSpec) -> str:
    model = spec.nn_model
    pretrained = model.pretrained_spec
    if pretrained is not None:
        return f"model.pretrained {pretrained.model or pretrained.weights}"
    return f"the trained model (model.hidden {model.hidden}, model.weight_bits {model.weight_bits})"


def _width(text: str) -> int | None:
    """The width of an ap_fixed spelling from `Converted.info['precisions']`; None for another type."""
    try:
        return FixedType.parse(text).width
    except ValueError:
        return None


def _round_up(lut: int) -> int:
    """A limit above `lut`: the next multiple of 50 000."""
    return 50_000 * math.ceil((lut + 1) / 50_000)
