"""Benchmark 3, per-design turnaround by fidelity, and how each stage grows with design size.

Each design is one `harness.flow.evaluate` run at fidelity `verify`; the flow times every stage
(`metrics.json` `seconds`), which this groups by the fidelity that needs them:

    estimate  data + train + convert + emulate + rtl   (what a sweep pays per trial)
    synth     Yosys synth_xilinx                        (what promotion to `synth` adds)
    verify    Verilator build + simulation              (what promotion to `verify` adds)

The designs span about 1k to 50k LUT (Yosys), so the seconds of each stage against LUTs show how it
grows: the slope of log(seconds) against log(LUT) is 1 for linear growth (a fit to 4 points, so a
rough exponent, printed with the points it came from).

Yosys dominates the large designs. Its synth_xilinx (0.70) maps LUTs with abc9 in every case (its
`help` lists the abc9 step and no `-abc9`/`abc` choice; `-abc9` is still accepted), and without
`-flatten` the statistics split by module, so the options tried are: the same RTL with and without
`-abc9` (identical scripts in effect: the LUT counts must match, and the time difference is the
run-to-run noise under the current load), and two independent designs synthesised at once against
one after the other (2 cores). The flow keeps its default script unless an option wins with the
same LUT count.

    python benchmarks/turnaround.py [--only jet_mlp_small track_quality_bdt] [--set training.epochs=10]

Writes benchmarks/results/turnaround.json.
"""

from __future__ import annotations

import argparse
import math
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from common import ROOT, ratio, table, timed, write_result

JET = ROOT / "designs" / "jet_mlp.yaml"
TRACK = ROOT / "designs" / "track_quality_bdt.yaml"
PRUNED = ["model.weight_bits=4", "model.activation_bits=4", "model.pruning=0.8"]

#: name -> (spec file, overrides). Sizes from about 1k (the BDT) to about 50k LUT (the default MLP).
DESIGNS = {
    "track_quality_bdt": (TRACK, []),
    "jet_mlp_small": (JET, ["model.hidden=[24,12]", "model.weight_bits=5", "model.activation_bits=5"]),
    "jet_mlp_4bit_pruned": (JET, PRUNED),
    "jet_mlp": (JET, []),
}
ESTIMATE_STAGES = ("data", "train", "convert", "emulate", "rtl")


def evaluate(name: str, out: Path, toolchain, extra: list[str]) -> dict:
    from harness.flow import evaluate as run
    from harness.spec import load

    path, overrides = DESIGNS[name]
    spec = load(path, [*overrides, *extra, f"name={name}"])
    return run(spec, out / name, toolchain, "verify")


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


def yosys_options(record: dict, out: Path, toolchain) -> dict:
    """The same RTL through synth_xilinx with and without -abc9: seconds and LUTs of each."""
    from harness.synth import synthesize

    sources = [Path(s) for s in record["rtl"]["sources"]]
    runs = {}
    for label, options in (("default", ()), ("-abc9", ("-abc9",))):
        seconds, result = timed(
            lambda o=options, label=label: synthesize(
                toolchain, sources, record["rtl"]["top"], out / label.strip("-"), options=o
            )
        )
        runs[label] = {
            "seconds": round(seconds, 1),
            "lut": result.lut,
            "ff": result.ff,
            "carry": result.carry,
        }
    return runs


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
    args = parser.parse_args(argv)

    from harness.toolchain import Toolchain

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

    if "jet_mlp_4bit_pruned" in records:
        options = yosys_options(records["jet_mlp_4bit_pruned"], args.out / "yosys-options", toolchain)
        report["yosys_options"] = options
        base, abc9 = options["default"], options["-abc9"]
        print(
            f"  Yosys on jet_mlp_4bit_pruned: default {base['seconds']} s / {base['lut']} LUT, "
            f"-abc9 {abc9['seconds']} s / {abc9['lut']} LUT: time ratio "
            f"{ratio(abc9['seconds'], base['seconds'])}, LUT ratio {ratio(abc9['lut'], base['lut'])}"
        )
    small = [records[n] for n in ("track_quality_bdt", "jet_mlp_small") if n in records]
    if len(small) == 2:
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
