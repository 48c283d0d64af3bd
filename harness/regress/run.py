"""One golden design through the open flow, from its spec: train (or the trained-model cache), convert,
emulate, generate the RTL, Yosys (or the Yosys cache, keyed by the RTL's bytes), and the RTL simulation
on Verilator, which always runs. What comes back is an `Observation`: every RTL output word, the
vector set's hash, and the numbers a baseline holds, each with its source.

Each design runs in its own spawned process (TensorFlow state and memory stay there), with its
output in `<out>/<name>/flow.log`.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from harness.ladder import Evaluation
from harness.record import Record
from harness.regress.golden import GoldenDesign
from harness.store import digest
from harness.toolchain import Toolchain


@dataclass
class Observation:
    """What one run of a golden design produced."""

    name: str
    spec: dict
    design_hash: str
    input_files: dict[str, str]  # file -> SHA-256 of the spec's input files (pretrained models, data)
    inputs: np.ndarray  # (vectors, n_in) integer codes driven into the RTL
    words: np.ndarray  # (vectors, n_out) RTL output words (Python ints)
    metrics: dict[str, float | int | None]  # FIELDS plus reference_mismatches; unknown is None
    sources: dict[str, str | None]
    tools: dict[str, str | None]
    seconds: dict[str, float]
    record: Path  # the run's metrics.json

    @property
    def vectors_hash(self) -> str:
        return vectors_hash(self.inputs)


def vectors_hash(inputs: np.ndarray) -> str:
    """The identity of a vector set: its shape and every input code."""
    codes = np.asarray(inputs, dtype=np.int64)
    return digest({"shape": list(codes.shape), "codes": digest(codes.tobytes())})


def observe(golden: GoldenDesign, work: Path) -> Observation:
    """Run `golden` from its spec in `work` (emptied first: nothing of an earlier run is reused)."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    with (
        open(work / "flow.log", "w") as log,
        contextlib.redirect_stdout(log),
        contextlib.redirect_stderr(log),
    ):
        return _observe(golden, work)


def _observe(golden: GoldenDesign, work: Path) -> Observation:
    start = time.monotonic()
    spec = golden.spec()
    evaluation = Evaluation(spec, work, Toolchain.discover())
    record = evaluation.climb("verify")
    point, sim = evaluation.point, evaluation.sim
    assert point is not None and sim is not None  # a fresh evaluation simulated at verify
    n = sim.outputs.shape[0]
    seconds = {**point.timings, "total": round(time.monotonic() - start, 2)}
    return Observation(
        name=golden.name,
        spec=json.loads(json.dumps(spec.to_dict(), default=str)),
        design_hash=spec.design_hash(),
        input_files=spec.file_digests(),
        inputs=np.asarray(point.vectors().inputs[:n], dtype=np.int64),
        words=sim.outputs,
        metrics=metrics(record),
        sources=sources(record),
        tools=dict(record.tools),
        seconds=seconds,
        record=work / "metrics.json",
    )


def metrics(record: Record) -> dict[str, float | int | None]:
    """The baseline's numbers from a flow record at fidelity verify."""
    latency, resources, estimate = record.latency, record.resources, record.estimate
    return {
        "rtl_accuracy": record.accuracy.rtl,
        "latency_cycles": latency.cycles,
        "ii_cycles": latency.ii_cycles,
        **{name: getattr(resources, name) for name in ("lut", "ff", "dsp", "bram", "carry")},
        **{
            f"estimate_{name}": estimate.get(name)
            for name in ("lut", "ff", "dsp", "latency_cycles", "ii_cycles")
        },
        "reference_mismatches": record.verification.mismatches,
    }


def sources(record: Record) -> dict[str, str | None]:
    """Where each group of numbers comes from (tool and version, or the estimate's method)."""
    verification = record.verification
    return {
        "rtl_accuracy": f"{verification.simulator} on {record.accuracy.rtl_events} test vectors",
        "latency": record.latency.source,
        "resources": record.resources.source,
        "estimate": record.estimate.get("source"),
        "reference": verification.reference,
    }
