"""hls4ml -> da4ml bridge: the converted model's exact fixed-point computation as a da4ml trace.

The bridge walks the hls4ml ModelGraph and re-expresses each layer with hls4ml's own semantics
(`nnet_dense_latency.h`, `nnet_activation.h`):

    Dense:   mult[i][j] = accum_t(x[i] * w[i][j]);  acc[j] = accum_t(bias[j]);
             acc[j] += mult[i][j] for i in order (each += rounds/overflows in accum_t);
             res[j] = result_t(acc[j])
    element-wise layers (batch norm, ApplyAlpha, ReLU variants, sigmoid/tanh tables):
             see `harness.nn.elementwise`, which traces them with the casts of `harness.nn.casts`

Weights are taken from the text hls4ml writes into the firmware (its `WeightVariable` iteration), then
cast to weight_t as the C++ compiler does. Their layout depends on hls4ml's per-layer strategy: Latency
stores (n_in, n_out); Resource and resource_unrolled store the transpose (`_weights_transposed`), and
sum each output's products in another order than input by input, which only a wrapping accumulator
(or one that can never saturate) makes invisible. io_stream changes neither for Dense layers (hls4ml's
C simulation is the same function), so both io types are read alike. Every other strategy (hls4ml's own
`distributed_arithmetic`, `compressed` weights) and every precision type that is not ap_fixed/ap_int
(power-of-two, XNOR binary, float, unspecified) is refused naming the layer, before any RTL is written.
Types and weights are read by `harness.nn.types`, as the MAC generator reads them.

da4ml offers only truncation and round-half-up; every other ap_fixed rounding mode is built exactly
from truncations (see `harness.nn.casts`).

When the accumulator provably holds every product exactly and wraps, the sum is order-free and the
whole layer goes to da4ml's constant-matrix-vector optimiser; otherwise products are quantised one by
one (and saturating accumulators are summed in hls4ml's order), which is exact but costs more logic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from harness.fixed import FixedType
from harness.nn.casts import cast, cast_var, kif, products_exact
from harness.nn.elementwise import read
from harness.nn.softmax import read_softmax
from harness.nn.types import (
    UnsupportedModelError,
    dense_accumulator,
    dense_strategy,
    dense_weights,
    traceable_type,
    weight_values,
)
from harness.toolchain import Toolchain

if TYPE_CHECKING:  # untyped libraries (Any to mypy): the names say what a value holds
    from da4ml.trace import FixedVariable, FixedVariableArray, FixedVariableArrayInput
    from hls4ml.model.graph import ModelGraph
    from hls4ml.model.layers import Layer


@dataclass(frozen=True)
class TracedModel:
    """The traced computation: da4ml input/output arrays and the hls4ml types at both ends."""

    inputs: FixedVariableArrayInput
    outputs: FixedVariableArray
    input_type: FixedType
    output_type: FixedType
    n_in: int
    n_out: int


def trace(
    hls_model: ModelGraph, rounding_override: str | None = None, toolchain: Toolchain | None = None
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
    in_type = traceable_type(first, first.get_output_variable().type.precision, "result")
    n_in = int(np.prod(first.get_output_variable().shape))
    inputs = FixedVariableArrayInput((n_in,))
    x = inputs.quantize(*kif(in_type))
    out_type = in_type
    for layer in layers[1:]:
        x_type, out_type = (
            out_type,
            traceable_type(layer, layer.get_output_variable().type.precision, "result"),
        )
        if rounding_override:
            out_type = FixedType(
                out_type.width, out_type.integer, out_type.signed, rounding_override, out_type.overflow
            )
        x = _layer(layer, x, x_type, out_type, rounding_override, toolchain)
    return TracedModel(
        inputs, x, in_type, out_type, n_in, int(np.prod(layers[-1].get_output_variable().shape))
    )


def _layer(
    layer: Layer,
    x: FixedVariableArray,
    x_type: FixedType,
    out_type: FixedType,
    rounding_override: str | None,
    toolchain: Toolchain | None,
) -> FixedVariableArray:
    if layer.class_name == "Dense":
        return _dense(layer, x, x_type, out_type, rounding_override)
    if layer.class_name == "Softmax":
        return read_softmax(layer, x_type, out_type, toolchain).trace(x)

    return read(layer, int(np.size(x._vars)), x_type, out_type, toolchain).trace(x)  # noqa: SLF001


def _dense(
    layer: Layer, x: FixedVariableArray, x_type: FixedType, out_type: FixedType, rounding_override: str | None
) -> FixedVariableArray:
    from da4ml.trace import FixedVariableArray

    w, wtype = dense_weights(layer)
    b, btype = weight_values(layer, "bias")
    acc_type = traceable_type(layer, layer.get_attr("accum_t").precision, "accumulator")
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
    if products_exact(acc_type, int(np.asarray(x.kif[2]).max(initial=0)), w):
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


def _const_like(var: FixedVariable, value: float) -> FixedVariable:
    from da4ml.trace import FixedVariable

    return FixedVariable.from_const(value, hwconf=var.hwconf)
