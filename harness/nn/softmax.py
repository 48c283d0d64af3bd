"""hls4ml's softmax, when the user keeps it, traced for da4ml with hls4ml's exact arithmetic.

hls4ml skips a final softmax by default here (`harness.nn.convert`); a user's hls4ml configuration
with `Skip: false` on the layer keeps it. Its `stable` implementation (`nnet_activation.h`,
`softmax_stable`; hls4ml's default), with the types of its `softmax_config` template:

    m     = max_i x[i]                                    (exact)
    d[i]  = inp_norm_t(m - x[i])                           inp_norm_t = ap_ufixed<W-1, I-1> of x's type
    e[i]  = accum_t(exp_table[top log2(Ne) bits of d[i]])  exp_table[k] = exp_table_t(exp(-value(k)))
    s     = inv_inp_t(sum of e, as hls4ml's balanced `reduce` tree, each sum cast to accum_t)
    r     = inv_table[top log2(Ni) bits of s]             inv_table[k] = inv_table_t(1 / value(k))
    y[i]  = result_t(e[i] * r)

The table sizes are hls4ml's (`exp_table_size` capped at 2**(W-1) for a signed input), the tables are
computed by hls4ml's own C++ (`harness.nn.tables.softmax_tables`). Only `stable` is bridged; the other
implementations (`latency`, `legacy`, `argmax`) are refused naming the layer.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from harness.fixed import FixedType
from harness.nn.casts import cast_var
from harness.nn.tables import Table, lookup, softmax_tables
from harness.nn.types import UnsupportedModelError, layer_type
from harness.toolchain import Toolchain

if TYPE_CHECKING:  # untyped libraries (Any to mypy): the names say what a value holds
    from da4ml.trace import FixedVariable, FixedVariableArray
    from hls4ml.model.layers import Layer


@dataclass(frozen=True)
class Softmax:
    """hls4ml's stable softmax over one flat vector: its resolved types and tables (module docstring)."""

    name: str
    inp_norm: FixedType
    accum: FixedType
    inv_inp: FixedType
    exp: Table  # entries already cast to accum_t
    inv: Table
    out: FixedType

    def trace(self, x: FixedVariableArray) -> FixedVariableArray:
        from da4ml.trace import FixedVariableArray

        xs = list(np.ravel(x._vars))  # noqa: SLF001
        top = _reduce(xs, lambda a, b: a.max_of(b))
        e = [self._lookup(cast_var(top - v, self.inp_norm), self.inp_norm, self.exp) for v in xs]
        total = cast_var(_reduce(e, lambda a, b: cast_var(a + b, self.accum)), self.inv_inp)
        inverse = self._lookup(total, self.inv_inp, self.inv)
        outs = [cast_var(v * inverse, self.out) for v in e]
        return FixedVariableArray(np.array(outs, dtype=object), x.solver_options)

    @staticmethod
    def _lookup(v: FixedVariable, t: FixedType, table: Table) -> FixedVariable:
        """table[top log2(N) bits of v's code in type t] (`softmax_idx_from_real_val`), as a da4ml lookup."""
        bits = table.size.bit_length() - 1
        index = cast_var(v * 2.0 ** (t.frac - (t.width - bits)), FixedType(bits, bits, False))
        return lookup(index, table.type.to_float(np.array(table.codes, dtype=np.int64)))


def _reduce(
    items: list[FixedVariable], op: Callable[[FixedVariable, FixedVariable], FixedVariable]
) -> FixedVariable:
    """hls4ml's `nnet::reduce`: a balanced tree, left part the largest power of two below N."""
    n = len(items)
    if n == 1:
        return items[0]
    if n == 2:
        return op(items[0], items[1])
    left = 1 << int(math.floor(math.log2(n - 1)))
    return op(_reduce(items[:left], op), _reduce(items[left:], op))


def read_softmax(layer: Layer, x_type: FixedType, out: FixedType, toolchain: Toolchain | None) -> Softmax:
    """The kept Softmax layer with the types hls4ml's config template resolves, or a refusal."""
    implementation = str(layer.get_attr("implementation", "stable")).lower()
    if implementation != "stable":
        raise UnsupportedModelError(
            f"layer {layer.name} (Softmax): implementation {implementation!r} is not supported by the open "
            "RTL (supported: stable, hls4ml's default)"
        )
    if int(layer.get_attr("n_inner", 1)) != 1 or int(layer.get_attr("n_outer", 1)) != 1:
        raise UnsupportedModelError(
            f"layer {layer.name} (Softmax): only a softmax over a flat vector is supported"
        )

    def attr(name: str) -> tuple[FixedType, str]:
        t = layer.get_attr(name)
        return layer_type(layer, t.precision, name.removesuffix("_t")), t.name

    exp_t, _ = attr("exp_table_t")
    inv_t, _ = attr("inv_table_t")
    accum, _ = attr("accum_t")
    inv_inp, inv_inp_name = attr("inv_inp_t")
    if inv_inp_name == "model_default_t":  # hls4ml's template then uses exp_table_t
        inv_inp = exp_t
    size = int(layer.get_attr("table_size", 1024))
    exp_size = int(layer.get_attr("exp_table_size", size))
    inv_size = int(layer.get_attr("inv_table_size", size))
    width, integer = x_type.width - int(x_type.signed), x_type.integer - int(x_type.signed)
    if x_type.signed:
        exp_size = min(exp_size, 2**width)
    inp_norm = FixedType(width, integer, False)
    for n, what in ((exp_size, "exp_table_size"), (inv_size, "inv_table_size")):
        if n & (n - 1) or n < 2:
            raise UnsupportedModelError(
                f"layer {layer.name} (Softmax): {what} {n} is not a power of two >= 2"
            )
    scale = float(layer.get_attr("exp_scale", 1.0))
    exp, inv = softmax_tables(inp_norm, exp_t, inv_inp, inv_t, exp_size, inv_size, scale, toolchain)
    exp_codes = accum.requantize(np.array(exp.codes, dtype=np.int64), exp_t.frac)
    return Softmax(
        layer.name, inp_norm, accum, inv_inp, Table(tuple(int(c) for c in exp_codes), accum), inv, out
    )
