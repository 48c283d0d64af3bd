"""Samplers against random search at equal wall-clock budgets, over several seeds, on two studies.

For each study (`sweeps/jet_mlp.yaml`, the default sweep, and `sweeps/track_quality_bdt.yaml`), each
sampler (the spec's own, TPE as configured; random; NSGA-II; GP where PyTorch imports) and each seed
(`--seeds`, default 1-5, replacing the spec's `seed`), one study is run at fidelity estimate with no
promotions (the comparison is about the search, and the estimate is what the search sees). Every run
writes into one results folder (the results cache, keyed by design hash), so a design that two runs
pick is computed once. Each run has its own cache of trained models and compiled emulations
(`HARNESS_CACHE`), as a sweep has: a design that reuses a model trained earlier in the same run pays
only its other stages, but nothing computed by another run is ever charged as cheap.

The clock. Because the runs share the cache, a run's measured wall time says nothing (the second run
to pick a design gets it free). Each trial is charged instead its design's cold evaluation cost: the
sum of the stage seconds in its metrics.json (`Record.seconds`: data, train, convert, emulate, rtl;
on a cache hit the record is the one written when the design was first computed, so these are the
seconds measured then: `harness.sweep.cache`, `harness.ladder.Evaluation.climb`), plus the seconds the
sampler took to propose it (`TrialRecord.sampling_s`, 0 where the harness does not record it); a
failed trial (no record) is charged its Optuna wall time. A run's clock is the running sum over its
trials in trial-number order: one worker's serial time. The sweep runner asks and tells in batches
from one seeded sampler, so a seeded study's trials are the same for one or two workers: the runs
execute with `--jobs 2` and are still charged serial time. Stage seconds measured while two trainings
share the cores are longer than alone, for every sampler alike (runs go seed by seed).

The budget B of a study is the median, over random search's seeds, of its clock after the spec's
`trials` (N, 20) trials. Each run does `--trials` trials (default 1.5 N) so that samplers that pick
larger, slower models also reach B; a run whose whole clock is below B is listed as short (its value
at B uses all its trials). The first N trials are run as a study of N trials, exactly as `harness
sweep` would (TPE's start-up trials and NSGA-II's population follow the trial count); the rest resume
that study to `--trials` (the runner re-seeds a resumed study's sampler).

Per run: the hypervolume (`harness.sweep.pareto.hypervolume` of `harness.sweep.trials.pareto_front`
against the spec's `hypervolume_reference`) as a curve over its clock; at B (equal wall clock) and
after N trials (equal trials); its gap, the hypervolume of the best-known front (all trials of every
run of the study: every sampler and seed) minus its hypervolume at B; and the clock it needs to reach
random search's median hypervolume at B, as a fraction of B (None: never, within its trials). Per
sampler: the median, minimum and maximum over seeds, and the ratios of its medians to random's.

    python benchmarks/sweep_samplers.py [--studies jet_mlp track_quality_bdt] [--samplers tpe random
        nsga2 gp] [--seeds 1 2 3 4 5] [--trials 30] [--jobs 2] [--set set.training.epochs=4]
        [--results runs/bench-sweep] [--keep]

Writes benchmarks/results/sweep_samplers.json (per seed and per sampler: hypervolumes, gaps, times,
curves; budgets, ratios, machine, tool versions) and benchmarks/results/sweep_samplers.png (median
hypervolume over the clock with the seeds' min-max band, one panel per study).
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common import RESULTS, ROOT, ratio, table, versions, write_result

SPEC = ROOT / "sweeps" / "jet_mlp.yaml"
STUDIES = {"jet_mlp": SPEC, "track_quality_bdt": ROOT / "sweeps" / "track_quality_bdt.yaml"}
NO_PROMOTION = ["promotion.after=100000", "promotion.verify_front=false"]
PLOT = RESULTS / "sweep_samplers.png"


@dataclass
class Run:
    """One study's trials in trial-number order (completed and failed), each with its charged seconds.

    `clock[k]` is the cumulative charge after trial k (seconds); `hv[k]` the hypervolume of the front
    of trials 0..k (the reference point's units multiplied)."""

    sampler: str
    seed: int
    trials: list[Any]
    charges: list[float]
    clock: list[float] = field(default_factory=list)
    hv: list[float] = field(default_factory=list)

    def hv_at(self, seconds: float) -> float:
        """Hypervolume of the trials finished by `seconds` on the run's clock (0 before the first)."""
        done = [h for c, h in zip(self.clock, self.hv, strict=True) if c <= seconds]
        return done[-1] if done else 0.0

    def time_to(self, target: float) -> float | None:
        """The clock at which the hypervolume first reaches `target`; None if it never does."""
        return next((c for c, h in zip(self.clock, self.hv, strict=True) if h >= target), None)

    def _nth_done(self, n: int) -> int | None:
        """Index of the `n`th completed trial (the last one if fewer), None if none completed."""
        done = [i for i, t in enumerate(self.trials) if t.ran]
        return done[min(n, len(done)) - 1] if done else None

    def hv_after(self, n: int) -> float:
        """Hypervolume after the first `n` completed trials (failed ones before them included)."""
        k = self._nth_done(n)
        return 0.0 if k is None else self.hv[k]

    def clock_after(self, n: int) -> float:
        """The clock after the first `n` completed trials (seconds)."""
        k = self._nth_done(n)
        return 0.0 if k is None else self.clock[k]


def charge(trial: Any) -> float:
    """Seconds charged to one trial: its design's cold stage seconds plus its sampler's seconds."""
    from harness.record import Record

    sampling = getattr(trial, "sampling_s", None) or 0.0
    if trial.record:
        return sum(Record.read(Path(trial.record)).seconds.values()) + sampling
    return (trial.seconds or 0.0) + sampling


def hypervolume(trials: list[Any], sweep: Any) -> float:
    from harness.sweep.pareto import hypervolume as hv
    from harness.sweep.trials import pareto_front

    front = pareto_front(trials, sweep.directions)
    return hv([t.objective_values for t in front], sweep.directions, sweep.hypervolume_reference)


def run_study(path: Path, sampler: str, seed: int, n: int, total: int, args: argparse.Namespace) -> Run:
    """One sampler and seed on one spec: N trials as a study of N, then resumed to `total`."""
    from harness.sweep import SweepOptions, load_sweep, run

    overrides = [*args.set, f"seed={seed}", f"sampler={sampler}", *NO_PROMOTION]
    sweep = load_sweep(path, overrides)
    name = f"{sweep.name}-{sampler}-s{seed}"
    print(f"\n[sweep_samplers] {name}: {total} trials", flush=True)
    trials: list[Any] = []
    for target in sorted({n, total}):
        options = SweepOptions(results=Path(args.results), study=name, trials=target, jobs=args.jobs)
        trials = run(sweep, options, overrides)
    finished = sorted((t for t in trials if t.state in ("COMPLETE", "FAIL")), key=lambda t: t.number)
    out = Run(sampler, seed, finished, [charge(t) for t in finished])
    elapsed = 0.0
    for k, cost in enumerate(out.charges):
        elapsed += cost
        out.clock.append(elapsed)
        out.hv.append(hypervolume(finished[: k + 1], sweep))
    return out


def spread(values: list[float | None]) -> dict:
    """Median, min and max over seeds; None counts as never (+inf), and a median of never is None."""
    finite = [math.inf if v is None else v for v in values]
    median = statistics.median(finite) if finite else math.inf

    def known(v: float) -> float | None:
        return None if math.isinf(v) else v

    return {
        "median": known(median),
        "min": known(min(finite, default=math.inf)),
        "max": known(max(finite, default=math.inf)),
    }


def summarise(study: str, sweep: Any, runs: list[Run], n: int) -> dict:
    """The study's budget, best-known front and per-sampler numbers (see the module docstring)."""
    randoms = [r for r in runs if r.sampler == "random"]
    if not randoms:
        raise SystemExit("error: the budget is random search's: --samplers must include random")
    budget = statistics.median(r.clock_after(n) for r in randoms)
    best = hypervolume([t for r in runs for t in r.trials], sweep)
    target = statistics.median(r.hv_at(budget) for r in randoms)
    samplers: dict[str, dict] = {}
    for r in runs:
        s = samplers.setdefault(r.sampler, {"per_seed": {}})
        to_target = r.time_to(target)
        s["per_seed"][str(r.seed)] = {
            "hv_at_budget": r.hv_at(budget),
            "gap_at_budget": best - r.hv_at(budget),
            "hv_at_equal_trials": r.hv_after(n),
            "time_to_random_median": None if to_target is None else round(to_target / budget, 3),
            "trials": len(r.trials),
            "failed": sum(t.state == "FAIL" for t in r.trials),
            "clock_s": round(r.clock[-1], 1) if r.clock else 0.0,
            "short_of_budget": not r.clock or r.clock[-1] < budget,
            "curve": [[round(c, 1), h] for c, h in zip(r.clock, r.hv, strict=True)],
        }
    for s in samplers.values():
        seeds = list(s["per_seed"].values())
        for metric in ("hv_at_budget", "gap_at_budget", "hv_at_equal_trials", "time_to_random_median"):
            s[metric] = spread([v[metric] for v in seeds])
        s["short_of_budget"] = [seed for seed, v in s["per_seed"].items() if v["short_of_budget"]]
    base = samplers["random"]
    ratios = {
        name: {
            "gap_at_budget": ratio(s["gap_at_budget"]["median"], base["gap_at_budget"]["median"]),
            "hv_at_budget": ratio(s["hv_at_budget"]["median"], base["hv_at_budget"]["median"]),
            "hv_at_equal_trials": ratio(
                s["hv_at_equal_trials"]["median"], base["hv_at_equal_trials"]["median"]
            ),
        }
        for name, s in samplers.items()
    }
    return {
        "spec": str(STUDIES[study].relative_to(ROOT)),
        "reference_point": list(sweep.hypervolume_reference),
        "objectives": [f"{o.metric} ({o.direction})" for o in sweep.objectives],
        "equal_trials": n,
        "budget_s": round(budget, 1),
        "random_median_hv_at_budget": target,
        "best_known_hv": best,
        "samplers": samplers,
        "ratios": ratios,
    }


def plot(result: dict, path: Path) -> None:
    """Median hypervolume over the clock (as a fraction of the budget), min-max band over seeds."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    studies = result["studies"]
    fig, axes = plt.subplots(1, len(studies), figsize=(6 * len(studies), 4.2), squeeze=False)
    for ax, (name, study) in zip(axes[0], studies.items(), strict=True):
        budget = study["budget_s"]
        curves = [v["curve"] for s in study["samplers"].values() for v in s["per_seed"].values()]
        end = max((c[-1][0] for c in curves if c), default=budget) / budget
        grid = np.linspace(0.0, max(end, 1.0), 300)
        for sampler, s in study["samplers"].items():
            lines = np.array([_step(v["curve"], grid * budget) for v in s["per_seed"].values()])
            shown = ax.plot(grid, np.median(lines, axis=0), label=sampler)[0]
            ax.fill_between(grid, lines.min(axis=0), lines.max(axis=0), color=shown.get_color(), alpha=0.15)
        ax.axvline(1.0, color="grey", linestyle=":", linewidth=1)
        ax.axhline(study["best_known_hv"], color="black", linestyle="--", linewidth=1, label="best known")
        ax.set_ylim(0.0, 1.05 * study["best_known_hv"] or 1.0)
        ax.set_title(f"{name}: budget B = {budget:.0f} s")
        ax.set_xlabel("charged clock / B (cold stage seconds + sampler seconds)")
        ax.set_ylabel("hypervolume")
        ax.legend(loc="lower right", fontsize="small")
    fig.suptitle(f"median over seeds {', '.join(map(str, result['seeds']))}, band: min to max", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def _step(curve: list[list[float]], times: Any) -> list[float]:
    """A run's hypervolume at each of `times` (the last trial finished by then; 0 before the first)."""
    return [max((h for c, h in curve if c <= t), default=0.0) for t in times]


#: The columns of the results table (printed here, and on the docs' benchmark page).
HEADERS = [
    "study",
    "sampler",
    "HV at B: median [min, max]",
    "gap at B: median [min, max]",
    "gap / random's",
    "HV at B / random's",
    "HV at N trials: median [min, max]",
    "time to random's median HV, x B",
    "seeds short of B",
]


def table_rows(result: dict) -> list[list]:
    """One row per study and sampler of a result (the JSON's form), as HEADERS names them."""
    rows = []
    for study, s in result["studies"].items():
        for sampler, numbers in s["samplers"].items():
            ratios = s["ratios"][sampler]
            rows.append(
                [
                    study,
                    sampler,
                    _spread_cell(numbers["hv_at_budget"]),
                    _spread_cell(numbers["gap_at_budget"]),
                    ratios["gap_at_budget"],
                    ratios["hv_at_budget"],
                    _spread_cell(numbers["hv_at_equal_trials"]),
                    _spread_cell(numbers["time_to_random_median"]),
                    ", ".join(numbers["short_of_budget"]) or "none",
                ]
            )
    return rows


def _spread_cell(s: dict) -> str:
    def fmt(v: float | None) -> str:
        return "never" if v is None else f"{v:.3g}"

    return f"{fmt(s['median'])} [{fmt(s['min'])}, {fmt(s['max'])}]"


def default_samplers() -> list[str]:
    """tpe, random, nsga2, and gp where PyTorch imports (Optuna's GP sampler needs it)."""
    try:
        import torch  # noqa: F401
    except ImportError:
        return ["tpe", "random", "nsga2"]
    return ["tpe", "random", "nsga2", "gp"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studies", nargs="+", choices=sorted(STUDIES), default=list(STUDIES))
    parser.add_argument("--samplers", nargs="+", default=None, help="default: tpe random nsga2 (gp)")
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3, 4, 5])
    parser.add_argument("--trials", type=int, default=None, help="trials per run (default: 1.5 x the spec's)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes per run")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="sweep override")
    parser.add_argument("--results", default=str(ROOT / "runs" / "bench-sweep"), help="shared results folder")
    parser.add_argument("--keep", action="store_true", help="keep the results folder (resume its studies)")
    args = parser.parse_args(argv)
    samplers = args.samplers or default_samplers()
    for name in samplers:
        if name not in ("tpe", "nsga2", "gp", "random"):
            parser.error(f"unknown sampler {name!r}; choose from tpe, nsga2, gp, random")
    if "random" not in samplers:
        parser.error("--samplers must include random (the budget and the ratios are random search's)")
    if not args.keep:
        shutil.rmtree(args.results, ignore_errors=True)  # cold: every design computed in this run

    from harness.sweep import load_sweep

    studies = {}
    for study in args.studies:
        sweep = load_sweep(STUDIES[study], [*args.set, *NO_PROMOTION])
        total = args.trials or math.ceil(1.5 * sweep.trials)
        n = min(sweep.trials, total)
        if n < sweep.trials:
            print(f"note: {study}: equal trials and the budget at {n} trials, not the spec's {sweep.trials}")
        runs = []
        for seed in args.seeds:  # seed by seed, so the machine's load changes every sampler alike
            for sampler in samplers:
                # trained models and compiled emulations are cached within a run, as in a sweep,
                # never across runs: a design first computed here paid its own cold stages
                os.environ["HARNESS_CACHE"] = str(Path(args.results) / "caches" / f"{study}-{sampler}-{seed}")
                runs.append(run_study(STUDIES[study], sampler, seed, n, total, args))
        studies[study] = {"trials_per_run": total, **summarise(study, sweep, runs, n)}
    report = {
        "seeds": args.seeds,
        "samplers": samplers,
        "jobs": args.jobs,
        "overrides": args.set,
        "budget_s": {name: s["budget_s"] for name, s in studies.items()},
        "clock": "per trial: the stage seconds of its design's metrics.json (cold, measured when first "
        "computed) + the sampler's seconds; cumulative in trial-number order",
        "studies": studies,
    }
    print(f"\nsweep_samplers: seeds {', '.join(map(str, args.seeds))}, fidelity estimate, no promotions")
    for study, s in studies.items():
        print(
            f"\n{study}: budget B = {s['budget_s']:.0f} s (random's median clock after {s['equal_trials']} "
            f"trials), {s['trials_per_run']} trials per run, best-known HV {s['best_known_hv']:.4g}"
        )
        print(table(HEADERS, [row for row in table_rows(report) if row[0] == study]))
    plot(report, PLOT)
    report["plot"] = str(PLOT.relative_to(ROOT))
    write_result("sweep_samplers", report, versions("optuna", "torch", "hls4ml", "da4ml", "tensorflow"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
