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

from harness.verify import compare

#: Cycles to wait for the last result before declaring the design stuck.
DRAIN_LIMIT = 100_000


def pack(row: np.ndarray, widths: np.ndarray) -> int:
    word, shift = 0, 0
    for value, width in zip(row, widths, strict=True):
        word |= (int(value) & ((1 << int(width)) - 1)) << shift
        shift += int(width)
    return word


def unpack(word: int, widths: np.ndarray, signed: np.ndarray) -> list[int]:
    values, shift = [], 0
    for width, is_signed in zip(widths, signed, strict=True):
        width = int(width)
        value = (word >> shift) & ((1 << width) - 1)
        if is_signed and value >> (width - 1):
            value -= 1 << width
        values.append(value)
        shift += width
    return values


@cocotb.test()
async def stream(dut):
    data = np.load(os.environ["HARNESS_TB_VECTORS"])
    inputs, in_widths = data["inputs"], data["in_widths"]
    out_widths, out_signed = data["out_widths"], data["out_signed"]
    words = [pack(row, in_widths) for row in inputs]
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
    outputs: list[list[int]] = []
    cycle, sent, idle = 0, 0, 0
    while len(outputs) < n:
        await FallingEdge(dut.clk)
        cycle += 1
        if dut.out_valid.value:
            outputs.append(unpack(int(dut.out_data.value), out_widths, out_signed))
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

    with open(os.environ["HARNESS_TB_RESULT"], "w") as fh:
        json.dump(
            {
                "outputs": [[str(v) for v in row] for row in outputs],
                "accept_cycles": accept_cycles,
                "output_cycles": output_cycles,
            },
            fh,
        )

    if "expected" in data:
        comparison = compare(inputs, data["expected"], np.array(outputs, dtype=object))
        assert comparison.exact, comparison.summary()
        dut._log.info("bit-exact: %d vectors, 0 mismatches", n)
