"""hls4ml's element-wise layers in the open RTL: each element of the vector is mapped on its own.

Read from the converted hls4ml layer with its resolved types, then either traced for da4ml (`trace`)
or written as Verilog for the MAC generator (`verilog`), both with hls4ml's semantics
(`nnet_activation.h`, `nnet_batchnorm.h`):

    linear:      res = result_t(x)
    relu:        res = result_t(x > 0 ? x : 0)             (QKeras quantized_relu(b, i): result_t saturates)
    relu_max:    res = x < 0 ? 0 : x > M ? result_t(M) : result_t(x)     (relu6: M = 6, relu1: M = 1)
    leaky_relu:  res = result_t(x > 0 ? x : alpha * x)     (LeakyReLU, and QKeras quantized_relu(b, i,
                                                            negative_slope=alpha) with its result_t:
                                                            alpha = param_t(activ_param), the product
                                                            exact before the cast; PReLU: one param_t
                                                            alpha per element)
    scale_bias:  res = result_t(x * scale + bias)          (BatchNormalization not fused into a Dense,
                                                            and QKeras' ApplyAlpha: exact product and sum)
    table:       i = int(x * N / (2R)) + N / 2, clamped to [0, N - 1];  res = result_t(table[i])
                 (sigmoid R = 8, tanh R = 4; int() truncates toward zero; N = table_size; the table is
                 hls4ml's own, see `harness.nn.tables`)

A table's ROM holds result_t(table_t entry), i.e. the entry already cast to the layer's result type:
the same bits the C++ computes, in fewer ROM bits. Layers that are not element-wise (Softmax) and
activations hls4ml implements otherwise are refused naming the layer, before any RTL is written.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from harness.fixed import FixedType
from harness.nn.casts import cast_var
from harness.nn.tables import TABLE_RANGE, Table, activation_table, lookup
from harness.nn.types import UnsupportedModelError, layer_type, weight_values
from harness.nn.verilog import Fmt, cast_lines, lit, signed_operand
from harness.toolchain import Toolchain

if TYPE_CHECKING:  # untyped libraries (Any to mypy): the names say what a value holds
    from da4ml.trace import FixedVariable, FixedVariableArray
    from hls4ml.model.layers import Layer


#: hls4ml activation names (lower case) -> (kind, maximum for relu_max).
ACTIVATIONS = {
    "linear": ("linear", None),
    "relu": ("relu", None),
    "relu6": ("relu_max", 6),
    "relu1": ("relu_max", 1),
    "sigmoid": ("table", None),
    "tanh": ("table", None),
}
#: hls4ml's activation names for one leaky ReLU: the Keras LeakyReLU layer ('LeakyReLU') and QKeras'
#: quantized_relu(bits, integer, negative_slope=s) with s != 0 ('leaky_relu', result_t the quantizer's).
LEAKY_RELU = ("leakyrelu", "leaky_relu")
SUPPORTED = (
    "Dense; BatchNormalization and ApplyAlpha (scale and bias); Activation linear, relu, relu6, relu1, "
    "sigmoid, tanh; LeakyReLU, QKeras quantized_relu with negative_slope, and PReLU"
)


@dataclass(frozen=True)
class Param:
    """Per-element constants as integer codes of their hls4ml type."""

    codes: tuple[int, ...]
    type: FixedType

    @classmethod
    def of(cls, values: np.ndarray, t: FixedType) -> Param:
        return cls(tuple(int(c) for c in np.round(np.asarray(values) * 2.0**t.frac).astype(np.int64)), t)

    def value(self, j: int) -> float:
        return self.codes[j] * 2.0**-self.type.frac

    @property
    def signed_width(self) -> int:
        return self.type.width + (0 if self.type.signed else 1)


@dataclass(frozen=True)
class Elementwise:
    """One element-wise hls4ml layer: its kind, result_t and constants (see the module docstring)."""

    name: str
    kind: str
    out: FixedType
    scale: Param | None = None  # scale_bias: scale; leaky_relu: alpha
    bias: Param | None = None
    maximum: int | None = None
    table: Table | None = None  # entries already cast to `out`
    table_range: int = 0

    # The constants each kind needs, set by `read` for that kind (a layer of another kind has None).

    @property
    def _scale(self) -> Param:
        assert self.scale is not None, f"{self.kind} layer {self.name} without a scale"
        return self.scale

    @property
    def _bias(self) -> Param:
        assert self.bias is not None, f"{self.kind} layer {self.name} without a bias"
        return self.bias

    @property
    def _maximum(self) -> int:
        assert self.maximum is not None, f"{self.kind} layer {self.name} without a maximum"
        return self.maximum

    @property
    def _table(self) -> Table:
        assert self.table is not None, f"{self.kind} layer {self.name} without a table"
        return self.table

    # ------------------------------------------------------------------------------------------ da4ml

    def trace(self, x: FixedVariableArray) -> FixedVariableArray:
        """The layer on a da4ml array (one variable per element)."""
        from da4ml.trace import FixedVariableArray

        outs = [self._trace_var(v, j) for j, v in enumerate(np.ravel(x._vars))]  # noqa: SLF001
        return FixedVariableArray(np.array(outs, dtype=object), x.solver_options)

    def _trace_var(self, v: FixedVariable, j: int) -> FixedVariable:
        if self.kind == "linear":
            return cast_var(v, self.out)
        if self.kind == "relu":
            return cast_var(v.relu(), self.out)
        if self.kind == "relu_max":
            return cast_var(v.relu().min_of(float(self._maximum)), self.out)
        if self.kind == "leaky_relu":  # relu(v) - alpha * relu(-v): v above zero, alpha * v below
            return cast_var(v.relu() - (-v).relu() * self._scale.value(j), self.out)
        if self.kind == "scale_bias":
            return cast_var(v * self._scale.value(j) + self._bias.value(j), self.out)
        return self._trace_table(v)

    def _trace_table(self, v: FixedVariable) -> FixedVariable:
        size, k = self._table.size, self._index_shift()
        _, i_v, _ = (int(a) for a in v.kif)
        wide = FixedType(max(i_v + k, 1) + 3, max(i_v + k, 1) + 3, True, "TRN_ZERO", "WRAP")
        index = (cast_var(v * 2.0**k, wide) + float(size // 2)).max_of(0.0).min_of(float(size - 1))
        return lookup(index, self.out.to_float(np.array(self._table.codes, dtype=np.int64)))

    def _index_shift(self) -> int:
        """log2(N / (2R)): the index is x scaled by this power of two (N a power of two >= 2R)."""
        return int(math.log2(self._table.size // (2 * self.table_range)))

    # -------------------------------------------------------------------------------------- Verilog

    def declarations(self) -> list[str]:
        """Module-level Verilog this layer needs once (the table's ROM, read by every element)."""
        if self.kind != "table":
            return []
        w = self.out.width
        lines = [f"    reg [{w - 1}:0] {self.rom} [0:{self._table.size - 1}];", "    initial begin"]
        lines += [
            f"        {self.rom}[{i}] = {w}'h{c & ((1 << w) - 1):x};" for i, c in enumerate(self._table.codes)
        ]
        return [*lines, "    end"]

    @property
    def rom(self) -> str:
        return "rom_" + "".join(c if c.isalnum() else "_" for c in self.name)

    def verilog(self, out: str, src: str, fmt: Fmt, j: int) -> list[str]:
        """Verilog declaring `out` (a `self.out.width`-bit code) from element j's `src` in format `fmt`
        (`harness.nn.verilog.Fmt`); helper wires are prefixed `out_` (`out_e*` here, `cast_lines`' own)."""
        if self.kind == "linear" or (self.kind == "relu" and not fmt.signed):
            return cast_lines(out, src, fmt, self.out)
        if self.kind in ("relu", "relu_max"):
            lines, value = [], src
            if fmt.signed:
                lines.append(
                    f"    wire [{fmt.width - 1}:0] {out}_z = {src}[{fmt.width - 1}] ? {fmt.width}'d0 : {src};"
                )
                value = f"{out}_z"
            if self.kind == "relu":
                return lines + cast_lines(out, value, fmt, self.out)
            limit = math.floor(self._maximum * 2.0**fmt.frac)  # x > M  <=>  code > floor(M * 2**frac)
            cw = max(fmt.width, limit.bit_length(), 1)
            at_max = int(self.out.quantize(np.array([float(self._maximum)]))[0])
            return [
                *lines,
                *cast_lines(f"{out}_c", value, fmt, self.out),
                f"    wire [{self.out.width - 1}:0] {out} = ({value} > {cw}'d{limit}) ? "
                f"{self.out.width}'h{at_max & ((1 << self.out.width) - 1):x} : {out}_c;",
            ]
        lines = [signed_operand(f"{out}_ev", src, fmt)]
        if self.kind == "leaky_relu":  # both branches on a common grid: frac bits of x and of x * alpha
            a = self._scale
            frac = fmt.frac + max(a.type.frac, 0)
            w = fmt.signed_width + a.signed_width + abs(a.type.frac)
            lines += [
                f"    wire signed [{w - 1}:0] {out}_en = ({out}_ev * {lit(a.codes[j], a.signed_width)})"
                f" <<< {frac - fmt.frac - a.type.frac};",
                f"    wire signed [{w - 1}:0] {out}_ep = {out}_ev <<< {frac - fmt.frac};",
                f"    wire signed [{w - 1}:0] {out}_es = {out}_ev[{fmt.signed_width - 1}] ? {out}_en : "
                f"{out}_ep;",
            ]
            return lines + cast_lines(out, f"{out}_es", Fmt(w, frac, True), self.out)
        if self.kind == "scale_bias":
            s, b = self._scale, self._bias
            product_frac = fmt.frac + s.type.frac
            frac = max(product_frac, b.type.frac)
            shifted = fmt.signed_width + s.signed_width + frac - product_frac
            w = max(shifted, b.signed_width + frac - b.type.frac) + 1
            bias = lit(b.codes[j] << (frac - b.type.frac), w)
            lines += [
                f"    wire signed [{w - 1}:0] {out}_em = {out}_ev * {lit(s.codes[j], s.signed_width)};",
                f"    wire signed [{w - 1}:0] {out}_es = ({out}_em <<< {frac - product_frac}) + {bias};",
            ]
            return lines + cast_lines(out, f"{out}_es", Fmt(w, frac, True), self.out)
        return lines + self._table_lines(out, fmt)

    def _table_lines(self, out: str, fmt: Fmt) -> list[str]:
        """hls4ml's index (scale by N/(2R), truncate toward zero, offset, clamp), then the ROM."""
        size, bits = self._table.size, self._table.size.bit_length() - 1
        shift, w = fmt.frac - self._index_shift(), fmt.signed_width
        if shift > 0:  # truncate toward zero: add 2**shift - 1 to negative codes before the arithmetic shift
            wt = max(w, shift + 1) + 1
            bias = f"({out}_ev[{w - 1}] ? {lit((1 << shift) - 1, wt)} : {lit(0, wt)})"
            lines = [
                f"    wire signed [{wt - 1}:0] {out}_et = {out}_ev + {bias};",
                f"    wire signed [{wt - 1}:0] {out}_eq = {out}_et >>> {shift};",
            ]
        else:
            wt = w - shift
            lines = [f"    wire signed [{wt - 1}:0] {out}_eq = {out}_ev <<< {-shift};"]
        wi = max(wt, bits + 1) + 1
        lines += [
            f"    wire signed [{wi - 1}:0] {out}_ei = {out}_eq + {wi}'sd{size // 2};",
            f"    wire [{bits - 1}:0] {out}_ea = {out}_ei[{wi - 1}] ? {bits}'d0 : "
            f"({out}_ei > {wi}'sd{size - 1}) ? {bits}'d{size - 1} : {out}_ei[{bits - 1}:0];",
            f"    wire [{self.out.width - 1}:0] {out} = {self.rom}[{out}_ea];",
        ]
        return lines

    def estimate_luts(self, fmt: Fmt) -> int:
        """LUT6s per element for the `estimate` fidelity (closed form, see `harness.nn.mac.estimate_luts`):
        the result_t cast (one per result bit); a constant product as shift-adds (one adder of the product
        width per set bit of the constant beyond the first) plus the bias adder; a table index adder and
        comparators (one LUT per index bit, twice) and the ROM as 64-bit LUT6 ROMs, ceil(N / 64) per word
        bit."""
        total = self.out.width
        if self.kind in ("leaky_relu", "scale_bias"):
            width = fmt.signed_width + self._scale.signed_width
            ones = max((bin(abs(c)).count("1") for c in self._scale.codes), default=1)
            total += width * max(ones - 1, 0) + width
        if self.kind == "table":
            bits = self._table.size.bit_length() - 1
            total += 2 * (fmt.signed_width + bits) + math.ceil(self._table.size / 64) * self.out.width
        return total

    @property
    def rom_bits(self) -> int:
        return self.table.bits if self.table else 0


def read(
    layer: Layer, n: int, x_type: FixedType, out: FixedType, toolchain: Toolchain | None = None
) -> Elementwise:
    """The element-wise layer `layer` (n elements of `x_type`, result type `out`), or a refusal naming it."""
    cls = layer.class_name
    if cls in ("BatchNormalization", "ApplyAlpha"):
        if int(layer.get_attr("n_filt", -1)) != -1:
            raise UnsupportedModelError(
                f"layer {layer.name} ({cls}) normalises per filter; only dense (flat) inputs are supported"
            )
        bias, bt = weight_values(layer, "bias")
        return Elementwise(layer.name, "scale_bias", out, _scale(layer, x_type), Param.of(bias.ravel(), bt))
    activation = str(layer.get_attr("activation", "")).lower()
    if cls in ("Activation", "ReLU") and activation in ACTIVATIONS:
        kind, maximum = ACTIVATIONS[activation]
        if kind != "table":
            return Elementwise(layer.name, kind, out, maximum=maximum)
        return _table_layer(layer, activation, out, toolchain)
    if cls == "ParametrizedActivation" and activation in LEAKY_RELU:
        param_t = layer_type(layer, layer.get_attr("param_t").precision, "param")
        alpha = param_t.to_float(param_t.quantize(np.full(n, float(layer.get_attr("activ_param")))))
        return Elementwise(layer.name, "leaky_relu", out, Param.of(alpha, param_t))
    if cls == "PReLU":
        alpha, param_t = weight_values(layer, "param")
        return Elementwise(layer.name, "leaky_relu", out, Param.of(alpha.ravel(), param_t))
    what = f"{cls} {activation!r}" if activation else cls
    raise UnsupportedModelError(
        f"layer {layer.name} ({what}) is not supported by the open RTL (supported: {SUPPORTED})"
    )


def _scale(layer: Layer, x_type: FixedType) -> Param:
    """A batch norm's or ApplyAlpha's scale. QKeras `alpha='auto_po2'` gives power-of-two scales that hls4ml
    stores as {sign, exponent} and multiplies with `weight_exponential`: x shifted inside
    `ap_fixed<2(E + W), E + W>` (E the exponent's width, W x's), then negated for sign 0. That is the exact
    product x * (+-2**e) whenever it fits that type, which is checked; the scale is then an ordinary one."""
    var = layer.weights["scale"]
    if "ExponentPrecisionType" not in {c.__name__ for c in type(var.type.precision).__mro__}:
        scale, st = weight_values(layer, "scale")
        return Param.of(scale.ravel(), st)
    values = np.asarray(var.data, dtype=np.float64).ravel()
    exponents = np.round(np.log2(np.abs(values))).astype(int)
    if not np.array_equal(np.abs(values), 2.0**exponents):
        raise UnsupportedModelError(f"layer {layer.name}: power-of-two scale holds other values {values}")
    e_low, e_high = int(exponents.min()), int(exponents.max())
    shift_width = int(var.type.precision.width) + x_type.width  # E + W of weight_exponential's r_T
    if x_type.frac - e_low > shift_width or x_type.integer + e_high > shift_width:
        raise UnsupportedModelError(
            f"layer {layer.name}: power-of-two scales 2**{e_low}..2**{e_high} of a {x_type} input are cut by "
            "hls4ml's shift product type; the open RTL reproduces only exact shifts"
        )
    frac = max(-e_low, 0)
    integer = max(e_high, 0) + 2
    return Param.of(values, FixedType(integer + frac, integer, True))


def _table_layer(layer: Layer, activation: str, out: FixedType, toolchain: Toolchain | None) -> Elementwise:
    size = int(layer.get_attr("table_size", 1024))
    limit = 2 * TABLE_RANGE[activation]
    if size < limit or size & (size - 1):
        raise UnsupportedModelError(
            f"layer {layer.name} ({activation}): table_size {size} is not supported by the open RTL "
            f"(a power of two >= {limit}, e.g. hls4ml's default 1024)"
        )
    table_t = layer_type(layer, layer.get_attr("table_t").precision, "table")
    table = activation_table(activation, table_t, size, toolchain)
    codes = out.requantize(np.array(table.codes, dtype=np.int64), table_t.frac)
    return Elementwise(
        layer.name,
        "table",
        out,
        table=Table(tuple(int(c) for c in codes), out),
        table_range=TABLE_RANGE[activation],
    )
