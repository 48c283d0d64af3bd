"""Running a sweep: an Optuna multi-objective study whose trials are design points of the flow.

Every trial is evaluated at fidelity `estimate` (train, convert, bit-accurate emulation, RTL with the
generator's cost model). A trial whose estimate lies on or near (`promotion.near`) the front of the
trials finished so far, and inside the constraints, is promoted in the same trial to Yosys (`synth`)
and RTL simulation (`verify`), reusing everything the estimate computed; its objective values are then
its highest-fidelity ones, each with its source. At the end, front designs that were not promoted
(after the promotion cap) are re-run with promotion forced (`promotion.verify_front`).

Trials are counted across workers, so `trials: N` stops the study at N completed trials whichever
worker ran them. A failing trial is marked failed with its reason (`error`) and the study goes on;
Ctrl-C stops, and the same command resumes the study.

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
from dataclasses import dataclass
from typing import Any

from harness.kinds import warm_up_kinds
from harness.record import OPEN_FLOW, fidelity_rank
from harness.sweep.cache import ResultsCache
from harness.sweep.checks import check_capacities
from harness.sweep.evaluator import Evaluator
from harness.sweep.loader import load_sweep
from harness.sweep.options import SweepOptions
from harness.sweep.provenance import record_command
from harness.sweep.spec import SweepSpec
from harness.sweep.study import open_study, records
from harness.sweep.trials import TrialRecord, attributes, pareto_front, store, stored


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
            if stored(t, "worker") in killed:
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
        if t.number in started or (t._trial_id not in known and stored(t, "worker") is None):  # noqa: SLF001
            _fail_trial(study, t, "interrupted (Ctrl-C)")


def _fail_trial(study: Any, trial: Any, reason: str) -> None:
    """Fail a trial left RUNNING, with its reason stored as the sweep stores every failure's."""
    from optuna.trial import Trial, TrialState

    store(Trial(study, trial._trial_id), error=reason)  # noqa: SLF001
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
        study.enqueue_trial(t.params, user_attrs=attributes(force_promotion=True), skip_if_exists=False)
    return len(pending)


def _warm_up(sweep: SweepSpec) -> None:
    """What the kinds compile once per environment (da4ml's numba solver, cached on disk), before
    workers would each compile it."""
    warm_up_kinds({c.kind for c in sweep.candidates.values()}, "[sweep]")
