"""The streaming testbench every generated design is judged by.

It drives the vectors in `$HARNESS_TB_VECTORS` (see `harness.sim.StreamVectors`) into the standard
stream interface as fast as the design accepts them, records every output word with the cycle it
appeared in, writes them to `$HARNESS_TB_RESULT` and then fails the test if any output word differs
from the reference. Inputs are driven and outputs sampled on the falling edge, so each rising edge
sees settled values and the cycle counts are exact.
"""

from __future__ import annotations

import json
import os

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge

from harness.sim import pack_words, unpack_words
from harness.verify import compare

#: Cycles to wait for the last result before declaring the design stuck.
DRAIN_LIMIT = 100_000


def pack(row: np.ndarray, widths: np.ndarray) -> int:
    """One vector of codes as the integer a packed port takes (element 0 in the low bits)."""
    return to_ints(pack_words(np.asarray(row)[None, :], [int(w) for w in widths]))[0]


def unpack(word: int, widths: np.ndarray, signed: np.ndarray) -> list[int]:
    """A packed port's integer as codes, sign-extended where `signed`."""
    widths = [int(w) for w in widths]
    words = to_words([word], -(-sum(widths) // 32))
    return [int(v) for v in unpack_words(words, widths, [bool(s) for s in signed])[0]]


def to_ints(words: np.ndarray) -> list[int]:
    """Rows of little-endian 32-bit words (`harness.sim.pack_words`) as the integers a port takes."""
    return [int.from_bytes(row.astype("<u4").tobytes(), "little") for row in words]


def to_words(values: list[int], n_words: int) -> np.ndarray:
    """The inverse of `to_ints`: port values as rows of `n_words` little-endian 32-bit words."""
    data = b"".join(v.to_bytes(4 * n_words, "little") for v in values)
    return np.frombuffer(data, dtype="<u4").reshape(len(values), n_words)


@cocotb.test()
async def stream(dut):
    data = np.load(os.environ["HARNESS_TB_VECTORS"])
    inputs, in_widths = data["inputs"], data["in_widths"]
    out_widths, out_signed = data["out_widths"], data["out_signed"]
    words = to_ints(pack_words(inputs, list(in_widths)))
    n = len(words)

    cocotb.start_soon(Clock(dut.clk, 10, unit="ns").start())
    dut.rst.value = 1
    dut.in_valid.value = 0
    dut.in_data.value = 0
    for _ in range(3):
        await FallingEdge(dut.clk)
    dut.rst.value = 0

    accept_cycles: list[int] = []
    output_cycles: list[int] = []
    outputs: list[int] = []
    cycle, sent, idle = 0, 0, 0
    while len(outputs) < n:
        await FallingEdge(dut.clk)
        cycle += 1
        if dut.out_valid.value:
            outputs.append(int(dut.out_data.value))
            output_cycles.append(cycle)
            idle = 0
        else:
            idle += 1
            assert idle < DRAIN_LIMIT, f"no output for {DRAIN_LIMIT} cycles after {len(outputs)} of {n}"
        if sent < n and dut.in_ready.value:
            dut.in_valid.value = 1
            dut.in_data.value = words[sent]
            accept_cycles.append(cycle + 1)  # accepted at the coming rising edge
            sent += 1
        else:
            dut.in_valid.value = 0

    out_words = to_words(outputs, -(-int(sum(out_widths)) // 32))
    codes = unpack_words(out_words, list(out_widths), list(out_signed))
    with open(os.environ["HARNESS_TB_RESULT"], "w") as fh:
        json.dump(
            {
                "outputs": codes.tolist(),
                "accept_cycles": accept_cycles,
                "output_cycles": output_cycles,
            },
            fh,
        )

    if "expected" in data:
        comparison = compare(inputs, data["expected"], codes)
        assert comparison.exact, comparison.summary()
        dut._log.info("bit-exact: %d vectors, 0 mismatches", n)
