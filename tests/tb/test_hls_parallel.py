"""tb/hls_parallel.py on Verilator against hand-written tops that follow the HLS port conventions.

No Vivado/Vitis HLS exists here, so the tops in tests/hdl/hls_style_dot.v are written by hand to the
conventions of HLS-exported RTL (see that file): the bench's handshake, port mapping, latency and II
measurement and bit-exact check are verified on them, not on real tool output.
"""

import json

import numpy as np

from harness.hls.ports import hls_ports, simulate_hls_top
from harness.sim import SimJob, StreamVectors, VerilatorSimulator

from ..conftest import HDL

SOURCE = HDL / "hls_style_dot.v"
WEIGHTS = np.array([[3, -5, 7, -2], [-8, 1, 4, 6]])
BIAS = np.array([100, -37])
LATENCY, II = 3, 2  # the schedule written into hls_style_dot.v


def _vectors(n: int, seed: int) -> StreamVectors:
    x = np.random.default_rng(seed).integers(-128, 128, size=(n, 4))
    return StreamVectors(x, [8] * 4, [16, 16], [True, True], x @ WEIGHTS.T + BIAS)


def test_hls4ml_style_top_is_bit_exact_with_its_own_ii_and_latency(toolchain, tmp_path):
    """Vitis-HLS naming of an hls4ml io_parallel top (packed ap_vld input, per-element ap_vld outputs),
    ports found by introspection."""
    vectors = _vectors(3000, seed=11)
    job = SimJob("hls_style_dot", [SOURCE], tmp_path, vectors, testbench="tb.hls_parallel")
    result = VerilatorSimulator(toolchain).run(job)
    assert result.testbench_passed
    assert result.comparison.vectors == 3000
    assert result.comparison.mismatched_words == 0, result.comparison.summary()
    assert result.latency_cycles == result.latency_max_cycles == LATENCY
    assert result.ii_cycles == II
    raw = json.loads((tmp_path / "tb_result.json").read_text())
    assert set(np.diff(raw["ready_cycles"])) == {II}  # ap_ready spacing is the II
    assert raw["done_count"] == 3000 and raw["idle_after_reset"] and raw["idle_at_end"]
    log = (tmp_path / "sim.log").read_text()
    assert (
        "found by their _ap_vld companions: inputs ['input_1'], outputs ['layer5_out_0', 'layer5_out_1']"
        in log
    )


def test_ap_none_top_with_ports_from_its_verilog_catches_a_flipped_value(toolchain, tmp_path):
    """Vivado-HLS naming of a conifer-style top (per-element ap_none inputs), ports read from the
    Verilog by the vendor flow's own helper; one wrong expected value is reported as one mismatch."""
    ports = hls_ports([SOURCE], "hls_style_dot_ap_none")
    assert ports.inputs == ("x_0_V", "x_1_V", "x_2_V", "x_3_V")
    assert ports.outputs == ("score_0_V", "score_1_V")
    vectors = _vectors(300, seed=12)
    vectors.expected[41, 1] ^= 1 << 3
    result = simulate_hls_top(toolchain, [SOURCE], "hls_style_dot_ap_none", tmp_path, vectors)
    assert result.comparison.mismatched_words == 1
    assert result.comparison.first[0].index == 41
    assert not result.testbench_passed
    assert result.latency_cycles == result.latency_max_cycles == LATENCY and result.ii_cycles == II
    log = (tmp_path / "sim.log").read_text()
    assert "named by the environment" in log
    assert "1 mismatched output words in 1 of 300 vectors" in log
