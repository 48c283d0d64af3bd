"""The BDT generator's emitters: each part of the forest's logic written into the netlist, and the module.

`compare` makes one comparison bit per distinct (feature, threshold) pair, `select` one leaf mux per
tree steered by those bits, and `adder_tree` / `saturating_chain` the per-output sum of the initial
prediction and the tree scores (see `harness.bdt.rtl` for why two kinds). Each takes the pipeline
plan's step it implements, and registers its result when that step ends a stage. `module_text`
wraps the netlist in the stream-interface module.
"""

from __future__ import annotations

from harness.bdt.forest import Forest, QTree
from harness.bdt.netlist import Netlist, Sig, const, literal
from harness.bdt.pipeline import Plan


def compare(
    net: Netlist, forest: Forest, features: list[Sig], plan: Plan, step: int
) -> tuple[Sig | None, dict[tuple[int, int], int]]:
    """One comparison bit per distinct (feature, threshold) pair of the whole forest.

    Trees often split a feature at the same code; a shared bit saves the duplicate comparators
    that synthesis would merge anyway, and keeps the netlist (and the simulator build) small.
    """
    stage, registered = plan.stage_of[step], plan.registered(step)
    t = forest.threshold_type
    pairs = sorted(
        {
            (tree.feature[n], tree.threshold[n])
            for trees in forest.trees
            for tree in trees
            for n in tree.internal
        }
    )
    bits = []
    for feature, threshold in reversed(pairs):
        x, thr = net.at(features[feature], stage), literal(threshold, t.width)
        bits.append(
            f"$signed({x}) {forest.split} $signed({thr})" if t.signed else f"{x} {forest.split} {thr}"
        )
    index = {pair: k for k, pair in enumerate(pairs)}
    if not pairs:
        return None, index
    expr = "{\n        " + ",\n        ".join(bits) + "}"
    return net.node("cmp", len(pairs), expr, stage, registered), index


def select(
    net: Netlist,
    forest: Forest,
    compare: Sig | None,
    index: dict[tuple[int, int], int],
    plan: Plan,
    step: int,
) -> list[list[Sig]]:
    """Each tree's leaf code, chosen by its comparison bits (true: left child, as in conifer)."""
    stage, registered = plan.stage_of[step], plan.registered(step)
    width = forest.score_type.width
    out = []
    for c, trees in enumerate(forest.trees):
        row = []
        for t, tree in enumerate(trees):
            if tree.is_leaf(0) or compare is None:
                row.append(const(tree.value[0], width))
                continue
            expr = _mux(tree, 0, net.at(compare, stage), index, width)
            row.append(net.node(f"leaf_{c}_{t}", width, expr, stage, registered))
        out.append(row)
    return out


def _mux(tree: QTree, node: int, bits: str, index: dict[tuple[int, int], int], width: int) -> str:
    if tree.is_leaf(node):
        return literal(tree.value[node], width)
    bit = index[(tree.feature[node], tree.threshold[node])]
    return (
        f"({bits}[{bit}] ? {_mux(tree, tree.left[node], bits, index, width)} : "
        f"{_mux(tree, tree.right[node], bits, index, width)})"
    )


def adder_tree(net: Netlist, forest: Forest, c: int, leaves: list[Sig], plan: Plan, first_step: int) -> Sig:
    """Balanced modular sum of init + leaves in the score width (order-free, see `harness.bdt.rtl`)."""
    width = forest.score_type.width
    terms = _terms(forest, c, leaves)
    level = 0
    while len(terms) > 1:
        step = first_step + level
        stage, registered = plan.stage_of[step], plan.registered(step)
        pairs = [terms[i : i + 2] for i in range(0, len(terms), 2)]
        terms = [
            pair[0]
            if len(pair) == 1
            else net.node(
                f"sum_{c}_{level}_{j}",
                width,
                f"{net.at(pair[0], stage)} + {net.at(pair[1], stage)}",
                stage,
                registered,
            )
            for j, pair in enumerate(pairs)
        ]
        level += 1
    return terms[0]


def saturating_chain(
    net: Netlist, forest: Forest, c: int, leaves: list[Sig], plan: Plan, first_step: int
) -> Sig:
    """init, + tree 0, + tree 1, ...: each partial sum saturated to the score type, in conifer's order."""
    t = forest.score_type
    w = t.width
    acc = const(forest.init[c], w)
    for i, leaf in enumerate(leaves):
        step = first_step + i
        stage, registered = plan.stage_of[step], plan.registered(step)
        wide = net.node(
            f"wide_{c}_{i}",
            w + 1,
            f"{_extend(net, acc, stage, t.signed)} + {_extend(net, leaf, stage, t.signed)}",
            stage,
            registered=False,
        )
        s = wide.text
        hi, lo = literal(t.max_code, w), literal(t.min_code, w)
        expr = (
            f"(({s}[{w}] != {s}[{w - 1}]) ? ({s}[{w}] ? {lo} : {hi}) : {s}[{w - 1}:0])"
            if t.signed
            else f"({s}[{w}] ? {hi} : {s}[{w - 1}:0])"
        )
        acc = net.node(f"acc_{c}_{i}", w, expr, stage, registered)
    return acc


def _extend(net: Netlist, sig: Sig, time: int, signed: bool) -> str:
    """One more bit: sign- or zero-extension."""
    if sig.value is not None:  # a constant
        return literal(sig.value, sig.width + 1)  # codes are signed integers: masking extends them
    name = net.at(sig, time)
    return f"{{{name}[{sig.width - 1}], {name}}}" if signed else f"{{1'b0, {name}}}"


def _terms(forest: Forest, c: int, leaves: list[Sig]) -> list[Sig]:
    width = forest.score_type.width
    init = [const(forest.init[c], width)] if forest.init[c] else []
    return init + leaves


def module_text(forest: Forest, top: str, net: Netlist, plan: Plan, out_bits: str, accumulation: str) -> str:
    """The whole Verilog module: the stream interface, the input register, the netlist, the valid bits."""
    n_in = forest.n_features * forest.threshold_type.width
    n_out = forest.n_outputs * forest.score_type.width
    p = plan.n_stages
    header = [
        f"// {top}: boosted decision trees generated by harness.bdt.rtl from a conifer model.",
        f"// {forest.n_outputs} output(s) x {forest.n_trees} trees, depth <= {forest.max_depth}, "
        f"{forest.n_features} inputs; nodes go left when x {forest.split} threshold.",
        f"// inputs/thresholds {forest.threshold_type}, scores {forest.score_type}; "
        f"accumulation: {accumulation}.",
        f"// {p} register stage(s) after the input register: out_valid follows in_valid by {p} cycle(s); "
        "II = 1.",
        "`default_nettype none",
        f"module {top} (",
        "    input  wire clk,",
        "    input  wire rst,",
        "    input  wire in_valid,",
        "    output wire in_ready,",
        f"    input  wire [{n_in - 1}:0] in_data,",
        "    output wire out_valid,",
        f"    output wire [{n_out - 1}:0] out_data",
        ");",
        "    assign in_ready = 1'b1;",
        f"    reg  [{n_in - 1}:0] x_in;",
        f"    reg  [{p}:0] valid;",
    ]
    body = [
        *net.decls,
        *net.assigns,
        "    always @(posedge clk) begin",
        "        x_in <= in_data;",
        *net.regs,
        "    end",
        "    always @(posedge clk) begin",
        "        if (rst) valid <= 0;",
        f"        else valid <= {{valid[{p - 1}:0], in_valid}};",
        "    end",
        f"    assign out_valid = valid[{p}];",
        f"    assign out_data = {{{out_bits}}};",
        "endmodule",
        "`default_nettype wire",
    ]
    return "\n".join(header + body) + "\n"
