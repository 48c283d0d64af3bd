"""The MAC generator's view of a network: dense layers read from hls4ml, and each one's multiplier schedule.

`from_hls4ml` reads an hls4ml io_parallel model of Dense and element-wise layers into a `Network` of
`DenseLayer`s (weight codes, bias cast to accum_t, types, reuse factor, the folded element-wise
layers). `schedule` cuts a layer's non-zero weights, output-major, into one run of `reuse` slots per
multiplier, and `feeds` says which multipliers add to each output in which cycles. The Verilog for it
is `harness.nn.mac_verilog`; `harness.nn.mac` puts the two together.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from harness.fixed import FixedType
from harness.nn.elementwise import Elementwise, read
from harness.nn.reuse import reuse_for
from harness.nn.types import (
    UnsupportedModelError,
    dense_accumulator,
    dense_weights,
    layer_type,
    weight_values,
)
from harness.nn.verilog import Fmt
from harness.toolchain import Toolchain

if TYPE_CHECKING:  # untyped libraries (Any to mypy): the names say what a value holds
    from hls4ml.model.graph import ModelGraph
    from hls4ml.model.layers import Layer


@dataclass(frozen=True)
class Slot:
    """One multiplier cycle: input i times weight code `code`, added to output j."""

    i: int
    j: int
    code: int


@dataclass(frozen=True)
class Feed:
    """Multiplier m adds to one output in the cycles lo <= k < hi."""

    m: int
    lo: int
    hi: int


@dataclass
class DenseLayer:
    name: str
    in_fmt: Fmt
    codes: np.ndarray  # (n_in, n_out) weight codes
    weight: Fmt
    bias: np.ndarray  # (n_out,) bias codes already cast to accum_t
    accum: FixedType  # accum_t as the sums may use it (see `types.dense_accumulator`)
    result: FixedType  # the dense layer's result_t
    reuse: int
    activations: list[Elementwise] = field(default_factory=list)

    @property
    def n_in(self) -> int:
        return self.codes.shape[0]

    @property
    def n_out(self) -> int:
        return self.codes.shape[1]

    @property
    def out(self) -> FixedType:
        """The type the stage hands on: the last activation's result, if there is one."""
        return self.activations[-1].out if self.activations else self.result

    @property
    def slots(self) -> list[list[Slot]]:
        return schedule(self.codes, self.reuse)

    @property
    def latency(self) -> int:
        return self.reuse + 1

    @property
    def zeros(self) -> int:
        return int(np.count_nonzero(self.codes == 0))

    def hls4ml_multiplier_limit(self) -> int:
        """hls4ml's `multiplier_limit` for the Latency strategy (core_templates.py), for comparison."""
        return math.ceil(self.n_in * self.n_out / self.reuse) - self.zeros // self.reuse


@dataclass
class Network:
    name: str
    in_fmt: Fmt
    n_in: int
    layers: list[DenseLayer]

    @property
    def ii(self) -> int:
        return max(layer.reuse for layer in self.layers)

    @property
    def latency(self) -> int:
        return sum(layer.latency for layer in self.layers)


def schedule(codes: np.ndarray, reuse: int) -> list[list[Slot]]:
    """The non-zero weights in output-major order, cut into one run of `reuse` cycles per multiplier."""
    n_in, n_out = codes.shape
    work = [Slot(i, j, int(codes[i, j])) for j in range(n_out) for i in range(n_in) if codes[i, j] != 0]
    return [work[start : start + reuse] for start in range(0, len(work), reuse)]


def feeds(slots: list[list[Slot]], n_out: int) -> list[list[Feed]]:
    """For each output, which multipliers add to it and in which cycles (contiguous by construction)."""
    result: list[list[Feed]] = [[] for _ in range(n_out)]
    for m, run in enumerate(slots):
        k = 0
        while k < len(run):
            end = k
            while end < len(run) and run[end].j == run[k].j:
                end += 1
            result[run[k].j].append(Feed(m, k, end))
            k = end
    return result


def from_hls4ml(
    hls_model: ModelGraph,
    name: str,
    reuse_factor: int | dict[str, int],
    toolchain: Toolchain | None = None,
    rounding_override: str | None = None,
) -> Network:
    """Read an hls4ml io_parallel model of Dense and element-wise layers; reuse factors as in the spec.

    The reuse factors come from the spec (model-wide, or per layer name with 1 for layers not named),
    not from the hls4ml layers: the C simulation that judges the RTL does not depend on them.
    `rounding_override` replaces the rounding mode of every layer's result (`harness.faults`).
    """
    layers = list(hls_model.get_layers())
    first = layers[0]
    if first.class_name != "Input":
        raise UnsupportedModelError(f"first layer {first.name} is a {first.class_name}, expected Input")
    in_fmt = Fmt.of(layer_type(first, first.get_output_variable().type.precision, "result"))
    n_in = int(np.prod(first.get_output_variable().shape))
    fmt, result = in_fmt, []
    for layer in layers[1:]:
        out = layer_type(layer, layer.get_output_variable().type.precision, "result")
        if rounding_override:
            out = dataclasses.replace(out, rounding=rounding_override)
        if layer.class_name == "Dense":
            result.append(_dense(layer, fmt, out, reuse_for(reuse_factor, layer.name)))
        elif layer.class_name == "Softmax":
            raise UnsupportedModelError(
                f"layer {layer.name} (Softmax) is kept (Skip: false); the MAC generator does not build a "
                "softmax. Use firmware.arithmetic: da at reuse factor 1, or let hls4ml skip it (the default)"
            )
        elif result:
            result[-1].activations.append(read(layer, result[-1].n_out, fmt.fixed, out, toolchain))
        else:
            raise UnsupportedModelError(
                f"layer {layer.name} ({layer.class_name}) comes before any Dense layer; the MAC generator "
                "folds element-wise layers into the Dense layer before them (arithmetic da traces it)"
            )
        fmt = Fmt.of(out)
    if not result:
        raise UnsupportedModelError("the model has no Dense layer; the MAC generator has nothing to build")
    return Network(name, in_fmt, n_in, result)


def _dense(layer: Layer, in_fmt: Fmt, out: FixedType, reuse: int) -> DenseLayer:
    w, wtype = dense_weights(layer)
    b, btype = weight_values(layer, "bias")
    accum = layer_type(layer, layer.get_attr("accum_t").precision, "accumulator")
    bias = accum.requantize(np.round(b * 2.0**btype.frac).astype(np.int64), btype.frac)
    codes = np.round(w * 2.0**wtype.frac).astype(np.int64)
    # time-multiplexing sums in its own order: only an order-free accumulator gives hls4ml's bits
    accum = dense_accumulator(layer, codes, in_fmt.fixed, wtype.frac, bias, accum)
    return DenseLayer(layer.name, in_fmt, codes, Fmt.of(wtype), bias, accum, out, reuse)
