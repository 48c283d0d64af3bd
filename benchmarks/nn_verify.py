"""Benchmark 1, RTL verification throughput of an NN: the harness against da4ml's own Verilator binder.

Same design, same vectors: the default jet MLP (designs/jet_mlp.yaml, 6-bit 16-64-32-32-5, da4ml RTL)
is prepared once (train, hls4ml conversion and C simulation, da4ml RTL), then verified by

- da4ml's binder: `RTLModel(pipeline).compile()` (Verilator + g++, OpenMP) and `predict()` on the
  same input codes; its outputs are turned back into integer codes and compared here, so its
  end-to-end time includes the comparison. It checks nothing itself and measures no latency or II.
- the harness, default (fast) path: one Verilator build, cocotb on the first vectors (handshake,
  latency, II), the C++ stream driver on every vector (split over one thread per core, as da4ml's
  binder splits its batch over OpenMP threads), every word compared (harness.sim).
- the harness, cocotb only (the path before the fast one existed): every vector through cocotb.
  Run at the smallest vector count only (its rate is printed; larger counts scale with it).
- at the largest count, the fast path again with the Verilated model compiled at `-O1` instead of the
  flow's `-O0`: about 3x the stream rate for about 3x the build time (see docs/explanation/benchmarks.md).

The test set has 12 000 events; larger counts repeat it (the reference outputs repeat with it).

    python benchmarks/nn_verify.py [--vectors 10000 100000] [--repeat 3] [--set training.epochs=10]

Writes benchmarks/results/nn_verify.json.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import numpy as np
from common import ROOT, cold, harness_numbers, ratio, repeat, table, timed, versions, write_result

DESIGN = ROOT / "designs" / "jet_mlp.yaml"


def tiled(vectors, n: int):
    """`vectors` repeated to `n` rows (inputs and reference outputs alike)."""
    from harness.sim import StreamVectors

    rows = vectors.inputs.shape[0]
    reps = -(-n // rows)
    return StreamVectors(
        np.tile(vectors.inputs, (reps, 1))[:n],
        vectors.in_widths,
        vectors.out_widths,
        vectors.out_signed,
        np.tile(vectors.expected, (reps, 1))[:n],
    )


def da4ml_binder(point, work: Path, toolchain):
    """da4ml's RTLModel for the pipeline the harness's RTL was written from, compiled (da4ml's
    defaults: OpenMP on, `-O`) with the toolchain's Verilator (its make reads PATH and MAKEFLAGS)."""
    from da4ml.cmvm.types import Pipeline
    from da4ml.codegen import RTLModel

    pipe = Pipeline.load(str(point.rtl.sources[-1].parent / "da4ml" / "model" / "pipeline.json"))
    shutil.rmtree(work, ignore_errors=True)
    model = RTLModel(pipe, f"{point.spec.name}_core", work, flavor="verilog", print_latency=False)
    model.write()
    model._compile(_env=toolchain.env())  # compile() = write() + _compile(); only _compile takes an env
    return model


def da4ml_predict(model, point, vectors) -> np.ndarray:
    """The binder's outputs for the input codes, as integer output codes."""
    in_frac = point.converted.input_types[0].frac
    out_frac = point.converted.output_types[0].frac
    scores = model.predict(vectors.inputs.astype(np.float64) / 2.0**in_frac)
    return np.round(scores.astype(np.float64) * 2.0**out_frac).astype(np.int64)


def harness_run(point, vectors, work: Path, toolchain, fast: bool, cxx_opt: str | None = None):
    from harness.sim import SimJob, VerilatorSimulator

    job = SimJob(point.rtl.top, point.rtl.sources, work, vectors, fast=fast, timeout_s=3600)
    simulator = VerilatorSimulator(toolchain)
    if cxx_opt is not None:
        simulator.cxx_opt = cxx_opt
    return timed(lambda: simulator.run(job))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vectors", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3, help="repetitions of da4ml's predict()")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="spec override")
    parser.add_argument("--out", type=Path, default=ROOT / "runs" / "bench" / "nn_verify")
    parser.add_argument(
        "--cxx-opt",
        nargs="*",
        default=["-O1"],
        help="at the largest vector count, also run the fast path with the model at these C++ levels",
    )
    args = parser.parse_args(argv)
    cold(args.out)

    from harness.flow import prepare
    from harness.spec import load
    from harness.toolchain import Toolchain
    from harness.verify import compare

    toolchain = Toolchain.discover()
    spec = load(DESIGN, args.set)
    prepare_s, point = timed(lambda: prepare(spec, args.out / "design", toolchain))
    base = point.vectors()
    base = type(base)(
        point.emulation.input_codes,
        base.in_widths,
        base.out_widths,
        base.out_signed,
        point.emulation.output_codes,
    )

    da4ml_build_s, model = timed(lambda: da4ml_binder(point, args.out / "da4ml", toolchain))
    rows, runs = [], {}
    for n in args.vectors:
        vectors = tiled(base, n)
        predict, outputs = repeat(lambda v=vectors: da4ml_predict(model, point, v), args.repeat)
        compare_s, comparison = timed(lambda v=vectors, o=outputs: compare(v.inputs, v.expected, o))
        fast_s, fast = harness_run(point, vectors, args.out / f"fast-{n}", toolchain, fast=True)
        run = {
            "da4ml": {
                "build_s": da4ml_build_s,
                "predict_s": predict.to_dict(),
                "compare_s": compare_s,
                "end_to_end_s": round(da4ml_build_s + predict.median + compare_s, 2),
                "vectors_per_s": round(n / predict.median),
                "mismatches": comparison.mismatched_words,
            },
            "harness_fast": harness_numbers(fast_s, fast, n),
        }
        for opt in args.cxx_opt if n == max(args.vectors) else []:
            opt_s, opt_result = harness_run(point, vectors, args.out / f"fast{opt}-{n}", toolchain, True, opt)
            run[f"harness_fast{opt}"] = harness_numbers(opt_s, opt_result, n)
        if n == min(args.vectors):
            cocotb_s, slow = harness_run(point, vectors, args.out / f"cocotb-{n}", toolchain, fast=False)
            run["harness_cocotb_only"] = harness_numbers(cocotb_s, slow, n)
        runs[n] = run
        rows += table_rows(n, run)

    ratios = {n: _ratios(r) for n, r in runs.items()}
    print(f"\nnn_verify: {spec.name}, prepared in {prepare_s:.0f} s (train, convert, emulate, da4ml RTL)")
    print(table(HEADERS, rows))
    for n, r in ratios.items():
        print(f"  {n} vectors: " + "; ".join(f"{k.replace('_', ' ')} {v:.2f}x" for k, v in r.items() if v))
    report = {
        "design": spec.name,
        "overrides": args.set,
        "prepare_s": prepare_s,
        "runs": runs,
        "ratios": ratios,
    }
    tools = {"verilator": toolchain.require("verilator").label, **versions("da4ml", "cocotb", "hls4ml")}
    write_result("nn_verify", report, tools)
    bad = any(v.get("mismatches") for r in runs.values() for v in r.values())
    return 1 if bad else 0


def _ratios(run: dict) -> dict[str, float | None]:
    """Throughput ratios against da4ml's binder and cocotb alone, end-to-end ratios (>1: harness faster)."""
    da4ml, fast, cocotb = run["da4ml"], run["harness_fast"], run.get("harness_cocotb_only", {})
    out = {
        "stream_vs_da4ml_throughput": ratio(fast["vectors_per_s"], da4ml["vectors_per_s"]),
        "da4ml_vs_harness_end_to_end_s": ratio(da4ml["end_to_end_s"], fast["end_to_end_s"]),
        "stream_vs_cocotb_only_throughput": ratio(fast["vectors_per_s"], cocotb.get("vectors_per_s")),
        "cocotb_only_vs_fast_path_end_to_end_s": ratio(cocotb.get("end_to_end_s"), fast["end_to_end_s"]),
    }
    for key, numbers in run.items():
        if key.startswith("harness_fast-"):
            opt = key.removeprefix("harness_fast")
            out[f"stream_at_{opt}_vs_da4ml_throughput"] = ratio(
                numbers["vectors_per_s"], da4ml["vectors_per_s"]
            )
            out[f"da4ml_vs_harness_at_{opt}_end_to_end_s"] = ratio(
                da4ml["end_to_end_s"], numbers["end_to_end_s"]
            )
    return out


#: The columns of the results table (printed here, and on the docs' benchmark page).
HEADERS = ["vectors", "flow", "build s", "vectors/s", "end-to-end s", "mismatches", "latency", "II"]
#: What each flow of a run is; `harness_fast-O1` and the like are the fast path with the model at -O1.
FLOW_LABELS = {
    "da4ml": "da4ml binder (no checks)",
    "harness_fast": "harness: C++ stream driver + cocotb prefix (default, model at -O0)",
    "harness_cocotb_only": "harness: cocotb only",
}


def table_rows(n: int, run: dict) -> list[list]:
    """The rows of one vector count's run (flow -> its numbers, the JSON's form), as HEADERS names them."""
    return [
        [
            int(n),
            FLOW_LABELS.get(key, f"harness: C++ stream driver, model at {key.removeprefix('harness_fast')}"),
            v["build_s"],
            v["vectors_per_s"],
            v["end_to_end_s"],
            v["mismatches"],
            v.get("latency_cycles"),
            v.get("ii_cycles"),
        ]
        for key, v in run.items()
    ]


if __name__ == "__main__":
    sys.exit(main())
