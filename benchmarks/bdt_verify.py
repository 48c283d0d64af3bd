"""Benchmark 2, RTL verification throughput of a BDT: the harness's Verilog on Verilator against
conifer's own VHDL backend simulated by conifer with GHDL.

Same forest, same vectors: each design (the track-quality BDT, designs/track_quality_bdt.yaml, and
the jet BDT, designs/jet_bdt.yaml) is prepared once (data, xgboost training, conifer conversion, the
conifer cpp emulation that is the reference, the harness's Verilog). The first `--vectors` test
events (as input codes) are then verified by

- the harness: the flow's verify stage (`harness.flow.simulate`): one Verilator build, cocotb on the
  first 200 vectors (handshake, latency, II), the C++ stream driver on every vector, every output
  word compared with the reference;
- conifer's VHDL: the same conifer model loaded with the `vhdl` backend, `model.compile()` (conifer
  writes its VHDL and runs its GHDL compile script) and `model.decision_function()` (conifer writes
  the inputs to a file, GHDL runs conifer's testbench, conifer reads the scores back); its outputs,
  as integer codes, are compared here with the same reference, so its seconds to a verdict include
  the comparison. It checks no handshake and measures no latency or II.

Precisions: conifer's vhdl backend needs one signed type for inputs, thresholds and scores; both
designs use ap_fixed<16,6> for all three (the harness's Verilog and the cpp reference use the same).
Build folders are removed before each build, so both builds are cold.

    python benchmarks/bdt_verify.py [--vectors 10000] [--repeat 1] [--designs track_quality_bdt jet_bdt]

Without GHDL the conifer side prints "skipped: <reason>" and the JSON records that reason.
Writes benchmarks/results/bdt_verify.json.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from common import ROOT, harness_numbers, ratio, repeat, table, timed, versions, write_result

DESIGNS = ["track_quality_bdt", "jet_bdt"]


def harness_verdict(point, toolchain) -> tuple[dict, object]:
    """The flow's verify stage on a cold build: build, cocotb prefix, C++ stream, compare."""
    from harness.flow import simulate

    shutil.rmtree(point.out_dir / "sim", ignore_errors=True)
    seconds, result = timed(lambda: simulate(point, toolchain))
    numbers = harness_numbers(seconds, result, result.outputs.shape[0])
    if result.comparison.mismatched_words:
        print(result.comparison.summary())
    return {"simulator": result.simulator, **numbers}, result.outputs


def conifer_vhdl_verdict(point, work: Path, toolchain, times: int) -> tuple[dict, object]:
    """conifer's vhdl backend under GHDL on the same input codes: compile, run `times` times, compare.

    Returns its numbers and outputs, or {"skipped": reason} and None where GHDL is missing or the
    design's precisions are not ones the vhdl backend accepts."""
    from harness.bdt.backend import ConiferBackendError
    from harness.bdt.emulate import vhdl_model, vhdl_outputs
    from harness.verify import compare

    ghdl = toolchain["ghdl"]
    if not ghdl.found:
        return {"skipped": f"GHDL is not available ({ghdl.problem or 'not found'}; {ghdl.hint})"}, None
    vectors = point.vectors()
    in_type, out_type = point.converted.input_types[0], point.converted.output_types[0]
    model_file = Path(point.converted.info["conifer_model_file"])
    shutil.rmtree(work, ignore_errors=True)
    try:
        build_s, model = timed(
            lambda: vhdl_model(model_file, in_type, out_type, work, toolchain, point.spec.firmware.part)
        )
    except ConiferBackendError as exc:
        return {"skipped": str(exc)}, None
    run, outputs = repeat(
        lambda: vhdl_outputs(model, in_type, out_type, vectors.inputs, work, toolchain), times
    )
    compare_s, comparison = timed(lambda: compare(vectors.inputs, vectors.expected, outputs))
    if comparison.mismatched_words:
        print(comparison.summary())
    n = vectors.inputs.shape[0]
    return {
        "simulator": f"{ghdl.label} via conifer {point.converted.info['conifer']} vhdl backend",
        "build_s": build_s,
        "run_s": run.to_dict(),
        "compare_s": compare_s,
        "end_to_end_s": round(build_s + run.median + compare_s, 2),
        "vectors_per_s": round(n / run.median),
        "mismatches": comparison.mismatched_words,
    }, outputs


def bench_design(name: str, args: argparse.Namespace, toolchain) -> dict:
    from harness.flow import prepare
    from harness.spec import load

    spec = load(ROOT / "designs" / f"{name}.yaml", [f"verify.vectors={args.vectors}", *args.set])
    prepare_s, point = timed(lambda: prepare(spec, args.out / name / "design", toolchain))
    vectors = point.vectors()
    harness, harness_out = harness_verdict(point, toolchain)
    vhdl, vhdl_out = conifer_vhdl_verdict(point, args.out / name / "vhdl", toolchain, args.repeat)
    if vhdl_out is not None:
        # Both sides against each other directly as well (the same reference makes this 0 when both are 0).
        vhdl["mismatches_vs_harness_rtl"] = int((vhdl_out != harness_out).sum())
    return {
        "design": spec.name,
        "vectors": int(vectors.inputs.shape[0]),
        "inputs": len(vectors.in_widths),
        "outputs": len(vectors.out_widths),
        "trees": point.converted.info["n_outputs"] * spec.model.n_trees,
        "max_depth": spec.model.max_depth,
        "threshold_precision": point.converted.info["threshold_precision"],
        "score_precision": point.converted.info["score_precision"],
        "reference": point.emulation.reference,
        "prepare_s": prepare_s,
        "harness": harness,
        "conifer_vhdl": vhdl,
        "ratios": {
            "harness_vs_ghdl_throughput": ratio(harness["vectors_per_s"], vhdl.get("vectors_per_s")),
            "ghdl_vs_harness_seconds_to_verdict": ratio(vhdl.get("end_to_end_s"), harness["end_to_end_s"]),
        },
    }


#: The columns of the results table (printed here, and on the docs' benchmark page).
HEADERS = ["design", "vectors", "flow", "build s", "run s", "vectors/s", "verdict s", "mismatches"]


def table_rows(results: dict) -> list[list]:
    """One row per design and side (the harness's Verilog on Verilator, conifer's VHDL on GHDL), as
    HEADERS names them, from this benchmark's `designs` results (the JSON's form)."""
    rows: list[list] = []
    for r in results.values():
        for label, side in (
            ("harness: Verilog on Verilator", r["harness"]),
            ("conifer VHDL on GHDL", r["conifer_vhdl"]),
        ):
            if "skipped" in side:
                rows.append([r["design"], r["vectors"], label, None, None, None, None, "skipped"])
                continue
            run_s = side["stream_s"] if "stream_s" in side else side["run_s"]["median"]
            rows.append(
                [
                    r["design"],
                    r["vectors"],
                    label,
                    side["build_s"],
                    run_s,
                    side["vectors_per_s"],
                    side["end_to_end_s"],
                    side["mismatches"],
                ]
            )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vectors", type=int, default=10_000, help="test events (at most the test set)")
    parser.add_argument("--repeat", type=int, default=1, help="repetitions of conifer's GHDL run")
    parser.add_argument("--designs", nargs="+", default=DESIGNS, choices=DESIGNS)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="spec override")
    parser.add_argument("--out", type=Path, default=ROOT / "runs" / "bench" / "bdt_verify")
    args = parser.parse_args(argv)

    from harness.toolchain import Toolchain

    toolchain = Toolchain.discover()
    results = {name: bench_design(name, args, toolchain) for name in args.designs}

    rows = table_rows(results)
    print("\nbdt_verify: seconds to a verdict (build + run + compare) against conifer's cpp emulation")
    print(table(HEADERS, rows))
    for r in results.values():
        if "skipped" in r["conifer_vhdl"]:
            print(f"  {r['design']}: conifer VHDL skipped: {r['conifer_vhdl']['skipped']}")
            continue
        ratios = r["ratios"]
        print(
            f"  {r['design']}: harness {ratios['harness_vs_ghdl_throughput']:.1f}x GHDL's vectors/s; "
            f"GHDL takes {ratios['ghdl_vs_harness_seconds_to_verdict']:.2f}x the harness's time to a verdict"
        )
    tools = {
        "verilator": toolchain.require("verilator").label,
        "ghdl": toolchain["ghdl"].label if toolchain["ghdl"].found else None,
        **versions("conifer", "xgboost-cpu", "cocotb"),
    }
    write_result("bdt_verify", {"overrides": args.set, "designs": results}, tools)
    bad = any(side.get("mismatches") for r in results.values() for side in (r["harness"], r["conifer_vhdl"]))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
