"""hls4ml layers read as fixed-point types and weights, for both open-RTL back ends.

The RTL bridge (`harness.nn.bridge`, da4ml) and the MAC generator (`harness.nn.mac`) read a converted
hls4ml ModelGraph the same way: every precision as an ap_fixed `FixedType` (any other precision type
is refused naming the layer), weights from the text hls4ml writes into the firmware (its
`WeightVariable` iteration) cast to weight_t as the C++ compiler does, Dense weights in (n_in, n_out)
layout whatever the layer's strategy stores, and the accumulator type that lets products be summed in
another order than hls4ml's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from harness.fixed import FixedType
from harness.spec import SpecError

if TYPE_CHECKING:  # untyped libraries (Any to mypy): the names say what a value holds
    from hls4ml.model.layers import Layer
    from hls4ml.model.types import PrecisionType


#: Rounding modes the bridge reproduces, and the overflow modes da4ml can express.
SUPPORTED_OVERFLOW = ("WRAP", "SAT", "SAT_SYM")

#: hls4ml dense strategies (its `strategy` layer attribute) whose weights and arithmetic are read exactly.
STRATEGIES = ("latency", "resource", "resource_unrolled")


class UnsupportedModelError(SpecError):
    """The hls4ml model uses a layer or type the bridge cannot reproduce exactly.

    A SpecError: the input (model, layer, configuration) is refused, as a bad spec is."""


def layer_type(layer: Layer, precision: PrecisionType, role: str) -> FixedType:
    """One of a layer's hls4ml types as ap_fixed; any other precision type is refused naming the layer."""
    try:
        return FixedType.from_hls4ml(precision)
    except ValueError as exc:
        raise UnsupportedModelError(
            f"layer {layer.name} ({layer.class_name}): {role} type: {exc}. The open RTL cannot reproduce it; "
            "use quantized_bits/quantized_relu (or ternary) quantizers, or an explicit ap_fixed precision"
        ) from None


def traceable_type(layer: Layer, precision: PrecisionType, role: str) -> FixedType:
    """`layer_type`, limited to the overflow modes da4ml can express."""
    t = layer_type(layer, precision, role)
    if t.overflow not in SUPPORTED_OVERFLOW:
        raise UnsupportedModelError(
            f"layer {layer.name}: overflow mode {t.overflow} of its {role} type {t} is not supported by the "
            f"RTL bridge (supported: {', '.join(SUPPORTED_OVERFLOW)})"
        )
    return t


def weight_values(layer: Layer, name: str) -> tuple[np.ndarray, FixedType]:
    """The weight as the C++ compiler sees it: hls4ml's printed literals cast to the weight type."""
    var = layer.weights[name]
    wtype = traceable_type(layer, var.type.precision, name)
    literals = np.array([float(text) for text in var], dtype=np.float64).reshape(var.data.shape)
    return wtype.to_float(wtype.quantize(literals)), wtype


def dense_strategy(layer: Layer) -> str:
    """hls4ml's strategy for this Dense layer (lower case), refused unless its arithmetic is read exactly."""
    strategy = str(layer.get_attr("strategy", "latency")).lower()
    if strategy not in STRATEGIES:
        why = {
            "distributed_arithmetic": "hls4ml's own distributed-arithmetic kernel, which computes with other "
            "types than the layer's accum_t (firmware.arithmetic: da already builds LUT-only distributed "
            "arithmetic from a Latency model)",
        }.get(strategy, "a strategy the RTL bridge does not read (e.g. compressed weights)")
        raise UnsupportedModelError(
            f"layer {layer.name}: hls4ml strategy {strategy!r} is {why}; supported strategies: Latency, "
            "Resource, resource_unrolled"
        )
    return strategy


def dense_weights(layer: Layer) -> tuple[np.ndarray, FixedType]:
    """The Dense weights as an (n_in, n_out) matrix, whatever layout the layer's strategy stores."""
    strategy = dense_strategy(layer)
    w, wtype = weight_values(layer, "weight")
    if layer.get_attr("_weights_transposed", False):  # Resource strategies store (n_out, n_in)
        w = w.T
    shape = (int(layer.get_attr("n_in")), int(layer.get_attr("n_out")))
    if w.shape != shape:
        raise UnsupportedModelError(
            f"layer {layer.name}: hls4ml stores its weights as {w.shape} (strategy {strategy}); "
            f"expected (n_in, n_out) = {shape}"
        )
    return w, wtype


def dense_accumulator(
    layer: Layer, codes: np.ndarray, x_type: FixedType, w_frac: int, bias: np.ndarray, acc: FixedType
) -> FixedType:
    """accum_t for summing in another order than hls4ml's: WRAP as is; saturating only if it never saturates.

    Every partial sum hls4ml forms (bias plus any subset of products, in any order) lies between the
    bias plus all negative product bounds and the bias plus all positive ones; if that interval fits
    accum_t, saturation never happens and wrapping arithmetic gives the same bits. `codes` are the
    (n_in, n_out) weight codes with `w_frac` fractional bits, `bias` the bias codes in accum_t.
    """
    if acc.overflow == "WRAP":
        return acc
    shift = x_type.frac + w_frac - acc.frac
    extremes = np.stack([codes * x_type.min_code, codes * x_type.max_code])
    low, high = extremes.min(axis=0), extremes.max(axis=0)
    if shift > 0:  # rounding to accum_t moves a product by at most one LSB past its floor
        low, high = low >> shift, (high >> shift) + 1
    else:
        low, high = low << -shift, high << -shift
    sums_low = bias + np.minimum(low, 0).sum(axis=0)
    sums_high = bias + np.maximum(high, 0).sum(axis=0)
    limit_low = -acc.max_code if acc.overflow == "SAT_SYM" and acc.signed else acc.min_code
    if sums_low.min() < limit_low or sums_high.max() > acc.max_code:
        raise UnsupportedModelError(
            f"layer {layer.name}: accumulator {acc} can saturate (partial sums reach "
            f"[{sums_low.min()}, {sums_high.max()}] codes, range [{limit_low}, {acc.max_code}]); "
            "hls4ml's result then depends on the order of accumulation, which time-multiplexing and "
            "hls4ml's Resource strategies change. Use a wrapping accumulator (hls4ml's default) or a "
            "wider one"
        )
    return FixedType(acc.width, acc.integer, acc.signed, acc.rounding, "WRAP")
