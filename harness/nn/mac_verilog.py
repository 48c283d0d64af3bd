"""The MAC generator's Verilog: one module per dense layer, and the stream-interface top that chains them.

`dense_module` writes a layer's multipliers (case-table ROMs for their operands and weights, one
registered product each), the per-output accumulators, the result_t cast and the folded element-wise
layers; `top_module` accepts one vector every II cycles and chains the layer modules. The timing and
arithmetic they implement are described in `harness.nn.mac`.
"""

from __future__ import annotations

from harness.nn.elementwise import Elementwise
from harness.nn.mac_schedule import DenseLayer, Feed, Network, Slot, feeds
from harness.nn.verilog import Fmt, bits, cast_lines, lit, signed_operand


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
