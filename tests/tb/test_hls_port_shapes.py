"""Port discovery for HLS io_parallel tops, from the port declarations each HLS version writes.

Vivado HLS (2018.x-2020.1) suffixes ap_fixed ports with `_V`; Vitis HLS (2020.2+, checked against the
2022+ naming) does not. hls4ml reshapes the input array into one packed port and partitions the output
array into one port per element; conifer partitions both. Keras names inputs `input_1`, `input_2`, ...,
so a packed port's name can look like element 1 of an array `input`: the cases below are the shapes
that can occur, each written as the non-ANSI module header HLS exports.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from harness.hls.ports import HlsPortError, array_groups, hls_ports, simulate_hls_top

from ..conftest import HDL
from .test_hls_parallel import II, LATENCY, _vectors

Port = tuple[str, int, bool]  # name, width, has an ap_vld companion


def hls_module(top: str, inputs: list[Port], outputs: list[Port], *, control: tuple[str, ...] = ()) -> str:
    """A module header as HLS writes it: the port list, then one declaration per line, `ap_ctrl_hs`
    ports first, each data port followed by its `_ap_vld` where it has one."""
    block = [
        ("ap_clk", "input"),
        ("ap_rst", "input"),
        ("ap_start", "input"),
        ("ap_done", "output"),
        ("ap_idle", "output"),
        ("ap_ready", "output"),
        *((name, "input") for name in control),
    ]
    ports = list(block)
    widths = {}
    for direction, side in (("input", inputs), ("output", outputs)):
        for name, width, valid in side:
            ports.append((name, direction))
            widths[name] = width
            if valid:
                ports.append((name + "_ap_vld", direction))
    header = f"module {top} (\n" + ",\n".join(f"        {name}" for name, _ in ports) + "\n);\n\n"
    lines = [f"{d}  [{widths[n] - 1}:0] {n};" if widths.get(n, 1) > 1 else f"{d}   {n};" for n, d in ports]
    return header + "\n".join(lines) + "\n\nendmodule\n"


def elements(array: str, n: int, width: int, valid: bool, suffix: str = "") -> list[Port]:
    return [(f"{array}_{i}{suffix}", width, valid) for i in range(n)]


SHAPES = {
    # hls4ml io_parallel: packed ap_vld input, per-element ap_vld outputs.
    "vivado_hls_packed_input_1_V": (
        [("input_1_V", 16 * 16, True)],
        elements("layer5_out", 5, 16, True, "_V"),
    ),
    "vitis_hls_packed_input_1": ([("input_1", 16 * 16, True)], elements("layer5_out", 5, 16, True)),
    "vivado_hls_second_keras_input": ([("input_2_V", 64, True)], elements("layer7_out", 3, 16, True, "_V")),
    "vivado_hls_sequential_input": (
        [("dense_1_input_V", 80, True)],
        elements("layer3_out", 2, 16, True, "_V"),
    ),
    # single-element arrays: one output class, one input feature.
    "vivado_hls_one_output": ([("input_1_V", 160, True)], elements("layer3_out", 1, 16, True, "_V")),
    "vitis_hls_one_output": ([("input_1", 160, True)], elements("layer3_out", 1, 16, True)),
    "vivado_hls_one_feature_per_element": (
        elements("input_1", 1, 8, False, "_V"),
        elements("score", 1, 16, True, "_V"),
    ),
    # conifer-style: per-element ap_none inputs, named after an array whose name ends in digits.
    "vivado_hls_per_element_digits": (
        elements("input_1", 12, 8, False, "_V"),
        elements("layer13_out", 2, 16, True, "_V"),
    ),
    "vitis_hls_per_element_over_ten": (elements("x", 12, 8, False), elements("score", 11, 16, True)),
    "vitis_hls_per_element_digits": (elements("q_dense_2_input", 4, 8, False), elements("y_1", 3, 16, True)),
    # a reshaped (packed) output port too.
    "vitis_hls_packed_output": ([("input_1", 32, True)], [("layer5_out", 32, True)]),
}


@pytest.mark.parametrize("shape", list(SHAPES))
def test_every_hls_port_shape_is_found_from_its_declarations(tmp_path: Path, shape: str) -> None:
    inputs, outputs = SHAPES[shape]
    source = tmp_path / "top.v"
    source.write_text(hls_module("myproject", inputs, outputs))
    ports = hls_ports([source], "myproject")
    assert ports.inputs == tuple(name for name, _, _ in inputs)
    assert ports.outputs == tuple(name for name, _, _ in outputs)


def test_other_block_level_ports_are_not_data(tmp_path: Path) -> None:
    """ap_rst_n and ap_ce (clock enable) are block-level, whatever the interface options were."""
    source = tmp_path / "top.v"
    source.write_text(
        hls_module(
            "myproject",
            [("input_1", 32, True)],
            elements("layer5_out", 2, 16, True),
            control=("ap_rst_n", "ap_ce"),
        )
    )
    assert hls_ports([source], "myproject").inputs == ("input_1",)


def test_array_groups_keeps_lone_element_shaped_ports_given_as_a_generator() -> None:
    """The fault: names passed as a generator were read twice, so `input_1_V` (not part of a complete
    array `input_V`) vanished."""
    names = ["input_1_V", "layer5_out_0_V", "layer5_out_1_V", "x_2"]
    assert array_groups(iter(names)) == [["input_1_V"], ["layer5_out_0_V", "layer5_out_1_V"], ["x_2"]]


@pytest.mark.parametrize(
    ("inputs", "named"),
    [
        ([("input_1_V", 32, True), ("input_2_V", 32, True)], "[['input_1_V'], ['input_2_V']]"),
        ([("x_0", 8, False), ("x_2", 8, False)], "[['x_0'], ['x_2']]"),  # a gap: not one array
    ],
)
def test_tops_with_several_input_arrays_are_refused_naming_them(
    tmp_path: Path, inputs: list[Port], named: str
) -> None:
    source = tmp_path / "top.v"
    source.write_text(hls_module("myproject", inputs, elements("layer5_out", 2, 16, True)))
    with pytest.raises(HlsPortError, match=re.escape(f"input arrays {named} ")):
        hls_ports([source], "myproject")


VIVADO_NAMED_DOT = """\
// Vivado HLS naming of hls_style_dot (tests/hdl): packed `input_1_V`, per-element `layer5_out_<i>_V`.
module hls_style_dot_vivado (
        ap_clk, ap_rst, ap_start, ap_done, ap_idle, ap_ready,
        input_1_V, input_1_V_ap_vld,
        layer5_out_0_V, layer5_out_0_V_ap_vld, layer5_out_1_V, layer5_out_1_V_ap_vld
);
input   ap_clk;
input   ap_rst;
input   ap_start;
output   ap_done;
output   ap_idle;
output   ap_ready;
input  [31:0] input_1_V;
input   input_1_V_ap_vld;
output  [15:0] layer5_out_0_V;
output   layer5_out_0_V_ap_vld;
output  [15:0] layer5_out_1_V;
output   layer5_out_1_V_ap_vld;
hls_style_dot dot (.ap_clk(ap_clk), .ap_rst(ap_rst), .ap_start(ap_start), .ap_done(ap_done),
    .ap_idle(ap_idle), .ap_ready(ap_ready), .input_1_ap_vld(input_1_V_ap_vld), .input_1(input_1_V),
    .layer5_out_0(layer5_out_0_V), .layer5_out_0_ap_vld(layer5_out_0_V_ap_vld),
    .layer5_out_1(layer5_out_1_V), .layer5_out_1_ap_vld(layer5_out_1_V_ap_vld));
endmodule
"""


def test_packed_input_1_V_top_simulates_bit_exact(toolchain, tmp_path: Path) -> None:
    """The issue's input end to end: a top whose one input is `input_1_V` is found and verified
    (before the fix, port discovery found 'input arrays []' and refused it)."""
    wrapper = tmp_path / "hls_style_dot_vivado.v"
    wrapper.write_text(VIVADO_NAMED_DOT)
    vectors = _vectors(200, seed=21)
    result = simulate_hls_top(
        toolchain, [wrapper, HDL / "hls_style_dot.v"], "hls_style_dot_vivado", tmp_path / "sim", vectors
    )
    assert result.testbench_passed, result.comparison.summary()
    assert result.comparison.vectors == 200 and result.comparison.mismatched_words == 0
    assert result.latency_cycles == LATENCY and result.ii_cycles == II
    log = (tmp_path / "sim" / "sim.log").read_text()
    assert "inputs ['input_1_V'], outputs ['layer5_out_0_V', 'layer5_out_1_V']" in log
