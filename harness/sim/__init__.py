"""RTL simulation: cocotb testbenches on a simulator back end, results back as integers.

Every design the harness generates has the same streaming top-level interface, so one testbench
(`tb/stream.py`) drives all of them:

    clk, rst                     clock, synchronous active-high reset
    in_valid, in_ready, in_data  input handshake; `in_ready` depends only on internal state. in_data
                                 packs element 0 in the low bits, each element `in_widths[i]` wide
    out_valid, out_data          one cycle pulse per result, packed like in_data

A simulator back end (`Simulator`: a name and `run(job) -> SimResult`) is found by name with
`get_simulator`; Verilator (`harness.sim.verilator`) is the one back end today.
"""

from __future__ import annotations

from harness.errors import SpecError
from harness.sim.job import COCOTB_VECTORS, STREAM_TESTBENCH, SimJob, SimResult, SimulationError, Simulator
from harness.sim.vectors import StreamVectors, pack_words, unpack_words
from harness.sim.verilator import VerilatorSimulator
from harness.toolchain import Toolchain

#: The simulator back ends by name.
SIMULATORS: dict[str, type[VerilatorSimulator]] = {"verilator": VerilatorSimulator}


def get_simulator(name: str, toolchain: Toolchain) -> Simulator:
    """The back end `name` on `toolchain`. Raises SpecError naming the valid names for another name."""
    try:
        return SIMULATORS[name](toolchain)
    except KeyError:
        raise SpecError(f"simulator {name!r} is not known; valid: {', '.join(SIMULATORS)}") from None


__all__ = [
    "COCOTB_VECTORS",
    "SIMULATORS",
    "STREAM_TESTBENCH",
    "SimJob",
    "SimResult",
    "SimulationError",
    "Simulator",
    "StreamVectors",
    "VerilatorSimulator",
    "get_simulator",
    "pack_words",
    "unpack_words",
]
