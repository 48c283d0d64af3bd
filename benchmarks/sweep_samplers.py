"""The default sampler against random search, and a finished study re-run from the results cache.

In one process and one run, on the default sweep's space (sweeps/jet_mlp.yaml):

1. the spec's sampler (TPE) and random sampling, each for the same number of trials with the same
   seed, at fidelity `estimate` (no promotions: the comparison is about the search, and the estimate
   is what the search sees), in two studies sharing one results folder;
2. the hypervolume of each study's Pareto front against the spec's fixed `hypervolume_reference`
   (accuracy 0.2, 50 000 LUT-equivalents, 200 ns), and their ratio;
3. the TPE study run again under a new name with the same seed: every trial is served from the
   results cache; the ratio of the two wall-clock times is the cache's speed-up.

    python benchmarks/sweep_samplers.py [--trials 16] [--results runs/bench-sweep]

Writes benchmarks/results/sweep_samplers.json (timings, hypervolumes, machine, tool versions).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

from common import ROOT, versions, write_result

SPEC = ROOT / "sweeps" / "jet_mlp.yaml"
NO_PROMOTION = ["promotion.after=100000", "promotion.verify_front=false"]


def _study(sampler: str, name: str, trials: int, results: Path) -> tuple[float, list]:
    """Run one study to `trials` completed trials; returns (seconds, trial records)."""
    from harness.sweep import SweepOptions, load_sweep, run

    sweep = load_sweep(SPEC, [f"sampler={sampler}", *NO_PROMOTION])
    start = time.monotonic()
    trials_out = run(sweep, SweepOptions(results=results, study=name, trials=trials), [])
    return time.monotonic() - start, trials_out


def _hypervolume(trials: list, sweep) -> float:
    from harness.sweep.pareto import hypervolume
    from harness.sweep.trials import pareto_front

    front = pareto_front(trials, sweep.directions)
    return hypervolume([t.values for t in front], sweep.directions, sweep.hypervolume_reference)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=16)
    parser.add_argument("--results", default=str(ROOT / "runs" / "bench-sweep"))
    args = parser.parse_args(argv)
    results = Path(args.results)
    shutil.rmtree(results, ignore_errors=True)  # cold: every design computed once in this run

    from harness.sweep import load_sweep

    sweep = load_sweep(SPEC, NO_PROMOTION)
    tpe_s, tpe = _study(sweep.sampler, "bench-tpe", args.trials, results)
    random_s, rand = _study("random", "bench-random", args.trials, results)
    rerun_s, rerun = _study(sweep.sampler, "bench-tpe-rerun", args.trials, results)
    hv_tpe, hv_random = _hypervolume(tpe, sweep), _hypervolume(rand, sweep)
    hits = sum(t.cache == "hit" for t in rerun if t.state == "COMPLETE")
    report = {
        "spec": str(SPEC.relative_to(ROOT)),
        "trials": args.trials,
        "seed": sweep.seed,
        "reference_point": list(sweep.hypervolume_reference),
        "objectives": [f"{o.metric} ({o.direction})" for o in sweep.objectives],
        "hypervolume": {
            sweep.sampler: hv_tpe,
            "random": hv_random,
            "ratio": hv_tpe / hv_random if hv_random else None,
        },
        "seconds": {
            sweep.sampler: round(tpe_s, 1),
            "random": round(random_s, 1),
            "rerun_from_cache": round(rerun_s, 1),
        },
        "cache": {"hits": hits, "of": sum(t.state == "COMPLETE" for t in rerun), "speedup": tpe_s / rerun_s},
        "front_size": {sweep.sampler: _front_size(tpe, sweep), "random": _front_size(rand, sweep)},
    }
    write_result("sweep_samplers", report, versions("optuna", "hls4ml", "da4ml", "tensorflow", "qkeras"))
    print(
        f"\nsweep_samplers: {args.trials} estimate-fidelity trials each, seed {sweep.seed}, "
        f"reference point {list(sweep.hypervolume_reference)}\n"
        f"  hypervolume {sweep.sampler:>6}: {hv_tpe:12.1f}   ({tpe_s:6.0f} s)\n"
        f"  hypervolume {'random':>6}: {hv_random:12.1f}   ({random_s:6.0f} s)\n"
        f"  ratio {sweep.sampler}/random: {report['hypervolume']['ratio']:.3f}\n"
        f"  re-run of the {sweep.sampler} study from the cache: {rerun_s:.1f} s, {hits} cache hits, "
        f"speed-up {report['cache']['speedup']:.1f}x"
    )
    return 0


def _front_size(trials: list, sweep) -> int:
    from harness.sweep.trials import pareto_front

    return len(pareto_front(trials, sweep.directions))


if __name__ == "__main__":
    sys.exit(main())
