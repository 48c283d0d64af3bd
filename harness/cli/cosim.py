"""`harness cosim`: co-simulate the RTL Vivado/Vitis HLS exported for an hls4ml or conifer project on
Verilator, against the project's own testbench vectors (`harness.cosim` does the work)."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from harness.cosim.job import prepare
from harness.cosim.precision import DEFAULT_PRECISION
from harness.cosim.record import run
from harness.cosim.vectors import TB_EXPECTED, TB_INPUTS
from harness.cosim.verilog import VERILOG_PLACES
from harness.sim import SimulationError
from harness.toolchain import Toolchain


def _cli(args: Any) -> int:
    project = Path(args.project)
    job = prepare(
        project,
        top=args.top,
        inputs=args.inputs,
        expected=args.expected,
        vectors=args.vectors,
        input_precision=args.input_precision,
        output_precision=args.output_precision,
    )
    toolchain = Toolchain.discover()
    for tool in ("verilator", "make", "c++"):
        toolchain.require(tool)
    n = len(job.vectors.inputs)
    print(f"[cosim] Verilog: {job.verilog_dir} ({len(job.sources)} files); top {job.top} ({job.top_reason})")
    for side, what in ((job.inputs, "inputs"), (job.outputs, "outputs")):
        print(f"[cosim] {what}: {side.describe()} (type from {side.precision.source})")
    print(f"[cosim] {n} vectors from {job.inputs_file} against {job.expected_file}")
    out = Path(args.out) if args.out else Path("runs") / "cosim" / f"{job.top}-{job.key()}"
    start = time.monotonic()
    try:
        metrics, comparison = run(job, out, toolchain)
    except SimulationError:
        print(f"error: {_failure(out / 'sim' / 'sim.log')}")
        return 2
    latency, verification = metrics.latency, metrics.verification.extra
    verdict = "bit-exact" if verification["bit_exact"] else "NOT bit-exact"
    print(f"[cosim] {verdict}: {comparison.summary()}")
    if not verification["testbench_passed"] and comparison.exact:
        print(f"[cosim] the testbench failed on the block protocol; see {out / 'sim' / 'sim.log'}")
    print(
        f"[cosim] latency {latency.cycles} cycles (max {latency.max_cycles}), "
        f"II {latency.ii_cycles} cycles, measured by {latency.source}; {time.monotonic() - start:.1f} s"
    )
    print(f"wrote {out / 'metrics.json'}")
    return 0 if verification["bit_exact"] else 1


def _failure(log: Path) -> str:
    """Why Verilator could not build or run the RTL: the first error line of the simulation log."""
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    cause = next((line.strip() for line in lines if re.search(r"%Error|AssertionError|\berror:", line)), None)
    return f"the Verilog did not build or run: {cause or 'no error line'} (log: {log})"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "cosim",
        help="co-simulate the RTL Vivado/Vitis HLS exported for an hls4ml or conifer project on Verilator",
        description="Find the exported Verilog under PROJECT_DIR "
        f"({VERILOG_PLACES}), drive it with the reference vectors through the ap_ctrl_hs/ap_vld "
        "testbench on Verilator, compare every output word as an integer and measure latency and II. "
        "Exit 0 if bit-exact, 1 on mismatches, 2 on bad input.",
    )
    parser.add_argument("project", metavar="PROJECT_DIR", help="hls4ml / conifer project folder")
    parser.add_argument("--top", help="the HLS top module (default: from the project)")
    parser.add_argument(
        "--inputs", type=Path, metavar="FILE", help=f"input vectors, one a line (default {TB_INPUTS})"
    )
    parser.add_argument(
        "--expected", type=Path, metavar="FILE", help=f"expected outputs, one a line (default {TB_EXPECTED})"
    )
    parser.add_argument("--vectors", type=int, metavar="N", help="use the first N vectors (default all)")
    parser.add_argument("--out", help="output folder (default runs/cosim/<top>-<hash>)")
    parser.add_argument(
        "--input-precision",
        metavar="T",
        help="input type, e.g. ap_fixed<16,6> (default: input_t in defines.h / parameters.h, "
        f"hls4ml_config.yml, {DEFAULT_PRECISION})",
    )
    parser.add_argument(
        "--output-precision",
        metavar="T",
        help="output type (default: result_t in defines.h / score_t in parameters.h, hls4ml_config.yml, "
        f"{DEFAULT_PRECISION})",
    )
    parser.set_defaults(func=_cli)
