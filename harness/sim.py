"""RTL simulation: cocotb testbenches on a simulator back end, results back as integers.

Every design the harness generates has the same streaming top-level interface, so one testbench
(`tb/stream.py`) drives all of them:

    clk, rst                     clock, synchronous active-high reset
    in_valid, in_ready, in_data  input handshake; `in_ready` depends only on internal state. in_data
                                 packs element 0 in the low bits, each element `in_widths[i]` wide
    out_valid, out_data          one cycle pulse per result, packed like in_data

The testbench offers a new vector whenever the design is ready, so the measured initiation interval
is the design's own, and it measures latency as the rising edges between the edge that accepted a
vector and the edge that registered its result.

The simulation runs in a child Python process with the toolchain's environment: cocotb's runner
and Verilator read PATH and VERILATOR_ROOT, and this keeps them out of the caller's process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from harness.toolchain import Toolchain
from harness.verify import Comparison, compare

STREAM_TESTBENCH = "tb.stream"


@dataclass(frozen=True)
class StreamVectors:
    """Integer codes to drive and the widths to pack them with."""

    inputs: np.ndarray  # (vectors, n_in) int codes
    in_widths: list[int]
    out_widths: list[int]
    out_signed: list[bool]
    expected: np.ndarray | None = None  # (vectors, n_out) reference codes, when known

    def save(self, path: Path) -> None:
        arrays = {
            "inputs": np.asarray(self.inputs, dtype=np.int64),
            "in_widths": np.asarray(self.in_widths),
            "out_widths": np.asarray(self.out_widths),
            "out_signed": np.asarray(self.out_signed, dtype=bool),
        }
        if self.expected is not None:
            arrays["expected"] = np.asarray(self.expected, dtype=np.int64)
        np.savez(path, **arrays)


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

    def metrics(self) -> dict:
        """The verification fields of metrics.json."""
        comp = self.comparison
        return {
            "vectors": int(self.outputs.shape[0]),
            "mismatches": comp.mismatched_words if comp else None,
            "mismatched_vectors": comp.mismatched_vectors if comp else None,
            "first_mismatches": [asdict(m) for m in comp.first] if comp else [],
            "simulator": self.simulator,
        }


class SimulationError(RuntimeError):
    """The simulator could not build or run the design; the message carries the log's tail."""


class Simulator(Protocol):
    """A simulator back end: builds the sources and runs a cocotb testbench against them."""

    name: str

    def run(self, job: SimJob) -> SimResult: ...


@dataclass
class VerilatorSimulator:
    """Verilator through cocotb's Python runner (not its Makefiles)."""

    toolchain: Toolchain
    build_args: list[str] = field(
        default_factory=lambda: [
            "-Wno-fatal",
            "-Wno-lint",
            "-Wno-style",
            "--x-assign",
            "fast",
            "--x-initial",
            "fast",
        ]
    )
    #: C++ optimisation of the Verilated model. The generated networks are wide and flat: at -O0
    #: the jet tagger compiles in 13 s instead of 70 s, and 10 000 vectors still simulate in seconds.
    cxx_opt: str = "-O0"
    name: str = "verilator"

    def run(self, job: SimJob) -> SimResult:
        tool = self.toolchain.require("verilator")
        self.toolchain.require("make")
        self.toolchain.require("c++")
        job.work_dir.mkdir(parents=True, exist_ok=True)
        vectors_path = job.work_dir / "vectors.npz"
        result_path = job.work_dir / "tb_result.json"
        result_path.unlink(missing_ok=True)
        job.vectors.save(vectors_path)
        spec = {
            "top": job.top,
            "sources": [str(Path(s).resolve()) for s in job.sources],
            "build_dir": str((job.work_dir / "sim_build").resolve()),
            "testbench": job.testbench,
            "build_args": self.build_args,
            "cxx_opt": self.cxx_opt,
            "vectors": str(vectors_path.resolve()),
            "result": str(result_path.resolve()),
            "tb_env": job.tb_env,
        }
        spec_path = job.work_dir / "sim_job.json"
        spec_path.write_text(json.dumps(spec, indent=1))
        log_path = job.work_dir / "sim.log"
        n = job.vectors.inputs.shape[0]
        print(f"[sim] verilator: building {job.top} and streaming {n} vectors (log: {log_path})", flush=True)
        with open(log_path, "w") as log:
            try:
                proc = subprocess.run(
                    [sys.executable, "-m", "harness.sim", str(spec_path.resolve())],  # cwd is work_dir
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=self.toolchain.env(),
                    timeout=job.timeout_s,
                    cwd=job.work_dir,
                )
            except subprocess.TimeoutExpired as exc:
                raise SimulationError(
                    f"simulation of {job.top} exceeded {job.timeout_s:.0f} s; log: {log_path}"
                ) from exc
        if proc.returncode != 0 or not result_path.exists():
            tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-40:])
            raise SimulationError(
                f"simulation of {job.top} failed (exit {proc.returncode}); last lines of {log_path}:\n{tail}"
            )
        raw = json.loads(result_path.read_text())
        return _result(raw, job.vectors, f"{tool.label} + cocotb {_cocotb_version()}", log_path)


def _cocotb_version() -> str:
    from importlib import metadata

    return metadata.version("cocotb")


def _result(raw: dict, vectors: StreamVectors, simulator: str, log: Path) -> SimResult:
    outputs = np.array([[int(v) for v in row] for row in raw["outputs"]], dtype=object)
    outputs = outputs.reshape(len(raw["outputs"]), len(vectors.out_widths))
    accepted = np.asarray(raw["accept_cycles"], dtype=np.int64)
    produced = np.asarray(raw["output_cycles"], dtype=np.int64)
    latencies = produced - accepted[: produced.size]
    ii = float(np.median(np.diff(accepted))) if accepted.size > 1 else None
    comparison = None
    if vectors.expected is not None:
        comparison = compare(vectors.inputs, vectors.expected, outputs)
    return SimResult(
        simulator=simulator,
        outputs=outputs,
        latency_cycles=int(latencies.min()) if latencies.size else None,
        latency_max_cycles=int(latencies.max()) if latencies.size else None,
        ii_cycles=ii,
        build_seconds=raw["build_seconds"],
        run_seconds=raw["run_seconds"],
        comparison=comparison,
        log=log,
        testbench_passed=raw["passed"],
    )


def _build_verilator(spec: dict) -> None:
    """Verilate and compile as cocotb's runner does, but with only the top level public.

    cocotb's runner always passes --public-flat-rw, which exposes every internal wire of a generated
    network through VPI: for the 16-64-32-32-5 jet tagger that is 43 MB of C++ and a 15-minute
    build. The testbench touches only the top-level ports, so --public-depth 1 suffices and the
    model is ten times smaller.
    """
    import cocotb_tools.config as cocotb_config

    libs = cocotb_config.libs_dir
    build_dir = Path(spec["build_dir"])
    verilate = [
        "verilator",
        "-cc",
        "--exe",
        "-Mdir",
        str(build_dir),
        "--top-module",
        spec["top"],
        "--vpi",
        "--public-depth",
        "1",
        "--prefix",
        "Vtop",
        "-o",
        spec["top"],
        "-LDFLAGS",
        f"-Wl,-rpath,{libs} -L{libs} -lcocotbvpi_verilator",
        *spec["build_args"],
        str(cocotb_config.share_dir / "lib" / "verilator" / "verilator.cpp"),
        *spec["sources"],
    ]
    print("[sim] verilating:", " ".join(verilate[:12]), "...", flush=True)
    subprocess.run(verilate, check=True)
    jobs = str(len(os.sched_getaffinity(0)))
    opt = spec["cxx_opt"]
    subprocess.run(
        [
            "make",
            "-j",
            jobs,
            "-C",
            str(build_dir),
            "-f",
            "Vtop.mk",
            "VM_TRACE=0",
            f"OPT_FAST={opt}",
            f"OPT_SLOW={opt}",
            f"OPT_GLOBAL={opt}",
        ],
        check=True,
    )


def _child_main(spec_path: str) -> int:
    """Child process: build with cocotb's runner, run the testbench, time both."""
    from cocotb_tools.runner import get_runner

    spec = json.loads(Path(spec_path).read_text())
    start = time.monotonic()
    _build_verilator(spec)
    built = time.monotonic()
    runner = get_runner("verilator")
    try:
        runner.test(
            hdl_toplevel=spec["top"],
            hdl_toplevel_lang="verilog",
            test_module=spec["testbench"],
            build_dir=spec["build_dir"],
            test_dir=spec["build_dir"],
            extra_env={
                **spec["tb_env"],
                "HARNESS_TB_VECTORS": spec["vectors"],
                "HARNESS_TB_RESULT": spec["result"],
            },
        )
        passed = True
    except SystemExit:  # the runner's way of saying the cocotb test failed; its reason is in the log
        passed = False
    done = time.monotonic()
    result_path = Path(spec["result"])
    if not result_path.exists():
        print("testbench wrote no result", file=sys.stderr)
        return 1
    raw = json.loads(result_path.read_text())
    raw.update(build_seconds=round(built - start, 2), run_seconds=round(done - built, 2), passed=passed)
    result_path.write_text(json.dumps(raw))
    return 0


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1]))
