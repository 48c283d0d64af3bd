"""The Verilator back end: cocotb's runner builds the design, with the C++ stream driver on the fast path.

The testbench offers a new vector whenever the design is ready, so the measured initiation interval
is the design's own, and it measures latency as the rising edges between the edge that accepted a
vector and the edge that registered its result.

The simulation runs in a child Python process with the toolchain's environment: cocotb's runner
and Verilator read PATH and VERILATOR_ROOT, and this keeps them out of the caller's process.

Fast path: cocotb pays Python for every clock cycle (a few hundred vectors/s on a loaded 2-core
machine), so a stream-interface design is built once with `tb/stream_main.cpp` as its main. The
same executable is cocotb's Verilator main for `tb.stream`, which checks the handshake, latency and
II on the first `SimJob.cocotb_vectors` vectors, and, with `--stream`, a C++ driver that streams
every vector cycle for cycle as `tb.stream` does and writes all output words and their cycles. On
several cores it splits the vectors into consecutive chunks, each streamed from reset through its
own model instance on its own thread (`stream_threads`; the first chunk is the single-threaded run).
Every word of every vector is compared here, and the cocotb run must agree with the C++ driver on
its prefix word for word and cycle for cycle, or the simulation fails.

What a run leaves in its work folder, whichever path ran: `vectors.npz` (every vector simulated: inputs,
widths, expected outputs), `outputs.json` (every output word the RTL produced, one list per vector),
`sim.log`; the cocotb run's own `tb_result.json` (and, on the fast path, its prefix as
`cocotb_vectors.npz`).

"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from harness.sim.job import SimJob, SimResult, SimulationError
from harness.sim.vectors import StreamVectors, pack_words, unpack_words
from harness.toolchain import Toolchain
from harness.verify import compare

#: The executable's main for stream designs: cocotb's Verilator main plus the C++ stream driver.
STREAM_MAIN = Path(__file__).resolve().parents[2] / "tb" / "stream_main.cpp"


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
        n = job.vectors.inputs.shape[0]
        cocotb_vectors = job.vectors.head(job.cocotb_vectors) if job.uses_fast_path else job.vectors
        raw = self._build_and_run_cocotb(job, cocotb_vectors)
        simulator = f"{tool.label} + cocotb {_cocotb_version()}"
        log = job.work_dir / "sim.log"
        if not job.uses_fast_path:
            return _kept(job, _result(raw, job.vectors, simulator, log))
        start = time.monotonic()
        streamed = self._stream(job, Path(raw["executable"]))
        stream_seconds = round(time.monotonic() - start, 2)
        cocotb_result = _result(raw, cocotb_vectors, simulator, log)
        _check_agreement(cocotb_result.outputs, raw, streamed)
        result = _result(
            {**raw, **streamed, "run_seconds": round(raw["run_seconds"] + stream_seconds, 2)},
            job.vectors,
            f"{simulator} (cocotb on {cocotb_vectors.inputs.shape[0]} vectors, C++ stream driver on all {n})",
            log,
        )
        result.cocotb_vectors = cocotb_vectors.inputs.shape[0]
        result.cocotb_seconds = raw["run_seconds"]
        result.stream_seconds = stream_seconds
        with open(log, "a") as fh:
            summary = result.comparison.summary() if result.comparison else "no reference"
            fh.write(f"[sim] C++ stream driver: {n} vectors in {stream_seconds:.2f} s; {summary}\n")
        return _kept(job, result)

    def _build_and_run_cocotb(self, job: SimJob, vectors: StreamVectors) -> dict:
        """Build the model in a child process and run the cocotb testbench on `vectors`; the raw result."""
        vectors_path = job.work_dir / ("cocotb_vectors.npz" if job.uses_fast_path else "vectors.npz")
        result_path = job.work_dir / "tb_result.json"
        result_path.unlink(missing_ok=True)
        vectors.save(vectors_path)
        spec: dict[str, Any] = {  # sim_job.json, read by the child (_child_main)
            "top": job.top,
            "sources": [str(Path(s).resolve()) for s in job.sources],
            "build_dir": str((job.work_dir / "sim_build").resolve()),
            "testbench": job.testbench,
            "main": str(STREAM_MAIN) if job.uses_fast_path else None,
            "build_args": self.build_args,
            "cxx_opt": self.cxx_opt,
            "vectors": str(vectors_path.resolve()),
            "result": str(result_path.resolve()),
            "tb_env": job.tb_env,
        }
        spec_path = job.work_dir / "sim_job.json"
        spec_path.write_text(json.dumps(spec, indent=1))
        log_path = job.work_dir / "sim.log"
        n = vectors.inputs.shape[0]
        print(
            f"[sim] verilator: building {job.top} and streaming {n} vectors through cocotb (log: {log_path})"
        )
        with open(log_path, "w") as log:
            try:
                proc = subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "harness.sim.verilator",
                        str(spec_path.resolve()),
                    ],  # cwd is work_dir
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
            raise SimulationError(
                f"simulation of {job.top} failed (exit {proc.returncode}); last lines of {log_path}:\n"
                + _tail(log_path)
            )
        return {**json.loads(result_path.read_text()), "executable": str(Path(spec["build_dir"]) / job.top)}

    def _stream(self, job: SimJob, executable: Path) -> dict:
        """All vectors through the C++ stream driver; outputs and cycles in `_result`'s raw form."""
        vectors = job.vectors
        n = vectors.inputs.shape[0]
        in_path, out_path = job.work_dir / "stream_in.bin", job.work_dir / "stream_out.bin"
        pack_words(vectors.inputs, vectors.in_widths).tofile(in_path)
        threads = stream_threads(n, job.cocotb_vectors)
        print(f"[sim] C++ stream driver: {n} vectors on {threads} thread(s)", flush=True)
        try:
            proc = subprocess.run(
                [
                    str(executable),
                    "--stream",
                    str(in_path.resolve()),
                    str(out_path.resolve()),
                    str(n),
                    str(threads),
                ],
                capture_output=True,
                text=True,
                env=self.toolchain.env(),
                timeout=job.timeout_s,
                cwd=job.work_dir,
            )
        except subprocess.TimeoutExpired as exc:
            raise SimulationError(f"C++ stream driver on {job.top} exceeded {job.timeout_s:.0f} s") from exc
        if proc.returncode != 0:
            raise SimulationError(
                f"C++ stream driver on {job.top} failed (exit {proc.returncode}): {proc.stderr.strip()}"
            )
        out_words = -(-sum(vectors.out_widths) // 32)
        data = np.fromfile(out_path, dtype=np.uint8)
        if data.size != n * (4 * out_words + 16):
            raise SimulationError(f"C++ stream driver wrote {data.size} bytes for {n} vectors to {out_path}")
        words = data[: n * 4 * out_words].view("<u4").reshape(n, out_words)
        cycles = data[n * 4 * out_words :].view("<u8").astype(np.int64)
        return {
            "outputs": unpack_words(words, vectors.out_widths, vectors.out_signed),
            "accept_cycles": cycles[:n],
            "output_cycles": cycles[n:],
        }


#: Vectors per thread below which the stream driver does not split the stream (a thread's start-up and
#: the model's reset cost more than the vectors).
MIN_VECTORS_PER_THREAD = 2000


def stream_threads(n: int, prefix: int) -> int:
    """Threads for the C++ stream driver: one per core this process may use, at most one per
    MIN_VECTORS_PER_THREAD vectors, and never so many that the first chunk (the one checked cycle for
    cycle against cocotb's run of the first `prefix` vectors) would be shorter than that prefix."""
    cores = len(os.sched_getaffinity(0))
    return max(1, min(cores, n // MIN_VECTORS_PER_THREAD, n // max(prefix, 1)))


def _check_agreement(cocotb_outputs: np.ndarray, cocotb_raw: dict, streamed: dict) -> None:
    """The cocotb run and the C++ driver saw the same design and vectors: same words, same cycles."""
    k = cocotb_outputs.shape[0]
    for name, ours, theirs in (
        ("output words", streamed["outputs"][:k], cocotb_outputs),
        ("accept cycles", streamed["accept_cycles"][:k], np.asarray(cocotb_raw["accept_cycles"])),
        ("output cycles", streamed["output_cycles"][:k], np.asarray(cocotb_raw["output_cycles"])),
    ):
        if ours.shape != theirs.shape or not np.array_equal(ours.astype(object), theirs.astype(object)):
            bad = next((i for i in range(min(len(ours), len(theirs))) if np.any(ours[i] != theirs[i])), None)
            raise SimulationError(
                f"the C++ stream driver and cocotb disagree on {name} of the first {k} vectors "
                f"(first difference at vector {bad}: {ours[bad] if bad is not None else ours.shape} vs "
                f"{theirs[bad] if bad is not None else theirs.shape})"
            )


def _tail(log: Path, lines: int = 40) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def _cocotb_version() -> str:
    from importlib import metadata

    return metadata.version("cocotb")


def _kept(job: SimJob, result: SimResult) -> SimResult:
    """Leave every simulated vector and every output word in the work folder (see the module docstring)."""
    job.vectors.save(job.work_dir / "vectors.npz")
    outputs = [[int(v) for v in row] for row in result.outputs]
    (job.work_dir / "outputs.json").write_text(json.dumps({"outputs": outputs}))
    return result


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
        cocotb_vectors=int(outputs.shape[0]),
        cocotb_seconds=raw["run_seconds"],
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
    cocotb_main = cocotb_config.share_dir / "lib" / "verilator"
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
        "-CFLAGS",
        f"-I{cocotb_main}",  # stream_main.cpp includes cocotb's verilator.cpp
        *spec["build_args"],
        spec["main"] or str(cocotb_main / "verilator.cpp"),
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
