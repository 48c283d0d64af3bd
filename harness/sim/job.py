"""What a simulator is given (`SimJob`) and gives back (`SimResult`), and the interface a simulator back
end implements (`Simulator`); `harness.sim.get_simulator` finds one by name."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from harness.errors import ToolError
from harness.sim.vectors import StreamVectors
from harness.verify import Comparison

STREAM_TESTBENCH = "tb.stream"


#: Vectors the cocotb testbench also streams when the C++ driver streams them all.
COCOTB_VECTORS = 200


@dataclass
class SimJob:
    """What to simulate: sources, top module, vectors, and where the build lives."""

    top: str
    sources: list[Path]
    work_dir: Path
    vectors: StreamVectors
    testbench: str = STREAM_TESTBENCH
    timeout_s: float = 1800.0
    tb_env: dict[str, str] = field(default_factory=dict)  # extra variables for the testbench
    #: Stream testbench only: all vectors through the C++ driver and the first `cocotb_vectors`
    #: through cocotb as well (see the module docstring); False streams every vector through cocotb.
    fast: bool = True
    cocotb_vectors: int = COCOTB_VECTORS

    @property
    def uses_fast_path(self) -> bool:
        return self.fast and self.testbench == STREAM_TESTBENCH


@dataclass
class SimResult:
    simulator: str
    outputs: np.ndarray
    latency_cycles: int | None
    latency_max_cycles: int | None
    ii_cycles: float | None
    build_seconds: float
    run_seconds: float
    comparison: Comparison | None = None
    log: Path | None = None
    testbench_passed: bool = True
    cocotb_vectors: int | None = None  # vectors the cocotb testbench streamed itself
    cocotb_seconds: float | None = None  # its share of run_seconds
    stream_seconds: float | None = None  # the C++ stream driver's share (fast path only)

    def metrics(self) -> dict:
        """The verification fields of metrics.json."""
        comp = self.comparison
        return {
            "vectors": int(self.outputs.shape[0]),
            "mismatches": comp.mismatched_words if comp else None,
            "mismatched_vectors": comp.mismatched_vectors if comp else None,
            "first_mismatches": [asdict(m) for m in comp.first] if comp else [],
            "simulator": self.simulator,
            "cocotb_vectors": self.cocotb_vectors,
        }


class SimulationError(ToolError):
    """The simulator could not build or run the design; the message carries the log's tail."""


class Simulator(Protocol):
    """A simulator back end: builds the sources and runs a cocotb testbench against them."""

    name: str

    def run(self, job: SimJob) -> SimResult: ...
