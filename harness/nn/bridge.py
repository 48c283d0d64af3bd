"""hls4ml -> da4ml bridge: the converted model's exact fixed-point computation as a da4ml trace.

The bridge walks the hls4ml ModelGraph and re-expresses each layer with hls4ml's own semantics
(`nnet_dense_latency.h`, `nnet_activation.h`):

    Dense:   mult[i][j] = accum_t(x[i] * w[i][j]);  acc[j] = accum_t(bias[j]);
             acc[j] += mult[i][j] for i in order (each += rounds/overflows in accum_t);
             res[j] = result_t(acc[j])
    element-wise layers (batch norm, ApplyAlpha, ReLU variants, sigmoid/tanh tables):
             see `harness.nn.elementwise`, which traces them with this module's casts

Weights are taken from the text hls4ml writes into the firmware (its `WeightVariable` iteration), then
cast to weight_t as the C++ compiler does. Their layout depends on hls4ml's per-layer strategy: Latency
stores (n_in, n_out); Resource and resource_unrolled store the transpose (`_weights_transposed`), and
sum each output's products in another order than input by input, which only a wrapping accumulator
(or one that can never saturate) makes invisible. io_stream changes neither for Dense layers (hls4ml's
C simulation is the same function), so both io types are read alike. Every other strategy (hls4ml's own
`distributed_arithmetic`, `compressed` weights) and every precision type that is not ap_fixed/ap_int
(power-of-two, XNOR binary, float, unspecified) is refused naming the layer, before any RTL is written.

da4ml offers only truncation and round-half-up; every other ap_fixed rounding mode is built exactly
from truncations (see `_round_adjust`).

When the accumulator provably holds every product exactly and wraps, the sum is order-free and the
whole layer goes to da4ml's constant-matrix-vector optimiser; otherwise products are quantised one by
one (and saturating accumulators are summed in hls4ml's order), which is exact but costs more logic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from harness.fixed import FixedType
from harness.spec import SpecError

#: Rounding modes the bridge reproduces, and the overflow modes da4ml can express.
SUPPORTED_OVERFLOW = ("WRAP", "SAT", "SAT_SYM")


#: hls4ml dense strategies (its `strategy` layer attribute) whose weights and arithmetic are read exactly.
STRATEGIES = ("latency", "resource", "resource_unrolled")


class UnsupportedModelError(SpecError):
    """The hls4ml model uses a layer or type the bridge cannot reproduce exactly.

    A SpecError: the input (model, layer, configuration) is refused, as a bad spec is."""


@dataclass(frozen=True)
class TracedModel:
    """The traced computation: da4ml input/output arrays and the hls4ml types at both ends."""

    inputs: object  # FixedVariableArrayInput
    outputs: object  # FixedVariableArray
    input_type: FixedType
    output_type: FixedType
    n_in: int
    n_out: int


def kif(t: FixedType) -> tuple[int, int, int]:
    """da4ml's (keep_negative, integer bits excluding sign, fractional bits) of an ap_fixed type."""
    return int(t.signed), t.integer - int(t.signed), t.frac


def trace(
    hls_model: object, rounding_override: str | None = None, toolchain: object | None = None
) -> TracedModel:
    """Trace an hls4ml io_parallel model of Dense and element-wise layers into a da4ml computation.

    `rounding_override` replaces every rounding mode (tests use it to prove a wrong rounding is caught);
    `toolchain` gives the C++ compiler that computes hls4ml's activation tables (found if None).
    """
    from da4ml.trace import FixedVariableArrayInput

    layers = list(hls_model.get_layers())
    first = layers[0]
    if first.class_name != "Input":
        raise UnsupportedModelError(f"first layer {first.name} is a {first.class_name}, expected Input")
    in_type = _type(first, first.get_output_variable().type.precision, "result")
    n_in = int(np.prod(first.get_output_variable().shape))
    inputs = FixedVariableArrayInput((n_in,))
    x = inputs.quantize(*kif(in_type))
    out_type = in_type
    for layer in layers[1:]:
        x_type, out_type = out_type, _type(layer, layer.get_output_variable().type.precision, "result")
        if rounding_override:
            out_type = FixedType(
                out_type.width, out_type.integer, out_type.signed, rounding_override, out_type.overflow
            )
        x = _layer(layer, x, x_type, out_type, rounding_override, toolchain)
    return TracedModel(
        inputs, x, in_type, out_type, n_in, int(np.prod(layers[-1].get_output_variable().shape))
    )


def _layer(
    layer: object,
    x: object,
    x_type: FixedType,
    out_type: FixedType,
    rounding_override: str | None,
    toolchain: object | None,
) -> object:
    if layer.class_name == "Dense":
        return _dense(layer, x, x_type, out_type, rounding_override)
    from harness.nn.elementwise import read  # element-wise layers and softmax build on this module's casts
    from harness.nn.softmax import read_softmax

    if layer.class_name == "Softmax":
        return read_softmax(layer, x_type, out_type, toolchain).trace(x)

    return read(layer, int(np.size(x._vars)), x_type, out_type, toolchain).trace(x)  # noqa: SLF001


def weight_values(layer: object, name: str) -> tuple[np.ndarray, FixedType]:
    """The weight as the C++ compiler sees it: hls4ml's printed literals cast to the weight type."""
    var = layer.weights[name]
    wtype = _type(layer, var.type.precision, name)
    literals = np.array([float(text) for text in var], dtype=np.float64).reshape(var.data.shape)
    return wtype.to_float(wtype.quantize(literals)), wtype


def dense_strategy(layer: object) -> str:
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


def dense_weights(layer: object) -> tuple[np.ndarray, FixedType]:
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
    layer: object, codes: np.ndarray, x_type: FixedType, w_frac: int, bias: np.ndarray, acc: FixedType
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


def _dense(
    layer: object, x: object, x_type: FixedType, out_type: FixedType, rounding_override: str | None
) -> object:
    from da4ml.trace import FixedVariableArray

    w, wtype = dense_weights(layer)
    b, btype = weight_values(layer, "bias")
    acc_type = _type(layer, layer.get_attr("accum_t").precision, "accumulator")
    if rounding_override:
        acc_type = FixedType(
            acc_type.width, acc_type.integer, acc_type.signed, rounding_override, acc_type.overflow
        )
    n_in, n_out = w.shape
    bias_codes = acc_type.requantize(np.round(b * 2.0**btype.frac).astype(np.int64), btype.frac)
    if dense_strategy(layer) != "latency":  # products summed in another order than input by input
        codes = np.round(w * 2.0**wtype.frac).astype(np.int64)
        acc_type = dense_accumulator(layer, codes, x_type, wtype.frac, bias_codes, acc_type)
    bias_acc = acc_type.to_float(bias_codes)
    x_frac = np.asarray(x.kif[2]).max(initial=0)
    w_frac = max((_frac_bits(v) for v in w.ravel()), default=0)
    if acc_type.overflow == "WRAP" and acc_type.frac >= x_frac + w_frac:
        acc = x @ w + bias_acc  # exact products: da4ml's CMVM optimiser, one wrap at the end
        return cast(cast(acc, acc_type), out_type)
    xs = list(np.ravel(x._vars))  # noqa: SLF001 - per-element access to the traced variables
    columns = []
    for j in range(n_out):
        products = [cast_var(xs[i] * float(w[i, j]), acc_type) for i in range(n_in)]
        if acc_type.overflow == "WRAP":
            total = products[0]
            for p in products[1:]:
                total = total + p
            acc = cast_var(total + float(bias_acc[j]), acc_type)
        else:
            acc = _const_like(xs[0], float(bias_acc[j]))
            for p in products:
                acc = cast_var(acc + p, acc_type)
        columns.append(acc)
    return cast(FixedVariableArray(np.array(columns, dtype=object), x.solver_options), out_type)


def _frac_bits(value: float) -> int:
    """Fractional bits needed to hold `value` exactly."""
    f = 0
    while value != np.floor(value) and f < 64:
        value *= 2
        f += 1
    return f


def _const_like(var: object, value: float) -> object:
    from da4ml.trace import FixedVariable

    return FixedVariable.from_const(value, hwconf=var.hwconf)


def layer_type(layer: object, precision: object, role: str) -> FixedType:
    """One of a layer's hls4ml types as ap_fixed; any other precision type is refused naming the layer."""
    try:
        return FixedType.from_hls4ml(precision)
    except ValueError as exc:
        raise UnsupportedModelError(
            f"layer {layer.name} ({layer.class_name}): {role} type: {exc}. The open RTL cannot reproduce it; "
            "use quantized_bits/quantized_relu (or ternary) quantizers, or an explicit ap_fixed precision"
        ) from None


def _type(layer: object, precision: object, role: str) -> FixedType:
    """`layer_type`, limited to the overflow modes da4ml can express."""
    t = layer_type(layer, precision, role)
    if t.overflow not in SUPPORTED_OVERFLOW:
        raise UnsupportedModelError(
            f"layer {layer.name}: overflow mode {t.overflow} of its {role} type {t} is not supported by the "
            f"RTL bridge (supported: {', '.join(SUPPORTED_OVERFLOW)})"
        )
    return t


def cast(x: object, t: FixedType) -> object:
    """ap_fixed assignment `t(x)` on a da4ml array: exact rounding, then the overflow mode."""
    from da4ml.trace import FixedVariableArray

    return FixedVariableArray(
        np.array([cast_var(v, t) for v in np.ravel(x._vars)], dtype=object).reshape(np.shape(x._vars)),  # noqa: SLF001
        x.solver_options,
    )  # noqa: SLF001


def cast_var(v: object, t: FixedType) -> object:
    k, i, f = kif(t)
    return (v + _round_adjust(v, t.rounding, f)).quantize(k, i, f, t.overflow, "TRN")


def _round_adjust(v: object, mode: str, f: int) -> object | float:
    """What to add to `v` so that truncation to `f` fractional bits rounds by `mode`.

    With e the finest step of v and h half a step of the target grid:
      RND  +h;  RND_MIN_INF +h-e;  RND_CONV +h-e+lsb*e (lsb: the kept least significant bit, so ties
      go to even);  RND_INF +h-sign*e;  RND_ZERO +h-e+sign*e;  TRN_ZERO +sign*(2h-e).
    """
    _, i_v, f_v = (int(a) for a in v.kif)
    if mode == "TRN" or f_v <= f or v.low == v.high and _frac_bits(float(v.low)) <= f:
        return 0.0
    half, eps = 2.0 ** -(f + 1), 2.0**-f_v
    if mode == "RND":
        return half
    if mode == "RND_MIN_INF":
        return half - eps
    if mode == "RND_CONV":
        lsb = v.quantize(0, 1 - f, f, "WRAP", "TRN")  # {0, 2**-f}: the bit that decides even/odd
        return lsb * (eps / 2.0**-f) + (half - eps)
    sign = v.quantize(1, i_v, -i_v, "WRAP", "TRN") * (-(2.0**-i_v)) if v.low < 0 else 0.0  # {0, 1}
    if mode == "RND_INF":
        return sign * (-eps) + half if v.low < 0 else half
    if mode == "RND_ZERO":
        return sign * eps + (half - eps) if v.low < 0 else half - eps
    if mode == "TRN_ZERO":
        return sign * (2 * half - eps) if v.low < 0 else 0.0
    raise UnsupportedModelError(f"rounding mode {mode} is not supported")
