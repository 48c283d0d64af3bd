"""`harness sweep`: run or resume a design-space sweep and print its Pareto front with sources;
`harness sweep status [SPEC]`: the state of a study, for every worker on it.

`status` is the first positional word rather than an argparse sub-command so that `harness sweep
SPEC` keeps working unchanged (a spec file literally named `status` is given as `./status`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.spec import SpecError
from harness.sweep.checks import check_capacities
from harness.sweep.loader import load_sweep
from harness.sweep.objectives import Objective
from harness.sweep.options import SweepOptions
from harness.sweep.runner import run
from harness.sweep.spec import SweepSpec
from harness.sweep.status import load_status, render, sole_study
from harness.sweep.storage import display_url, worker_id
from harness.sweep.trials import TrialRecord, moved_off_front, pareto_front


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "sweep",
        help="Optuna design-space sweep with multi-fidelity verification (`sweep status`: its progress)",
        usage="harness sweep SPEC [options]\n"
        "       harness sweep status [SPEC] [--storage URL] [--study NAME] [--results DIR]",
    )
    parser.add_argument("spec", help="sweep YAML, e.g. sweeps/jet_mlp.yaml; or `status`")
    parser.add_argument(
        "status_spec", nargs="?", metavar="SPEC", help="after `status`: the sweep YAML (optional)"
    )
    parser.add_argument(
        "--trials",
        type=int,
        help="completed trials to stop at (default: spec); 0 creates the study and runs no trial, "
        "e.g. for points imported with `harness study add`",
    )
    parser.add_argument("--timeout", type=float, help="wall-clock budget in seconds per worker")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes on the study (default 1)")
    parser.add_argument("--storage", help="Optuna storage URL (default: journal file)")
    parser.add_argument("--study", help="study name (default: the spec's `name`)")
    parser.add_argument("--results", default="runs/sweeps", help="results folder (default runs/sweeps)")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a sweep field (e.g. budget_us=0.2), or a design field with set.PATH=VALUE",
    )
    parser.add_argument(
        "--worker",
        type=int,
        default=0,
        metavar="I",
        help="this command's index among commands on one study, e.g. $SLURM_ARRAY_TASK_ID; offsets the "
        "sampler seed so workers propose different designs (default 0)",
    )
    parser.add_argument(
        "--heartbeat",
        type=int,
        default=SweepOptions.heartbeat_s,
        metavar="S",
        help=f"RDB storages: seconds between a trial's heartbeats (default {SweepOptions.heartbeat_s})",
    )
    parser.add_argument(
        "--grace",
        type=int,
        default=SweepOptions.grace_s,
        metavar="S",
        help="RDB storages: seconds without a heartbeat before a trial is stale, failed and retried "
        f"(default {SweepOptions.grace_s})",
    )
    parser.set_defaults(func=_dispatch)


def _dispatch(args: Any) -> int:
    if args.spec == "status":
        return _status_cli(args)
    if args.status_spec is not None:
        print(f"error: unexpected argument {args.status_spec!r} (did you mean `harness sweep status ...`?)")
        return 2
    return _run_cli(args)


def _options(args: Any) -> SweepOptions:
    if args.heartbeat < 1 or args.grace < 1 or args.worker < 0:
        raise SpecError("--heartbeat and --grace must be >= 1 second, --worker >= 0")
    return SweepOptions(
        results=Path(args.results),
        storage=args.storage,
        study=args.study,
        trials=args.trials,
        timeout_s=args.timeout,
        jobs=args.jobs,
        heartbeat_s=args.heartbeat,
        grace_s=args.grace,
        worker=args.worker,
    )


def _status_cli(args: Any) -> int:
    """The study named by SPEC (its name and default journal) or by --study/--storage/--results."""
    options = _options(args)
    if args.status_spec is not None:
        sweep = load_sweep(args.status_spec, args.set)
        name, storage = options.study_name(sweep), options.storage_url(sweep)
    elif args.study is None:
        name, storage = sole_study(args.storage, options.results)
    else:
        name = args.study
        storage = args.storage or str(options.results / "studies" / f"{name}.journal")
    print(render(load_status(storage, name, options.heartbeat_s, options.grace_s)))
    return 0


def _run_cli(args: Any) -> int:
    try:
        sweep = load_sweep(args.spec, args.set)
        if args.jobs < 1 or (args.trials is not None and args.trials < 0):
            raise SpecError(
                f"--jobs {args.jobs} --trials {args.trials}: --jobs must be >= 1 and --trials >= 0 "
                "(0 creates the study without running a trial)"
            )
        options = _options(args)
        if options.target(sweep) == 0:
            trials = run(sweep, options, args.set)
            print(_created(sweep, options, trials))
            return 0
        check_capacities(sweep)
        print(
            f"[sweep] study {options.study_name(sweep)!r}: {len(sweep.candidates)} design(s), "
            f"{options.target(sweep)} trials, sampler {sweep.sampler}, seed {sweep.seed}, "
            f"storage {display_url(options.storage_url(sweep))}, worker {worker_id()}",
            flush=True,
        )
        trials = run(sweep, options, args.set)
    except KeyboardInterrupt:
        print("\n[sweep] interrupted: finished trials are stored; run the same command to resume")
        return 130
    print(summary(sweep, trials, options))
    return 0


def _created(sweep: SweepSpec, options: SweepOptions, trials: list[TrialRecord]) -> str:
    """What `--trials 0` did: the study exists (with the trials it already held), none was run."""
    name, where = options.study_name(sweep), display_url(options.storage_url(sweep))
    return (
        f"[sweep] study {name!r} in {where}: {len(trials)} trial(s) held, none run (--trials 0). Add "
        f"vendor-measured points with `harness study add {sweep.path if name == sweep.name else name} "
        f"METRICS.json --results "
        f"{options.results}" + (f" --storage {where}" if options.storage else "") + "`; run trials "
        "with --trials N."
    )


def summary(sweep: SweepSpec, trials: list[TrialRecord], options: SweepOptions) -> str:
    """The end-of-sweep table: the Pareto designs with each value's fidelity and source."""
    front = pareto_front(trials, sweep.directions)
    states = [t.state for t in trials]
    lines = [
        "",
        f"study {options.study_name(sweep)}: {states.count('COMPLETE')} complete, "
        f"{states.count('FAIL')} failed, "
        f"{sum(t.promoted for t in trials)} promoted, {sum(t.verified for t in trials)} verified "
        f"bit-exact, {sum(bool(t.mismatches) for t in trials)} with RTL mismatches",
        f"Pareto front ({len(front)} designs"
        + (f", latency budget {sweep.budget_us} us" if sweep.budget_us else "")
        + "):",
    ]
    header = ["trial", "design", *(_label(o) for o in sweep.objectives), "fidelity", "verified", "parameters"]
    rows = [header]
    for t in sorted(front, key=lambda t: t.objective_values[0]):
        rows.append(
            [
                str(t.number),
                str(t.design),
                *(_fmt(v) for v in t.objective_values),
                str(t.fidelity),
                "yes" if t.verified else "no",
                ", ".join(f"{k}={_value(v)}" for k, v in t.params.items() if k != "design"),
            ]
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(header) - 1)]
    lines += [
        "  " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)) + "  " + r[-1] for r in rows
    ]
    lines.append("sources:")
    for t in front:
        lines.append(f"  trial {t.number}: " + "; ".join(f"{k}: {v}" for k, v in t.sources.items()))
    moved = moved_off_front(trials, sweep.directions)
    if moved:
        lines.append(
            "moved off the front by synthesis/simulation: "
            + ", ".join(f"trial {t.number} ({t.design})" for t in moved)
        )
    for t in front:
        for text in t.warnings:
            lines.append(f"warning, trial {t.number}: {text}")
    warned = sum(bool(t.warnings) for t in trials)
    if warned:
        lines.append(
            f"{warned} trial(s) carry reference warnings (the emulation departs from the float model)"
        )
    failed = [t for t in trials if t.state == "FAIL"]
    for t in failed[:10]:
        reason = (t.error or "interrupted, or no reason stored").splitlines()[0]
        lines.append(f"failed trial {t.number}: {reason}")
    lines.append(f"results: {options.results} (metrics.json per design: designs/<name>-<hash>/)")
    lines.append(f"study:   {display_url(options.storage_url(sweep))} (study {options.study_name(sweep)})")
    return "\n".join(lines)


def _label(objective: Objective) -> str:
    return f"{objective.metric} ({'max' if objective.direction == 'maximize' else 'min'})"


def _value(value: object) -> str:
    """A parameter as the design spec holds it (Optuna stores 0.30000000000000004 for a step of 0.1)."""
    return f"{value:.12g}" if isinstance(value, float) else str(value)


def _fmt(value: float) -> str:
    return f"{value:.4f}" if abs(value) < 10 else f"{value:.0f}"
