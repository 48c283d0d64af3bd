"""Running a sweep: an Optuna multi-objective study whose trials are design points of the flow.

Every trial is evaluated at fidelity `estimate` (train, convert, bit-accurate emulation, RTL with the
generator's cost model). A trial whose estimate lies on or near (`promotion.near`) the front of the
trials completed before its batch, and inside the constraints, is promoted in the same trial to Yosys
(`synth`) and RTL simulation (`verify`), reusing everything the estimate computed; its objective values
are then its highest-fidelity ones, each with its source. At the end, front designs that were not
promoted (after the promotion cap) are re-run with promotion forced (`promotion.verify_front`).

**Batched ask-and-tell, one seeded sampler.** This process asks the study for `batch_size` trials,
samples their parameters, decides each one's promotion rule from the trials completed so far, has
the batch evaluated by `--jobs` worker processes (spawned once, each with its share of the cores), and
tells the results in trial order. What the sampler sees therefore never depends on the number of
workers or their timing: a seeded study proposes the same trials with 1 or 4 jobs, and running it
again as a new study is served from the results cache. Several commands on one study (`--worker`,
a job array sharing PostgreSQL) each run this loop with their own seed; their trials interleave as
the storage orders them, so such a study is not reproducible.

Trials are counted across commands, so `trials: N` stops at N completed trials whichever command ran
them (a batch started just before finishes). A failing trial is marked failed with its reason
(`error`) and the study goes on; Ctrl-C fails the batch in flight and stops, and the same command
resumes the study.

Crash safety on an RDB storage is Optuna's heartbeat: this process records a heartbeat for each trial
in flight every `heartbeat_s`; a trial whose heartbeat is older than `grace_s` (its command was killed)
is failed before the next batch of any command, and Optuna's `RetryHeartbeatStaleTrialCallback` queues
it again with the same parameters, at most `retries` times. Optuna 5's JournalStorage has no heartbeat,
so a killed command's trials stay RUNNING there (they are not counted, and the study goes on without
them). Each trial records the worker process that evaluated it (`worker`, host:pid) and the seconds the
sampler took to propose it (`sampling_s`).
"""

from __future__ import annotations

import math
import multiprocessing
import os
import threading
import time
import warnings
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any

from harness.kinds import warm_up_kinds
from harness.record import OPEN_FLOW, fidelity_rank
from harness.sweep.cache import ResultsCache
from harness.sweep.checks import check_capacities
from harness.sweep.evaluator import Outcome, PromotionRule, TrialJob, evaluate_trial
from harness.sweep.options import SweepOptions
from harness.sweep.provenance import record_command
from harness.sweep.spec import SweepSpec, suggest_design
from harness.sweep.storage import worker_id
from harness.sweep.study import open_study, records
from harness.sweep.trials import TrialRecord, attributes, pareto_front, store, stored

#: Environment variables that size a worker's thread pools (OpenMP, TensorFlow, numba): each of
#: `jobs` workers gets its share of the cores, so they do not oversubscribe them.
THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "TF_NUM_INTRAOP_THREADS",
    "TF_NUM_INTEROP_THREADS",
    "NUMBA_NUM_THREADS",
)


class Progress:
    """One line per finished trial, counted over the whole study (all commands on it)."""

    def __init__(self, sweep: SweepSpec, target: int, jobs: int) -> None:
        self.sweep, self.target, self.jobs = sweep, target, jobs

    def __call__(self, study: Any) -> None:
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

    def too_many_failures(self, study: Any) -> bool:
        failed = sum(1 for t in records(study) if t.state == "FAIL")
        if failed >= max(5, self.target):
            print(f"[sweep] stopping: {failed} trials failed (see `harness sweep status` for the reasons)")
            return True
        return False


def run(sweep: SweepSpec, options: SweepOptions, overrides: list[str] | None = None) -> list[TrialRecord]:
    """Run (or resume) the study until `trials` are complete or the time is up; returns all trials.

    With `options.jobs` > 1 the trials of a batch are evaluated in that many spawned worker processes
    (at most `batch_size`); the trials asked are the same as with one. The front verification at the
    end (`promotion.verify_front`) runs in the same workers, as one batch handed out largest design
    first (`longest_first`). With `options.trials` 0 the study is
    only created (or opened) and its command recorded: an empty study for imported vendor points.
    """
    from harness.toolchain import Toolchain

    if options.target(sweep) > 0:
        check_capacities(sweep)  # before the study or any trial
        Toolchain.discover().require_fidelity(sweep.promotion.fidelity)
    study = open_study(sweep, options)
    record_command(study, sweep, options, overrides or [])
    if options.target(sweep) == 0:
        return records(study)
    if options.jobs > sweep.batch_size:
        print(f"[sweep] --jobs {options.jobs}: {sweep.batch_size} worker processes (the spec's batch_size)")
    deadline = time.monotonic() + (options.timeout_s or sweep.timeout_s or math.inf)
    with (
        _workers(min(options.jobs, sweep.batch_size)) as pool,
        _Heartbeat(study, options.heartbeat_s) as beat,
    ):
        loop = _Loop(sweep, options, study, pool, beat)
        loop.until_target(deadline)
        if sweep.promotion.verify_front:
            for _ in range(3):  # a promotion can move designs, bringing others onto the front
                pending = enqueue_unverified_front(sweep, study)
                if not pending:
                    break
                # one batch: no sampling depends on these, so the workers take them as they free up
                loop.batch(pending)
    return records(study)


class _Loop:
    """Batches of ask, evaluate (in the pool), tell: the one place trials are run."""

    def __init__(
        self, sweep: SweepSpec, options: SweepOptions, study: Any, pool: Any, beat: _Heartbeat
    ) -> None:
        self.sweep, self.options, self.study, self.pool, self.beat = sweep, options, study, pool, beat
        self.progress = Progress(sweep, options.target(sweep), options.jobs)
        self.warm = False

    def until_target(self, deadline: float) -> None:
        target = self.options.target(self.sweep)
        while time.monotonic() < deadline:
            _fail_stale_trials(self.study)
            remaining = target - _ran(self.study)
            if remaining <= 0 or self.progress.too_many_failures(self.study):
                return
            self.batch(min(self.sweep.batch_size, remaining))

    def batch(self, size: int) -> None:
        asked: list[Any] = []
        try:
            jobs = []
            rules = _PromotionRules(self.sweep, self.study)
            for _ in range(size):
                start = time.monotonic()
                trial = self.study.ask()
                asked.append(trial)
                label, design = suggest_design(self.sweep, trial)
                store(
                    trial,
                    worker=worker_id(),  # until its outcome names the worker process that evaluated it
                    design=label or design.name,
                    kind=design.kind,
                    design_hash=design.design_hash(),
                    sampling_s=round(time.monotonic() - start, 4),
                )
                rule = rules.next(bool(stored(trial, "force_promotion")))
                jobs.append(TrialJob(trial.number, self.sweep, design, self.options.results, rule))
            self.beat.watch(asked)
            for trial, outcome in zip(list(asked), self._evaluate(jobs), strict=True):
                _tell(self.study, trial, outcome)
                asked.remove(trial)
                self.progress(self.study)
        except KeyboardInterrupt:
            for trial in asked:
                _fail_trial(self.study, trial, "interrupted (Ctrl-C)")
            raise
        finally:
            self.beat.watch([])

    def _evaluate(self, jobs: list[TrialJob]) -> Iterator[Outcome]:
        if not self.warm and not all(_cached(job) for job in jobs):
            _warm_up(self.sweep)  # first work to do: compile once here, before the workers would
            self.warm = True
        if self.pool is None:
            return (evaluate_trial(job) for job in jobs)
        order = longest_first(jobs)
        try:
            outcomes = list(self.pool.map(evaluate_trial, [jobs[i] for i in order]))
            return iter([outcome for _, outcome in sorted(zip(order, outcomes, strict=True))])
        except BrokenProcessPool:
            reason = "its worker process died (killed, or out of memory); the pool was restarted"
            self.pool.restart()
            return iter([Outcome(None, {"error": reason}) for _ in jobs])


class _PromotionRules:
    """The promotion rule of each trial of one batch, decided before any is evaluated, from the trials
    completed so far: under the cap (counting earlier trials of the batch as promoted), after
    `promotion.after` completed trials, near the front of the completed feasible estimates."""

    def __init__(self, sweep: SweepSpec, study: Any) -> None:
        from optuna.trial import TrialState

        promotion = sweep.promotion
        complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        running = study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
        self.promoted = sum(1 for t in [*complete, *running] if stored(t, "promoted"))
        self.cap = math.inf if promotion.max is None else promotion.max
        self.enough = len(complete) >= promotion.after
        estimates = (stored(t, "estimate_values") for t in complete if stored(t, "feasible_estimate"))
        self.others = tuple(tuple(v) for v in estimates if v is not None)
        self.near = promotion.near

    def next(self, force: bool) -> PromotionRule:
        allowed = self.enough and self.promoted < self.cap
        self.promoted += 1 if (allowed or force) else 0  # a batch never exceeds the cap
        return PromotionRule(force=force, allowed=allowed, others=self.others, near=self.near)


def _tell(study: Any, trial: Any, outcome: Outcome) -> None:
    from optuna.trial import TrialState

    store(trial, **outcome.attributes)
    if outcome.values is None:
        study.tell(trial, state=TrialState.FAIL)
        return
    for name, value in outcome.constraints.items():
        trial.set_constraint(name, 0.0 if value is None else value)  # unknown: not (yet) violated
    study.tell(trial, outcome.values)


class _Pool:
    """`jobs` spawned worker processes, started once for the whole sweep (TensorFlow and the flow are
    imported once per worker, not per trial)."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        self.threads = max(1, len(os.sched_getaffinity(0)) // jobs)
        self.executor = self._start()

    def _start(self) -> ProcessPoolExecutor:
        context = multiprocessing.get_context("spawn")
        return ProcessPoolExecutor(
            self.jobs, mp_context=context, initializer=_share_cores, initargs=(self.threads,)
        )

    def map(self, function: Any, items: list[Any]) -> Iterator[Any]:
        return self.executor.map(function, items)

    def restart(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.executor = self._start()

    def stop(self) -> None:
        """Shut down; on Ctrl-C, worker processes still busy (a compiler run ignores SIGINT while it
        waits) are terminated rather than waited for."""
        # ProcessPoolExecutor has no public way to terminate its busy workers
        for process in list(getattr(self.executor, "_processes", {}).values()):
            if process.is_alive():
                process.terminate()
        self.executor.shutdown(wait=True, cancel_futures=True)


def _share_cores(threads: int) -> None:
    """Worker initializer: this worker's thread pools get `threads` cores (before TensorFlow loads)."""
    for name in THREAD_VARIABLES:
        os.environ[name] = str(threads)


@contextmanager
def _workers(jobs: int) -> Iterator[_Pool | None]:
    """The worker pool for `jobs` > 1; None (evaluate in this process) for one."""
    if jobs <= 1:
        yield None
        return
    pool = _Pool(jobs)
    try:
        yield pool
    except BaseException:
        pool.stop()
        raise
    pool.executor.shutdown(wait=True)


class _Heartbeat:
    """Records a heartbeat for each trial in flight every `interval` seconds, on storages with
    heartbeats enabled (RDB with `heartbeat_s`); a no-op otherwise."""

    def __init__(self, study: Any, interval: int) -> None:
        from optuna.storages._heartbeat import is_heartbeat_enabled

        storage = study._storage  # noqa: SLF001 - Optuna has no public accessor for a study's storage
        enabled = is_heartbeat_enabled(storage)
        self.storage, self.interval = (storage if enabled else None), interval
        self.trials: list[int] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._beat, daemon=True, name="sweep-heartbeat")

    def __enter__(self) -> _Heartbeat:
        if self.storage is not None:
            self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()

    def watch(self, trials: list[Any]) -> None:
        self.trials = [t._trial_id for t in trials]  # noqa: SLF001 - storage ids
        self._record()

    def _beat(self) -> None:
        while not self.stop.wait(self.interval):
            self._record()

    def _record(self) -> None:
        if self.storage is not None:
            for trial_id in list(self.trials):
                self.storage.record_heartbeat(trial_id)


def _ran(study: Any) -> int:
    """Finished trials of the sweep itself (TrialRecord.ran): vendor points are not counted."""
    return sum(1 for t in records(study) if t.ran)


def _fail_trial(study: Any, trial: Any, reason: str) -> None:
    """Fail an asked trial (an `optuna.trial.Trial`), with its reason stored as the sweep stores every
    failure's."""
    from optuna.trial import TrialState

    store(trial, error=reason)
    study.tell(trial, state=TrialState.FAIL)


def _fail_stale_trials(study: Any) -> None:
    """Optuna's `fail_stale_trials` (a no-op without heartbeats), before every batch and also when no
    trial is left to run: a killed command's trial is failed, and its retry queued, either way."""
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
        study.enqueue_trial(t.params, user_attrs=attributes(force_promotion=True), skip_if_exists=False)
    return len(pending)


def longest_first(jobs: list[TrialJob]) -> list[int]:
    """The order to hand a batch's jobs to the worker pool: indices into `jobs`, the design with the
    most LUTs recorded in the results folder first (its estimate; Yosys' and Verilator's time grow with
    it), the others in their own order. Longest-processing-time-first: a front verification of 18 000
    LUTs (two minutes of Yosys) started last would keep one worker busy long after the other is idle.
    The results are told in trial order all the same."""

    def luts(job: TrialJob) -> int:
        record = ResultsCache(job.results).load(job.design)
        return -1 if record is None or record.resources.lut is None else record.resources.lut

    return sorted(range(len(jobs)), key=lambda i: -luts(jobs[i]))


def _cached(job: TrialJob) -> bool:
    """The trial's design has a record in the results folder (a re-run of a study asks only these)."""
    return ResultsCache(job.results).load(job.design) is not None


def _warm_up(sweep: SweepSpec) -> None:
    """What the kinds compile once per environment (da4ml's numba solver, cached on disk), before
    workers would each compile it: done before the first batch with a design to compute, so a study
    served from the results cache does not pay it."""
    warm_up_kinds({c.kind for c in sweep.candidates.values()}, "[sweep]")
