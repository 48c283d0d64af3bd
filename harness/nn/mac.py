"""Time-multiplexed multiply-accumulate RTL for hls4ml dense networks: the reuse factor, in Verilog.

Each dense layer with reuse factor r gets ceil(nnz / r) multipliers (nnz: its non-zero weights) that
Yosys maps to DSP48E2 blocks. Multiplier m works through a fixed list of at most r (input, output,
weight) slots, one per cycle: a case table indexed by the cycle selects its input and weight (the
weight ROM), the product is registered, cast to accum_t and added to its output's accumulator. The
slots are the non-zero weights in output-major order cut into runs of r, so a multiplier serves one
output where the shapes allow it (as hls4ml's Resource strategy does) and exact zeros take no slot:
hls4ml's Latency strategy drops them too (its `multiplier_limit` subtracts `n_zeros / reuse_factor`).

Arithmetic follows hls4ml's dense kernels exactly (see `harness.nn.bridge`): every product is cast
to accum_t (rounding and overflow in Verilog), the bias is cast to accum_t, the sum wraps in accum_t,
and the result is cast to result_t; the element-wise layers that follow a dense layer (activations,
batch norm, ApplyAlpha, table lookups: `harness.nn.elementwise`) are folded into its output stage (each
casts to its own result type), so only their narrow result is registered.
A wrapping accumulator gives the same sum in any order, which is what lets the products be
summed in time-multiplexed order; a saturating accumulator is accepted only where no partial sum can
reach its limits (then it never saturates), otherwise the generator refuses it.

Timing: a layer starts on its `in_valid` pulse, registers products in cycles 0..r-1 and its result
one cycle after the last product, so it takes r + 1 cycles and can start again r cycles later. The
top accepts one vector every II = max(r) cycles (`in_ready` falls for II - 1 cycles after each
accept), which keeps every layer's input stable for its r cycles without any handshake inside.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
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
from harness.nn.verilog import Fmt, bits, cast_lines, lit, signed_operand
from harness.stages import RTLDesign
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


# ---------------------------------------------------------------------------------------------- Verilog


def _ident(text: str) -> str:
    return re.sub(r"\W", "_", text)


def _slice(bus: str, index: int, width: int) -> str:
    return f"{bus}[{index * width + width - 1}:{index * width}]"


def dense_module(module: str, layer: DenseLayer) -> str:
    """One dense layer (and its activation): multipliers with case-table ROMs, registered products,
    accumulators, the result_t cast and the activation, registered."""
    r, slots = layer.reuse, layer.slots
    a_w, w_w = layer.in_fmt.signed_width, layer.weight.signed_width
    p_fmt = Fmt(a_w + w_w, layer.in_fmt.frac + layer.weight.frac, True)
    acc_w, cw, out_w = layer.accum.width, max(1, (r - 1).bit_length()), layer.out.width
    act = "".join(f", then {a.name} ({a.kind}) to {a.out}" for a in layer.activations)
    lines = [
        f"// {layer.name}: {layer.n_in} x {layer.n_out} dense, reuse factor {r}, {len(slots)} multipliers "
        f"({layer.zeros} zero weights skipped), accum (as summed) {layer.accum}, result {layer.result}{act}",
        f"module {module} (",
        "    input  wire clk,",
        "    input  wire rst,",
        "    input  wire in_valid,",
        f"    input  wire [{layer.n_in * layer.in_fmt.width - 1}:0] in_data,",
        "    output reg  out_valid,",
        f"    output reg  [{layer.n_out * out_w - 1}:0] out_data",
        ");",
    ]
    used = sorted({s.i for run in slots for s in run})
    lines += [signed_operand(f"x{i}", _slice("in_data", i, layer.in_fmt.width), layer.in_fmt) for i in used]
    lines += [line for act in layer.activations for line in act.declarations()]
    lines += _counter(r, cw)
    for m, run in enumerate(slots):
        lines += _multiplier(m, run, r, cw, a_w, w_w)
        lines += cast_lines(f"t{m}", f"p{m}", p_fmt, layer.accum)
    last = "pv" if r == 1 else f"pv && pk == {cw}'d{r - 1}"
    for j, feed in enumerate(feeds(slots, layer.n_out)):
        bias = bits(int(layer.bias[j]), acc_w)
        base = bias if r == 1 else f"(pk == {cw}'d0 ? {bias} : acc{j})"
        terms = [_gated(f, r, cw, acc_w) for f in feed]
        lines.append(f"    wire [{acc_w - 1}:0] sum{j} = {' + '.join([base, *terms])};")
        if r > 1:
            lines += [
                f"    reg [{acc_w - 1}:0] acc{j};",
                f"    always @(posedge clk) if (pv) acc{j} <= sum{j};",
            ]
        lines += cast_lines(f"res{j}", f"sum{j}", Fmt.of(layer.accum), layer.result)
        lines += _activation_lines(f"y{j}", f"res{j}", Fmt.of(layer.result), layer.activations, j)
        lines.append(f"    always @(posedge clk) if ({last}) {_slice('out_data', j, out_w)} <= y{j};")
    lines += ["    always @(posedge clk) out_valid <= rst ? 1'b0 : (" + last + ");", "endmodule", ""]
    return "\n".join(lines)


def _activation_lines(out: str, res: str, fmt: Fmt, activations: list[Elementwise], j: int) -> list[str]:
    """hls4ml's element-wise layers on output j's result_t, in order, each to its own result type."""
    lines, value = [], res
    for n, act in enumerate(activations):
        lines += act.verilog(f"{out}_a{n}", value, fmt, j)
        value, fmt = f"{out}_a{n}", Fmt.of(act.out)
    return [*lines, f"    wire [{fmt.width - 1}:0] {out} = {value};"]


def _counter(r: int, cw: int) -> list[str]:
    """Cycle index k (0 on the in_valid pulse) and its registered copy pk, aligned with the products."""
    if r == 1:
        return ["    reg pv;", "    always @(posedge clk) pv <= rst ? 1'b0 : in_valid;"]
    return [
        f"    reg [{cw - 1}:0] cnt, pk;",
        "    reg run, pv;",
        f"    wire [{cw - 1}:0] k = in_valid ? {cw}'d0 : cnt;",
        "    wire active = in_valid | run;",
        "    always @(posedge clk) begin",
        "        if (rst) begin run <= 1'b0; pv <= 1'b0; end",
        f"        else begin run <= active && k != {cw}'d{r - 1}; pv <= active; end",
        f"        if (active) cnt <= k + {cw}'d1;",
        "        pk <= k;",
        "    end",
    ]


def _multiplier(m: int, run: list[Slot], r: int, cw: int, a_w: int, w_w: int) -> list[str]:
    """Multiplier m: operand and weight by cycle (a case-table ROM unless r == 1), registered product."""
    product = f"    reg signed [{a_w + w_w - 1}:0] p{m};"
    if r == 1:
        slot = run[0]
        return [product, f"    always @(posedge clk) p{m} <= x{slot.i} * {lit(slot.code, w_w)};"]
    lines = [
        f"    reg signed [{a_w - 1}:0] a{m};",
        f"    reg signed [{w_w - 1}:0] w{m};",
        "    always @* begin",
        "        case (k)",
    ]
    lines += [
        f"            {cw}'d{k}: begin a{m} = x{s.i}; w{m} = {lit(s.code, w_w)}; end"
        for k, s in enumerate(run)
    ]
    lines += [
        f"            default: begin a{m} = {a_w}'d0; w{m} = {w_w}'d0; end",
        "        endcase",
        "    end",
        product,
        f"    always @(posedge clk) p{m} <= a{m} * w{m};",
    ]
    return lines


def _gated(feed: Feed, r: int, cw: int, acc_w: int) -> str:
    """Multiplier feed.m's accum_t product, or zero outside the cycles it works for this output."""
    conds = ([f"pk >= {cw}'d{feed.lo}"] if feed.lo > 0 else []) + (
        [f"pk < {cw}'d{feed.hi}"] if feed.hi < r else []
    )
    return f"t{feed.m}" if not conds else f"(({' && '.join(conds)}) ? t{feed.m} : {acc_w}'d0)"


def top_module(top: str, network: Network, modules: list[str]) -> str:
    """The stream interface: accept one vector every II cycles, latch it, chain the layers."""
    ii, gw = network.ii, max(1, (network.ii - 1).bit_length())
    in_w = network.n_in * network.in_fmt.width
    lines = [
        f"// {network.name}: reuse factors {', '.join(f'{d.name}={d.reuse}' for d in network.layers)}; "
        f"II {ii} cycles, latency {network.latency} cycles",
        f"module {top} (",
        "    input  wire clk,",
        "    input  wire rst,",
        "    input  wire in_valid,",
        "    output wire in_ready,",
        f"    input  wire [{in_w - 1}:0] in_data,",
        "    output wire out_valid,",
        f"    output wire [{_width(network.layers[-1]) - 1}:0] out_data",
        ");",
    ]
    if ii == 1:
        lines += ["    assign in_ready = 1'b1;", "    wire accept = in_valid;"]
    else:
        lines += [
            f"    reg [{gw - 1}:0] hold;  // cycles until the layers can take the next vector",
            f"    assign in_ready = hold == {gw}'d0;",
            "    wire accept = in_valid & in_ready;",
            "    always @(posedge clk)",
            f"        if (rst) hold <= {gw}'d0;",
            f"        else if (accept) hold <= {gw}'d{ii - 1};",
            f"        else if (hold != {gw}'d0) hold <= hold - {gw}'d1;",
        ]
    lines += [
        f"    reg [{in_w - 1}:0] d0;",
        "    reg v0;",
        "    always @(posedge clk) begin",
        "        v0 <= rst ? 1'b0 : accept;",
        "        if (accept) d0 <= in_data;",
        "    end",
    ]
    for index, (layer, module) in enumerate(zip(network.layers, modules, strict=True), start=1):
        lines += [
            f"    wire [{_width(layer) - 1}:0] d{index};",
            f"    wire v{index};",
            f"    {module} u{index} (.clk(clk), .rst(rst), .in_valid(v{index - 1}), .in_data(d{index - 1}), "
            f".out_valid(v{index}), .out_data(d{index}));",
        ]
    n = len(network.layers)
    lines += [f"    assign out_valid = v{n};", f"    assign out_data = d{n};", "endmodule", ""]
    return "\n".join(lines)


def _width(layer: DenseLayer) -> int:
    return layer.n_out * layer.out.width


def write_mac(
    hls_model: ModelGraph,
    name: str,
    out_dir: Path,
    reuse_factor: int | dict[str, int],
    toolchain: Toolchain | None = None,
    rounding_override: str | None = None,
) -> RTLDesign:
    """Generate the network's Verilog (one file: layer modules and the stream top) and its estimates;
    `rounding_override` as in `from_hls4ml`."""
    network = from_hls4ml(hls_model, name, reuse_factor, toolchain, rounding_override)
    top = f"{_ident(name)}_top"
    modules = [f"{_ident(name)}_{_ident(layer.name)}" for layer in network.layers]
    texts = [dense_module(m, layer) for m, layer in zip(modules, network.layers, strict=True)]
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{top}.v"
    header = "// Generated by harness.nn.mac: time-multiplexed dense layers for the stream interface.\n"
    path.write_text(header + "\n".join([*texts, top_module(top, network, modules)]))
    layers = network.layers
    multipliers = {d.name: len(d.slots) for d in layers}
    return RTLDesign(
        sources=[path],
        top=top,
        estimate={
            "lut": sum(estimate_luts(layer) for layer in layers),
            "dsp": sum(multipliers.values()),
            "latency_cycles": network.latency,
            "ii_cycles": network.ii,
            "source": "estimate: harness.nn.mac schedule (dsp: one DSP48E2 per multiplier, "
            "ceil(non-zero weights / reuse factor) per layer; lut: closed-form count of adder bits and "
            "operand-mux LUT6s, element-wise layers' casts, constant products and table ROMs, see "
            "harness.nn.mac.estimate_luts; latency and II: the generated pipeline)",
        },
        info={
            "arithmetic": "mac",
            "reuse_factor": {d.name: d.reuse for d in layers},
            "multipliers": multipliers,
            "hls4ml_multiplier_limit": {d.name: d.hls4ml_multiplier_limit() for d in layers},
            "zero_weights_skipped": {d.name: d.zeros for d in layers},
            "rom_bits": sum(a.rom_bits * d.n_out for d in layers for a in d.activations),
        },
    )


def estimate_luts(layer: DenseLayer) -> int:
    """A closed-form LUT6 count of one generated layer, for the sweeps' `estimate` fidelity (no Yosys).

    Counted, from the schedule itself: per multiplier, its operand multiplexer (d distinct inputs in
    its run: ceil((d - 1) / 3) LUT6 per input bit, 4:1 muxes in a tree), its weight ROM (one LUT per
    weight bit that changes within its run) and, when the product must be rounded to accum_t, the
    rounding adder (one LUT per accum_t bit); per output, one LUT per accum_t bit for each term of
    its sum, and one per bit of the result_t cast, plus each element-wise layer's own count
    (`Elementwise.estimate_luts`: casts, constant products, table index logic and ROM). The multipliers are
    counted as DSPs. Not counted: registers, control, and constant multipliers that Yosys maps to LUTs
    (at reuse factor 1 many narrow constant products become LUTs instead of DSPs).
    """
    acc_w, in_w = layer.accum.width, layer.in_fmt.signed_width
    rounds = layer.in_fmt.frac + layer.weight.frac > layer.accum.frac and layer.accum.rounding != "TRN"
    total = 0
    for run in layer.slots:
        inputs = len({s.i for s in run})
        codes = [s.code & ((1 << layer.weight.signed_width) - 1) for s in run]
        varying = bin(np.bitwise_or.reduce(codes) & ~np.bitwise_and.reduce(codes)).count("1")
        total += in_w * math.ceil((inputs - 1) / 3) + varying + (acc_w if rounds else 0)
    terms = sum(len(f) for f in feeds(layer.slots, layer.n_out))
    per_out, fmt = layer.result.width, Fmt.of(layer.result)
    for act in layer.activations:
        per_out, fmt = per_out + act.estimate_luts(fmt), Fmt.of(act.out)
    return total + acc_w * terms + layer.n_out * per_out
