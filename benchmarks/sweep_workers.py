"""Throughput of a sweep with 1 and with 2 independent workers on one PostgreSQL study.

The same small study (sweeps/jet_mlp.yaml, estimate fidelity, no promotions) runs twice on a
throw-away PostgreSQL server (tests/postgres.py), each time into a fresh database and a cold results
folder: once with one `harness sweep` process, once with two (`--worker 0` and `--worker 1`, as two
tasks of a job array would run). Each run stops at `--trials` completed trials in all. Printed, per
run: trials per minute of wall-clock time (process start to the last worker's exit, so imports and
da4ml loading count) and of study time (first trial start to last trial end), and the ratio of
2-worker to 1-worker throughput. On a machine with 2 cores shared with others the ratio says how much
a second worker gains there; on a cluster each worker has its own cores. Each worker gets its share
of the cores (thread counts of TensorFlow, OpenMP and numba), and the 1-minute load average before
each run is recorded, since other work on the machine moves these numbers.

    python benchmarks/sweep_workers.py [--trials 8] [--set set.training.epochs=4]

Writes benchmarks/results/sweep_workers.json (rates, trial counts, machine, tool versions).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.postgres: the same throw-away server the tests start

from common import versions, write_result  # noqa: E402
from sweep_samplers import NO_PROMOTION, SPEC  # noqa: E402

from tests.postgres import Cluster, throwaway_cluster  # noqa: E402

#: Each worker gets its share of the cores, as a job array's task does (sweeps/slurm_array.sh);
#: otherwise every worker's TensorFlow and numba start a thread per core and they oversubscribe.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "NUMBA_NUM_THREADS")


def _run(cluster: Cluster, workers: int, trials: int, sets: list[str], folder: Path) -> dict:
    """`workers` concurrent `harness sweep` processes on a new database until `trials` are complete."""
    url = cluster.create_database(f"bench_{workers}_workers")
    command = [sys.executable, "-m", "harness.cli", "sweep", str(SPEC), "--storage", url, "--study", "bench"]
    command += ["--results", str(folder / f"results-{workers}"), "--trials", str(trials)]
    command += [arg for s in [*NO_PROMOTION, *sets] for arg in ("--set", s)]
    threads = max(1, len(os.sched_getaffinity(0)) // workers)
    env = {**os.environ, **{name: str(threads) for name in THREAD_VARIABLES}}
    load_before = os.getloadavg()[0]
    start = time.monotonic()
    procs = []
    for index in range(workers):
        log = (folder / f"worker-{workers}-{index}.log").open("w")
        argv = [*command, "--worker", str(index)]
        procs.append(subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env))
    codes = [p.wait() for p in procs]
    wall = time.monotonic() - start
    if any(codes):
        raise SystemExit(f"a worker failed ({codes}); see {folder}/worker-{workers}-*.log")
    return {**_rates(url, workers, wall), "threads_per_worker": threads, "load_before": load_before}


def _rates(url: str, workers: int, wall: float) -> dict:
    import optuna

    done = [
        t for t in optuna.load_study(study_name="bench", storage=url).trials if t.state.name == "COMPLETE"
    ]
    study_s = (max(t.datetime_complete for t in done) - min(t.datetime_start for t in done)).total_seconds()
    return {
        "workers": workers,
        "complete": len(done),
        "wall_s": round(wall, 1),
        "study_s": round(study_s, 1),
        "trials_per_min_wall": round(60 * len(done) / wall, 3),
        "trials_per_min_study": round(60 * len(done) / study_s, 3),
        "per_worker": {
            w: sum(t.user_attrs["worker"] == w for t in done) for w in {t.user_attrs["worker"] for t in done}
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=8)
    parser.add_argument("--set", action="append", default=[], help="sweep overrides for both runs")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-workers-") as tmp, throwaway_cluster() as cluster:
        runs = [_run(cluster, n, args.trials, args.set, Path(tmp)) for n in (1, 2)]
    one, two = runs
    report = {
        "spec": str(SPEC.relative_to(ROOT)),
        "overrides": [*NO_PROMOTION, *args.set],
        "trials": args.trials,
        "storage": "PostgreSQL (throw-away server on loopback)",
        "runs": runs,
        "ratio_wall": round(two["trials_per_min_wall"] / one["trials_per_min_wall"], 3),
        "ratio_study": round(two["trials_per_min_study"] / one["trials_per_min_study"], 3),
    }
    lines = [
        f"\nsweep_workers: {args.trials} estimate-fidelity trials of {report['spec']}, PostgreSQL storage"
    ]
    for r in runs:
        lines.append(
            f"  {r['workers']} worker(s): {r['complete']} trials, "
            f"{r['trials_per_min_wall']:.2f} trials/min wall-clock ({r['wall_s']:.0f} s), "
            f"{r['trials_per_min_study']:.2f} trials/min in the study ({r['study_s']:.0f} s)"
        )
    lines.append(
        f"  ratio 2/1 workers: {report['ratio_wall']:.2f} (wall-clock), {report['ratio_study']:.2f} (study)"
    )
    print("\n".join(lines))
    write_result("sweep_workers", report, versions("optuna", "sqlalchemy", "psycopg", "tensorflow", "da4ml"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
