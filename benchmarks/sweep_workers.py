"""Two worker processes against one, and a finished study re-run from the results cache, in one run.

The default study (sweeps/jet_mlp.yaml) runs three times as `harness sweep` commands, each timed from
process start to exit (imports, da4ml loading and the worker pool's start-up count):

1. `--jobs 1` into a cold results folder with a cold trained-model cache (its own XDG_CACHE_HOME);
2. `--jobs 2`, likewise cold: the ratio 2-job / 1-job wall time is what a second worker buys on this
   machine (ideal 0.5 on 2 cores);
3. the `--jobs 2` run again as a new study (`--study rerun`) on the same results folder and caches:
   every trial should be a cache hit, because a seeded study asks the same trials whatever the jobs;
   the ratio first run / re-run is the cache's speed-up.

Runs 1 and 2 must have asked the same parameters trial by trial (printed, and a failure if not).

    python benchmarks/sweep_workers.py [--trials 10] [--set promotion.after=100000 ...]

By default every trial is evaluated at estimate fidelity only (no promotions, as in sweep_samplers);
`--full` keeps the spec's promotion rule (Yosys and Verilator on the promoted and front designs).
Writes benchmarks/results/sweep_workers.json (times, ratios, cache hits, load, machine, tool versions).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, table, versions, write_result

SPEC = ROOT / "sweeps" / "jet_mlp.yaml"
NO_PROMOTION = ["promotion.after=100000", "promotion.verify_front=false"]


#: Columns of the benchmark's table (also the docs' benchmark page).
HEADERS = ["run", "wall s", "ratio", "load average before"]


def table_rows(result: dict) -> list[list]:
    """The table's rows: each run's wall time, with its ratio to the baseline beside it."""
    seconds, load = result["seconds"], result["load_before"]
    return [
        ["--jobs 1 (cold)", seconds["jobs1"], "baseline", round(load["jobs1"], 2)],
        [
            "--jobs 2 (cold)",
            seconds["jobs2"],
            f"{result['ratio_2_to_1_jobs']:.2f}x of --jobs 1",
            round(load["jobs2"], 2),
        ],
        [
            "--jobs 2 again as a new study",
            seconds["rerun"],
            f"{result['cache_speedup']:.1f}x faster than its first run",
            round(load["rerun"], 2),
        ],
    ]


def _sweep(
    results: Path, cache: Path, jobs: int, study: str, trials: int, sets: list[str], log: Path
) -> float:
    """One `harness sweep` command; its wall-clock seconds. Exits on a failing command."""
    command = [sys.executable, "-m", "harness.cli", "sweep", str(SPEC), "--jobs", str(jobs)]
    command += ["--results", str(results), "--study", study, "--trials", str(trials)]
    command += [arg for s in sets for arg in ("--set", s)]
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    print(f"[bench] {' '.join(command[2:])} (log {log})", flush=True)
    start = time.monotonic()
    with log.open("w") as out:
        code = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, env=env, check=False).returncode
    seconds = time.monotonic() - start
    if code:
        raise SystemExit(f"`harness sweep` exited {code}; see {log}")
    print(f"[bench]   {seconds:.0f} s", flush=True)
    return seconds


def _trials(results: Path, study: str) -> list:
    from harness.sweep import SweepOptions, load_sweep, open_study, records

    return records(open_study(load_sweep(SPEC), SweepOptions(results=results, study=study)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--full", action="store_true", help="keep the spec's promotions")
    parser.add_argument("--set", action="append", default=[], help="further sweep overrides (all runs)")
    args = parser.parse_args(argv)
    sets = ([] if args.full else NO_PROMOTION) + args.set
    with tempfile.TemporaryDirectory(prefix="bench-workers-") as tmp:
        folder = Path(tmp)
        load = {}
        seconds = {}
        for jobs in (1, 2):
            load[f"jobs{jobs}"] = os.getloadavg()[0]
            seconds[f"jobs{jobs}"] = _sweep(
                folder / f"results{jobs}", folder / f"cache{jobs}", jobs, "bench", args.trials, sets,
                folder / f"jobs{jobs}.log",
            )  # fmt: skip
        load["rerun"] = os.getloadavg()[0]
        seconds["rerun"] = _sweep(
            folder / "results2", folder / "cache2", 2, "rerun", args.trials, sets, folder / "rerun.log"
        )
        one, two = _trials(folder / "results1", "bench"), _trials(folder / "results2", "bench")
        rerun = _trials(folder / "results2", "rerun")
    same = [t.params for t in one] == [t.params for t in two]
    hits = sum(t.cache == "hit" for t in rerun if t.state == "COMPLETE")
    complete = sum(t.state == "COMPLETE" for t in rerun)
    report = {
        "spec": str(SPEC.relative_to(ROOT)),
        "overrides": sets,
        "trials": args.trials,
        "cores": len(os.sched_getaffinity(0)),
        "seconds": {k: round(v, 1) for k, v in seconds.items()},
        "ratio_2_to_1_jobs": round(seconds["jobs2"] / seconds["jobs1"], 3),
        "cache_speedup": round(seconds["jobs2"] / seconds["rerun"], 1),
        "cache_hits": {"hits": hits, "of": complete},
        "same_trials_1_and_2_jobs": same,
        "load_before": load,
    }
    write_result("sweep_workers", report, versions("optuna", "tensorflow", "da4ml", "hls4ml"))
    print(
        f"\nsweep_workers: {args.trials} trials of {report['spec']} "
        f"({'spec promotions' if args.full else 'estimate only'}), {report['cores']} cores"
    )
    print(table(HEADERS, table_rows(report)))
    print(
        f"cache hits in the re-run: {hits}/{complete}; same trials, 1 and 2 jobs: {'yes' if same else 'NO'}"
    )
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
