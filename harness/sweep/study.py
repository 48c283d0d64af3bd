"""Running a sweep: an Optuna multi-objective study whose trials are design points of the flow.

Every trial is evaluated at fidelity `estimate` (train, convert, bit-accurate emulation, RTL with the
generator's cost model). A trial whose estimate lies on or near (`promotion.near`) the front of the
trials finished so far, and inside the constraints, is promoted in the same trial to Yosys (`synth`)
and RTL simulation (`verify`), reusing everything the estimate computed; its objective values are then
its highest-fidelity ones, each with its source. At the end, front designs that were not promoted
(after the promotion cap) are re-run with promotion forced (`promotion.verify_front`).

Storage is Optuna's: by default a journal file under the results folder (safe for several worker
processes on one machine); any Optuna storage URL otherwise (PostgreSQL for workers on several
machines). Trials are counted across workers, so `trials: N` stops the study at N completed trials
whichever worker ran them. A failing trial is marked failed with its reason (`error`) and the study
goes on; Ctrl-C stops, and the same command resumes the study.

Crash safety on an RDB storage is Optuna's heartbeat: each running trial records a heartbeat every
`heartbeat_s`; a trial whose heartbeat is older than `grace_s` (its worker was killed) is failed by
the next worker that starts a trial, and Optuna's `RetryHeartbeatStaleTrialCallback` queues it again
with the same parameters, at most `retries` times. Optuna 5's JournalStorage has no heartbeat, so a
killed worker's trial stays RUNNING there (it is not counted, and the study goes on without it).
Each trial records the worker that ran it (`worker`, host:pid).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.kinds import warm_up_kinds
from harness.ladder import Evaluation
from harness.record import OPEN_FLOW, Record, fidelity_rank
from harness.spec import DesignSpec, SpecError
from harness.sweep.cache import ResultsCache
from harness.sweep.objectives import measure
from harness.sweep.pareto import near_front
from harness.sweep.spec import SweepSpec, check_capacities, load_sweep, suggest_design
from harness.sweep.storage import WORKER, display_url, open_storage, worker_id
from harness.sweep.trials import TrialRecord, pareto_front

#: Optuna user attribute an enqueued trial carries to be promoted whatever its estimate.
FORCE_PROMOTION = "force_promotion"
#: Seed offset per trial already in a study when a worker joins it (far apart from worker offsets).
RESUME_SEED_STRIDE = 1_000_003


@dataclass(frozen=True)
class SweepOptions:
    """How to run a sweep (the command line's options); None takes the spec's value."""

    results: Path = Path("runs/sweeps")
    storage: str | None = None
    study: str | None = None
    trials: int | None = None
    timeout_s: float | None = None
    jobs: int = 1
    #: Optuna heartbeat (RDB storages): seconds between a running trial's heartbeats, and seconds
    #: without one before the trial counts as stale. The grace is generous because a long call that
    #: holds the GIL (numba, a big da4ml solve) delays the heartbeat thread of a live trial.
    heartbeat_s: int = 30
    grace_s: int = 300
    #: This command's index among independent commands on one study (a job array's task id): its
    #: processes seed their samplers from seed + worker * jobs + process, so no two workers propose
    #: the same sequence of designs.
    worker: int = 0

    def study_name(self, sweep: SweepSpec) -> str:
        return self.study or sweep.name

    def target(self, sweep: SweepSpec) -> int:
        """Completed trials to stop at: `trials` (0 creates or opens the study and runs none, e.g. for
        imported vendor-measured points), else the spec's."""
        return sweep.trials if self.trials is None else self.trials

    def storage_url(self, sweep: SweepSpec) -> str:
        """The storage as a description: an Optuna URL, or the journal file's path."""
        return self.storage or str(self.results / "studies" / f"{self.study_name(sweep)}.journal")


def make_sampler(name: str, seed: int, trials: int) -> Any:
    """The sampler `name` seeded with `seed`; GP needs PyTorch (the `gp` extra).

    TPE and GP start with random trials: a quarter of the study (2 to 10), not Optuna's fixed 10,
    so a 20-trial sweep spends 15 of its trials on the model-based search.
    """
    import optuna

    startup = min(10, max(2, trials // 4))
    if name == "tpe":
        with warnings.catch_warnings():  # `multivariate` and `group` are "experimental" since Optuna 2.2
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            return optuna.samplers.TPESampler(
                seed=seed, multivariate=True, group=True, n_startup_trials=startup
            )
    if name == "nsga2":
        return optuna.samplers.NSGAIISampler(seed=seed, population_size=max(4, min(50, trials // 3)))
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    try:
        import torch  # noqa: F401
    except ImportError:
        raise SpecError(
            "sampler: gp needs PyTorch, which is not installed; `pip install 'fpga-ml-harness[gp]'` "
            "(or choose tpe, nsga2 or random)"
        ) from None
    return optuna.samplers.GPSampler(seed=seed, n_startup_trials=startup)


def open_study(sweep: SweepSpec, options: SweepOptions, worker: int = 0) -> Any:
    """Create or join the study, with this worker process's sampler.

    The seed is the spec's, offset per worker (`--worker`, and the process among `--jobs`) and by
    the trials the study already holds: a fresh study is reproducible, and a resumed one (a restart
    after a crash, a requeued array task) does not propose the first run's designs over again.
    """
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = open_storage(options.storage_url(sweep), options.heartbeat_s, options.grace_s, sweep.retries)
    study = optuna.create_study(
        study_name=options.study_name(sweep),
        storage=storage,
        directions=[optuna.study.StudyDirection[d.upper()] for d in sweep.directions],
        load_if_exists=True,
    )
    _check_settings(study, sweep)
    held = len(study.get_trials(deepcopy=False))
    seed = sweep.seed + options.worker * options.jobs + worker + RESUME_SEED_STRIDE * held
    study.sampler = make_sampler(sweep.sampler, seed, max(1, options.target(sweep)))
    return study


#: Study user attribute: what the study's trials were evaluated against (see `_check_settings`).
SETTINGS = "sweep_settings"


def _check_settings(study: Any, sweep: SweepSpec) -> None:
    """Record on a new study what its trials are evaluated against (designs, fixed overrides, space,
    objectives, constraints); on a resumed one, warn when this run's differ, because the finished
    trials keep the constraints and values they were evaluated with."""
    settings = sweep.settings()
    stored = study.user_attrs.get(SETTINGS)
    if stored is None:
        study.set_user_attr(SETTINGS, settings)
    elif stored != settings:
        changed = sorted(k for k in settings.keys() | stored.keys() if settings.get(k) != stored.get(k))
        print(
            f"[sweep] warning: study {study.study_name!r} was run with other settings ({', '.join(changed)} "
            "differ); its finished trials keep what they were evaluated with. Use a new --study name to "
            "start over with these settings.",
            flush=True,
        )


#: Prefix of the study user attributes recording each distinct `harness sweep` command run on it.
RUN_PREFIX = "sweep_run:"


def record_command(study: Any, sweep: SweepSpec, options: SweepOptions, overrides: list[str]) -> None:
    """Store on the study the command this run was given (spec path, `--set` values, trial count,
    seed, where it lives), once per distinct command: a report names the study's spec and options
    from it even when the study is found by name and storage alone. Keyed by the command, so
    workers starting together write the same attribute instead of racing over one list."""
    import datetime
    import hashlib
    import json

    command = {
        "spec": str(sweep.path),
        "cwd": os.getcwd(),
        "set": list(overrides),
        "trials": options.target(sweep),
        "timeout_s": options.timeout_s,
        "jobs": options.jobs,
        "seed": sweep.seed,
        "study": options.study,
        "storage": display_url(options.storage) if options.storage else None,
        "results": str(options.results),
    }
    key = RUN_PREFIX + hashlib.sha256(json.dumps(command, sort_keys=True).encode()).hexdigest()[:12]
    if key not in study.user_attrs:
        started = datetime.datetime.now(datetime.UTC).isoformat()
        study.set_user_attr(key, {**command, "first_run": started})


def sweep_commands(study: Any) -> list[str]:
    """The `harness sweep` commands run on the study (`record_command`), in the order first run; the
    sampler's seed is spelled out (`--set seed=N`) unless the command already set it."""
    import shlex

    runs = sorted(
        (v for k, v in study.user_attrs.items() if k.startswith(RUN_PREFIX) and isinstance(v, dict)),
        key=lambda v: v.get("first_run", ""),
    )
    lines = []
    for run in runs:
        parts = ["harness", "sweep", run["spec"]]
        for item in run.get("set") or []:
            parts += ["--set", item]
        if not any(str(item).startswith("seed=") for item in run.get("set") or []):
            parts += ["--set", f"seed={run['seed']}"]
        parts += ["--trials", str(run["trials"])]
        parts += ["--timeout", f"{run['timeout_s']:g}"] if run.get("timeout_s") else []
        parts += ["--jobs", str(run["jobs"])] if run.get("jobs", 1) != 1 else []
        parts += ["--results", run["results"]]
        parts += ["--study", run["study"]] if run.get("study") else []
        parts += ["--storage", run["storage"]] if run.get("storage") else []
        relative = not Path(run["spec"]).is_absolute() or not Path(run["results"]).is_absolute()
        prefix = f"cd {shlex.quote(run['cwd'])} && " if relative and run.get("cwd") else ""
        lines.append(prefix + shlex.join(parts))
    return lines


def records(study: Any) -> list[TrialRecord]:
    return [TrialRecord.from_frozen(t) for t in study.get_trials(deepcopy=False)]


@dataclass
class Evaluator:
    """The trial objective: estimate, maybe promote, report values with their sources and constraints."""

    sweep: SweepSpec
    cache: ResultsCache
    toolchain: Any
    started: set[int] = field(default_factory=set)  # trial numbers this process worked on

    def __call__(self, trial: Any) -> list[float]:
        self.started.add(trial.number)
        trial.set_user_attr(WORKER, worker_id())
        # a retry of a killed worker's trial inherits its user attributes: it has not promoted yet
        trial.set_user_attr("promoted", False)
        try:
            return self._evaluate(trial)
        except KeyboardInterrupt:
            trial.set_user_attr("error", "interrupted (Ctrl-C)")
            raise
        except Exception as exc:
            stage = next((n for n in getattr(exc, "__notes__", []) if n.startswith("stage:")), "")
            reason = f"{stage + ': ' if stage else ''}{type(exc).__name__}: {exc}"
            trial.set_user_attr("error", reason[:2000])
            print(f"[sweep] trial {trial.number} failed: {reason.splitlines()[0][:300]}", flush=True)
            raise

    def _evaluate(self, trial: Any) -> list[float]:
        label, design = suggest_design(self.sweep, trial)
        trial.set_user_attr("design", label or design.name)
        trial.set_user_attr("kind", design.kind)
        trial.set_user_attr("design_hash", design.design_hash())
        with self.cache.lock(design) as folder:
            cached = self.cache.load(design)
            trial.set_user_attr("cache", "hit" if cached else "miss")
            evaluation = Evaluation(design, folder, self.toolchain, cached)
            estimate = evaluation.climb("estimate").as_estimate()
            est_values = self._values(estimate)
            est_feasible = all(v is None or v <= 0 for v in self._constraints(estimate, design).values())
            trial.set_user_attr("estimate_values", est_values)
            trial.set_user_attr("feasible_estimate", est_feasible)
            if trial.user_attrs.get(FORCE_PROMOTION) or self._promote(trial, est_values, est_feasible):
                trial.set_user_attr("promoted", True)
                record = evaluation.climb(self.sweep.promotion.fidelity)
            else:
                record = evaluation.climb("estimate")
        return self._report(trial, design, record, folder)

    def _values(self, record: Record) -> list[float]:
        values = []
        for objective in self.sweep.objectives:
            measured = measure(record, objective.metric, self.sweep.dsp_weight)
            if measured.value is None:
                raise RuntimeError(
                    f"objective {objective.metric} is unknown at fidelity {record.fidelity} "
                    f"for design {record.design} (null in its metrics.json)"
                )
            values.append(measured.value)
        return values

    def _constraints(self, record: Record, design: DesignSpec) -> dict[str, float | None]:
        """Constraint name -> value (feasible when <= 0; None when the record does not know it yet)."""
        result: dict[str, float | None] = {}
        if self.sweep.budget_us is not None:
            ns = measure(record, "latency.ns", self.sweep.dsp_weight).value
            result["latency_budget"] = None if ns is None else ns - 1000.0 * self.sweep.budget_us
        device = self.sweep.device_for(design)
        if device is not None:
            for resource in ("lut", "ff", "dsp", "bram"):
                used = measure(record, f"resources.{resource}", self.sweep.dsp_weight).value
                capacity = device.capacity(resource)
                result[f"{device.name}_{resource}"] = None if used is None else used - capacity
        for metric, limit in self.sweep.limits.items():
            value = measure(record, metric, self.sweep.dsp_weight).value
            result[f"limit_{metric}"] = None if value is None else value - limit
        mismatches = record.verification.mismatches
        result["rtl_mismatches"] = None if mismatches is None else float(mismatches)
        return result

    def _promote(self, trial: Any, values: list[float], feasible: bool) -> bool:
        """On or near the front of the finished trials' estimates, feasible, and under the cap."""
        if not feasible:
            return False
        from optuna.trial import TrialState

        trials = trial.study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.RUNNING))
        promotion = self.sweep.promotion
        promoted = sum(1 for t in trials if t.user_attrs.get("promoted") and t.number != trial.number)
        if promotion.max is not None and promoted >= promotion.max:
            return False
        complete = [t for t in trials if t.state == TrialState.COMPLETE]
        if len(complete) < promotion.after:
            return False
        others = [t.user_attrs["estimate_values"] for t in complete if t.user_attrs.get("feasible_estimate")]
        return near_front(values, others, self.sweep.directions, promotion.near)

    def _report(self, trial: Any, design: DesignSpec, record: Record, folder: Path) -> list[float]:
        values = self._values(record)
        constraints = self._constraints(record, design)
        for name, value in constraints.items():
            trial.set_constraint(name, 0.0 if value is None else value)  # unknown: not (yet) violated
        mismatches = constraints["rtl_mismatches"]
        trial.set_user_attr("fidelity", record.fidelity)
        trial.set_user_attr("constraints", constraints)
        trial.set_user_attr("feasible", all(v is None or v <= 0 for v in constraints.values()))
        trial.set_user_attr("mismatches", None if mismatches is None else int(mismatches))
        trial.set_user_attr("verified", record.fidelity == "verify" and mismatches == 0)
        weight = self.sweep.dsp_weight
        sources = {o.metric: measure(record, o.metric, weight).source for o in self.sweep.objectives}
        trial.set_user_attr("sources", sources)
        trial.set_user_attr("record", str(folder / "metrics.json"))
        trial.set_user_attr("warnings", record.warnings)
        if mismatches:
            print(f"[sweep] trial {trial.number}: RTL MISMATCHES its reference ({int(mismatches)} words)")
        return values


class Progress:
    """Optuna callback: one line per finished trial, counted over the whole study (all workers)."""

    def __init__(self, sweep: SweepSpec, target: int, jobs: int) -> None:
        self.sweep, self.target, self.jobs, self.start = sweep, target, jobs, time.monotonic()

    def __call__(self, study: Any, trial: Any) -> None:
        trials = records(study)
        done = [t for t in trials if t.ran]
        failed = sum(1 for t in trials if t.state == "FAIL")
        seconds = [t.seconds for t in done if t.seconds]
        per_trial = sum(seconds) / len(seconds) if seconds else 0.0
        eta = max(0, self.target - len(done)) * per_trial / self.jobs
        extra = len(done) - self.target  # front verifications (and resumed studies) go beyond the target
        count = f"{len(done)}/{self.target}" if extra <= 0 else f"{self.target}/{self.target} (+{extra})"
        line = (
            f"[sweep] {count} trials done, {failed} failed, "
            f"{sum(t.promoted for t in done)} promoted, {sum(t.verified for t in done)} verified, "
            f"front {len(pareto_front(trials, self.sweep.directions))} | "
            f"{per_trial:.0f} s/trial, ETA {eta / 60:.1f} min"
        )
        print(line, flush=True)
        if failed >= max(5, self.target):
            print(f"[sweep] stopping: {failed} trials failed (see `harness sweep status` for the reasons)")
            study.stop()


def run(sweep: SweepSpec, options: SweepOptions, overrides: list[str] | None = None) -> list[TrialRecord]:
    """Run (or resume) the study until `trials` are complete or the time is up; returns all trials.

    With `options.jobs` > 1, worker processes (spawned, each with its own sampler seed) share the
    study through its storage; this process then only waits for them. The front verification at
    the end (`promotion.verify_front`) runs in the same workers. With `options.trials` 0 the study is
    only created (or opened) and its command recorded: an empty study for imported vendor points.
    """
    from harness.toolchain import Toolchain

    if options.target(sweep) == 0:
        study = open_study(sweep, options)
        record_command(study, sweep, options, overrides or [])
        return records(study)
    check_capacities(sweep)  # before the study or any trial
    Toolchain.discover().require_fidelity(sweep.promotion.fidelity)
    record_command(open_study(sweep, options), sweep, options, overrides or [])
    _warm_up(sweep)
    _in_workers(sweep, options, overrides or [], None)
    if sweep.promotion.verify_front:
        study = open_study(sweep, options)
        for _ in range(3):  # a promotion can move designs, bringing others onto the front
            pending = enqueue_unverified_front(sweep, study)
            if not pending:
                break
            _in_workers(sweep, options, overrides or [], pending)
    return records(open_study(sweep, options))


def _in_workers(sweep: SweepSpec, options: SweepOptions, overrides: list[str], enqueued: int | None) -> None:
    """`optimize` in this process (one job) or in `options.jobs` spawned worker processes."""
    jobs = options.jobs if enqueued is None else min(options.jobs, enqueued)
    if jobs <= 1:
        optimize(sweep, options, 0, enqueued)
        return
    context = multiprocessing.get_context("spawn")
    share = None if enqueued is None else -(-enqueued // jobs)
    workers = [
        context.Process(target=_worker, args=(str(sweep.path), overrides, options, index, share))
        for index in range(jobs)
    ]
    for w in workers:
        w.start()
    try:
        for w in workers:
            w.join()
    except KeyboardInterrupt:
        _stop_workers(workers, sweep, options)
        raise


def _stop_workers(workers: list[Any], sweep: SweepSpec, options: SweepOptions) -> None:
    """After Ctrl-C. The workers got the same SIGINT, but one busy in a compiler run through
    os.system (which ignores SIGINT while it waits) only sees its stage fail and goes on to its next
    trial. So interrupt those still alive once more, terminate any that do not stop within 10 s, and
    fail the trials they leave running (a journal storage has no heartbeat to do it later)."""
    for w in workers:
        if w.is_alive():
            os.kill(w.pid, signal.SIGINT)
    killed = set()
    for w in workers:
        w.join(timeout=10)
        if w.is_alive():
            w.terminate()
            w.join()
            killed.add(f"{socket.gethostname()}:{w.pid}")
    if killed:
        from optuna.trial import TrialState

        study = open_study(sweep, options)
        for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
            if t.user_attrs.get(WORKER) in killed:
                _fail_trial(study, t, "interrupted (Ctrl-C; its worker was terminated)")


def _worker(sweep_path: str, overrides: list[str], options: SweepOptions, index: int, n: int | None) -> None:
    try:
        optimize(load_sweep(sweep_path, overrides), options, index, n)
    except KeyboardInterrupt:
        pass


def optimize(sweep: SweepSpec, options: SweepOptions, worker: int, n_trials: int | None = None) -> None:
    """One worker's loop: trials until the study holds `trials` completed ones (or the time is up);
    with `n_trials`, exactly that many (the enqueued front promotions)."""

    from harness.toolchain import Toolchain

    study = open_study(sweep, options, worker)
    target = options.target(sweep)
    evaluator = Evaluator(sweep, ResultsCache(options.results), Toolchain.discover())
    progress = Progress(sweep, target, options.jobs)
    known = {t._trial_id for t in study.get_trials(deepcopy=False)}  # noqa: SLF001 - storage ids
    try:
        if n_trials is not None:
            study.optimize(evaluator, n_trials=n_trials, catch=(Exception,), callbacks=[progress])
            return
        _fail_stale_trials(study)
        if _ran(study) >= target:
            return
        study.optimize(
            evaluator,
            timeout=options.timeout_s or sweep.timeout_s,
            catch=(Exception,),
            callbacks=[progress, _StopAt(target)],
            gc_after_trial=True,
        )
    except KeyboardInterrupt:
        _fail_interrupted(study, evaluator.started, known)
        raise


def _ran(study: Any) -> int:
    """Finished trials of the sweep itself (TrialRecord.ran): vendor points are not counted."""
    return sum(1 for t in records(study) if t.ran)


@dataclass(frozen=True)
class _StopAt:
    """Optuna callback: stop once the study holds `target` finished sweep trials (all workers counted).
    Optuna's MaxTrialsCallback would count imported vendor points too."""

    target: int

    def __call__(self, study: Any, trial: Any) -> None:
        if _ran(study) >= self.target:
            study.stop()


def _fail_interrupted(study: Any, started: set[int], known: set[int]) -> None:
    """Mark this process's trials left running by Ctrl-C as failed, so a resumed study does not carry
    them as running forever. Optuna fails a trial interrupted inside the objective itself, but not one
    interrupted while the sampler was still choosing its parameters (inside `study.ask`): that one is
    recognised as created after this process started and not yet given to the objective."""
    from optuna.trial import TrialState

    for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        if t.number in started or (t._trial_id not in known and WORKER not in t.user_attrs):  # noqa: SLF001
            _fail_trial(study, t, "interrupted (Ctrl-C)")


def _fail_trial(study: Any, trial: Any, reason: str) -> None:
    """Fail a trial left RUNNING, with its reason stored as the sweep stores every failure's."""
    from optuna.trial import Trial, TrialState

    Trial(study, trial._trial_id).set_user_attr("error", reason)  # noqa: SLF001
    study.tell(trial.number, state=TrialState.FAIL)


def _fail_stale_trials(study: Any) -> None:
    """Optuna's `fail_stale_trials` (a no-op without heartbeats), also when no trial is left to run.

    `optimize` applies it before each trial it starts; but when the target was reached while a
    killed worker's trial was still within its grace period, a restarted command starts none, and
    the trial would stay RUNNING. Failing it here queues its retry like any other stale trial.
    """
    import optuna

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        optuna.storages.fail_stale_trials(study)


def enqueue_unverified_front(sweep: SweepSpec, study: Any) -> int:
    """Enqueue, with promotion forced, the front designs still below the promotion fidelity (the cap
    stopped them, or a promotion moved other designs off the front); returns how many."""
    target = fidelity_rank(sweep.promotion.fidelity)
    front = pareto_front(records(study), sweep.directions)
    # imported vendor-measured points (`harness study add`) have no open-flow fidelity to promote to
    pending = [t for t in front if t.fidelity in OPEN_FLOW and fidelity_rank(t.fidelity) < target]
    if pending:
        print(f"[sweep] promoting {len(pending)} front design(s) evaluated only at estimate", flush=True)
    for t in pending:
        study.enqueue_trial(t.params, user_attrs={FORCE_PROMOTION: True}, skip_if_exists=False)
    return len(pending)


def _warm_up(sweep: SweepSpec) -> None:
    """What the kinds compile once per environment (da4ml's numba solver, cached on disk), before
    workers would each compile it."""
    warm_up_kinds({c.kind for c in sweep.candidates.values()}, "[sweep]")
