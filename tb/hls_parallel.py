"""The bench for HLS-exported io_parallel tops (Vivado HLS, Vitis HLS): `ap_ctrl_hs` plus `ap_vld` ports.

It reads the same vectors file (`$HARNESS_TB_VECTORS`) and writes the same result JSON
(`$HARNESS_TB_RESULT`) as `tb/stream.py`, so `harness.sim` treats both alike; only the handshake differs:

* block protocol `ap_ctrl_hs`: `ap_clk`, `ap_rst` (synchronous, active high; or `ap_rst_n`, active
  low, as HLS names it after `config_rtl -reset_level low`), `ap_start` in, `ap_done`, `ap_idle`,
  `ap_ready` out. A vector is offered by raising `ap_start` (and each input's `_ap_vld`,
  where it has one) with the data, and held until the block answers `ap_ready`; the next vector
  follows on the next cycle, so the measured initiation interval is the block's own;
* data ports: named in `$HARNESS_HLS_INPUTS` / `$HARNESS_HLS_OUTPUTS` (comma-separated, element 0
  first; a single name is a packed port, element 0 in the low bits), as `harness.hls.ports.hls_ports`
  reads them from the Verilog; without those variables, found among the design's signals as the ports
  that have an `_ap_vld` companion (`harness.hls.ports.resolve_ports`). Outputs need `_ap_vld`.

Inputs are driven on the falling edge; the combinational answers (`ap_ready`, `_ap_vld`, `ap_done`)
are sampled in the read-only phase before the next rising edge, which is the edge that registers them.
Latency is counted in rising edges from the one that takes the vector (the first edge it is offered
at, which an `ap_ctrl_hs` block that raised `ap_ready` takes) to the one that takes its last output
element; the II is the spacing of those first edges, which is the spacing of `ap_ready`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.handle import LogicArrayObject, LogicObject, PackedObject
from cocotb.triggers import FallingEdge, ReadOnly

from harness.hls.ports import INPUTS_ENV, OUTPUTS_ENV, VALID_SUFFIX, resolve_ports
from harness.verify import compare
from tb.stream import DRAIN_LIMIT, pack, unpack

#: Cycles a block may take to raise ap_idle once the last result is out and ap_start is low.
IDLE_LIMIT = 1_000


@dataclass
class _Port:
    """One data port and the vector elements it carries."""

    name: str
    handle: Any
    valid: Any | None
    elements: slice


def _ports(dut: Any, names: Sequence[str], widths: np.ndarray, what: str) -> list[_Port]:
    """Bind port names to handles: one packed port for all elements, or one port per element."""
    n = len(widths)
    if len(names) == 1:
        slices = [slice(0, n)]
    elif len(names) == n:
        slices = [slice(i, i + 1) for i in range(n)]
    else:
        raise AssertionError(
            f"{what}: {len(names)} ports {list(names)} for {n} elements; expected one "
            "packed port or one port per element"
        )
    ports = []
    for name, elements in zip(names, slices, strict=True):
        handle = getattr(dut, name)
        bits = int(sum(widths[elements]))
        assert len(handle) == bits, f"{what} port {name} is {len(handle)} bits wide; the vectors need {bits}"
        ports.append(_Port(name, handle, getattr(dut, name + VALID_SUFFIX, None), elements))
    return ports


def _port_names(dut: Any, in_widths: np.ndarray, out_widths: np.ndarray) -> tuple[list[str], list[str], str]:
    named = os.environ.get(INPUTS_ENV), os.environ.get(OUTPUTS_ENV)
    if any(named):
        assert all(named), f"set both {INPUTS_ENV} and {OUTPUTS_ENV}, or neither"
        return named[0].split(","), named[1].split(","), "named by the environment"
    signals = LogicObject | LogicArrayObject | PackedObject
    widths = {name: len(h) for name, h in dut._items() if isinstance(h, signals)}
    ports = resolve_ports(widths, in_widths, out_widths)
    return list(ports.inputs), list(ports.outputs), f"found by their {VALID_SUFFIX} companions"


@cocotb.test()
async def hls_parallel(dut):
    data = np.load(os.environ["HARNESS_TB_VECTORS"])
    inputs, in_widths = data["inputs"], data["in_widths"]
    out_widths, out_signed = data["out_widths"], data["out_signed"]
    in_names, out_names, how = _port_names(dut, in_widths, out_widths)
    in_ports = _ports(dut, in_names, in_widths, "input")
    out_ports = _ports(dut, out_names, out_widths, "output")
    missing = [p.name for p in out_ports if p.valid is None]
    assert not missing, f"outputs {missing} have no {VALID_SUFFIX}: cannot tell when they are written"
    dut._log.info("data ports %s: inputs %s, outputs %s", how, in_names, out_names)
    n = len(inputs)

    def offer(row: np.ndarray | None) -> None:
        dut.ap_start.value = int(row is not None)
        for port in in_ports:
            if row is not None:
                port.handle.value = pack(row[port.elements], in_widths[port.elements])
            if port.valid is not None:
                port.valid.value = int(row is not None)

    cocotb.start_soon(Clock(dut.ap_clk, 10, unit="ns").start())
    # the reset port and its active level: ap_rst (high), else ap_rst_n (low)
    reset, active = (dut.ap_rst, 1) if hasattr(dut, "ap_rst") else (dut.ap_rst_n, 0)
    reset.value = active
    offer(None)
    for _ in range(3):
        await FallingEdge(dut.ap_clk)
    reset.value = 1 - active
    await ReadOnly()
    idle_after_reset = bool(dut.ap_idle.value)

    accept_cycles: list[int] = []
    ready_cycles: list[int] = []
    output_cycles: list[int] = []
    outputs: list[list[int]] = []
    written: list[list[tuple[list[int], int]]] = [[] for _ in out_ports]  # per port: (values, edge)
    cycle, sent, offered, stalled, done_count = 0, 0, False, 0, 0

    def sample(edge: int) -> bool:
        """Record what the block presents for `edge`; True if it made progress."""
        nonlocal done_count
        progress = False
        done_count += int(bool(dut.ap_done.value))
        for port, seen in zip(out_ports, written, strict=True):
            if port.valid.value:
                word, elements = int(port.handle.value), port.elements
                seen.append((unpack(word, out_widths[elements], out_signed[elements]), edge))
                progress = True
        while all(len(seen) > len(outputs) for seen in written):
            parts = [seen[len(outputs)] for seen in written]
            outputs.append([v for values, _ in parts for v in values])
            output_cycles.append(max(edge for _, edge in parts))
        return progress

    while len(outputs) < n:
        await FallingEdge(dut.ap_clk)
        cycle += 1
        if not offered:
            offer(inputs[sent] if sent < n else None)
            if sent < n:
                accept_cycles.append(cycle + 1)
                offered = True
        await ReadOnly()
        progress = sample(cycle + 1)
        if offered and dut.ap_ready.value:
            ready_cycles.append(cycle + 1)
            sent += 1
            offered = False
            progress = True
        stalled = 0 if progress else stalled + 1
        assert stalled < DRAIN_LIMIT, (
            f"no ap_ready or output for {DRAIN_LIMIT} cycles after {sent} vectors "
            f"taken and {len(outputs)} of {n} results"
        )

    # Drain: nothing more may come out, and the block must go idle.
    extra, idle_at_end = 0, False
    for _ in range(IDLE_LIMIT):
        await FallingEdge(dut.ap_clk)
        cycle += 1
        offer(None)
        await ReadOnly()
        extra += int(sample(cycle + 1))
        if dut.ap_idle.value:
            idle_at_end = True
            break

    with open(os.environ["HARNESS_TB_RESULT"], "w") as fh:
        json.dump(
            {
                "outputs": [[str(v) for v in row] for row in outputs[:n]],
                "accept_cycles": accept_cycles,
                "output_cycles": output_cycles[:n],
                "ready_cycles": ready_cycles,
                "done_count": done_count,
                "idle_after_reset": idle_after_reset,
                "idle_at_end": idle_at_end,
            },
            fh,
        )

    assert idle_after_reset, "ap_idle was low after reset with ap_start low"
    assert extra == 0, f"the block wrote outputs in {extra} cycles after the last of the {n} results"
    assert done_count == n, f"ap_done rose {done_count} times for {n} vectors"
    assert idle_at_end, f"ap_idle stayed low for {IDLE_LIMIT} cycles after the last result"
    if "expected" in data:
        comparison = compare(inputs, data["expected"], np.array(outputs, dtype=object))
        assert comparison.exact, comparison.summary()
        dut._log.info("bit-exact: %d vectors, 0 mismatches", n)
