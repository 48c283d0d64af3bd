"""`harness sweep status`: how a study is doing, read from its storage while workers run on it.

Everything comes from the study itself (Optuna's trial states plus the user attributes the sweep's
Evaluator sets), so it answers for every worker on every machine: trials by state, the failures
grouped by reason, the running trials and which of them are stale, the Pareto front's size, how many
designs were verified bit-exact, and each worker's throughput (the `worker` attribute, host:pid).

A running trial is stale when its worker is gone. On an RDB storage that is Optuna's heartbeat
test (no heartbeat for `grace_s`), exactly what the next worker will fail and retry. A journal file
has no heartbeat; there a trial counts as stale when its worker ran on this host and that process no
longer exists (a worker on another host cannot be checked from here).
"""

from __future__ import annotations

import os
import socket
import warnings
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.spec import SpecError
from harness.sweep.storage import display_url, open_storage
from harness.sweep.trials import TrialRecord, pareto_front, stored

#: The reason shown for a failed trial that stored none: its process died or was interrupted.
NO_REASON = "no reason stored: the worker was killed (stale heartbeat) or interrupted"


@dataclass
class WorkerRate:
    """One worker's share of the study: its trials and how fast it completed them."""

    worker: str
    complete: int = 0
    failed: int = 0
    first_start: float | None = None
    last_end: float | None = None

    @property
    def per_minute(self) -> float | None:
        if not self.complete or self.first_start is None or self.last_end is None:
            return None
        span = self.last_end - self.first_start
        return 60.0 * self.complete / span if span > 0 else None


@dataclass
class StudyStatus:
    study: str
    storage: str
    counts: dict[str, int]
    failures: dict[str, list[int]]
    running: list[tuple[int, str, bool]]  # (trial, worker, stale)
    pareto: int
    verified: int
    workers: list[WorkerRate] = field(default_factory=list)

    @property
    def stale(self) -> int:
        return sum(stale for _, _, stale in self.running)


def study_status(study: Any, storage_text: str) -> StudyStatus:
    """The status of a loaded Optuna study (read only: nothing is failed or retried here)."""
    frozen = study.get_trials(deepcopy=False)
    trials = [TrialRecord.from_frozen(t) for t in frozen]
    # trials Optuna's RetryHeartbeatStaleTrialCallback queued again (each retry lists its predecessors)
    retried = {number for t in frozen for number in t.system_attrs.get("retry_history", [])}
    stale_ids = _stale_trial_ids(study)
    counts: dict[str, int] = defaultdict(int)
    failures: dict[str, list[int]] = defaultdict(list)
    running = []
    for t, record in zip(frozen, trials, strict=True):
        counts[t.state.name] += 1
        if t.state.name == "FAIL":
            failures[_reason(record, retried)].append(t.number)
        elif t.state.name == "RUNNING":
            worker = stored(t, "worker", "?")
            running.append((t.number, worker, _is_stale(t, worker, stale_ids)))
    directions = [d.name.lower() for d in study.directions]
    return StudyStatus(
        study=study.study_name,
        storage=storage_text,
        counts=dict(counts),
        failures=dict(failures),
        running=running,
        pareto=len(pareto_front(trials, directions)),
        verified=sum(t.verified for t in trials if t.state == "COMPLETE"),
        workers=_worker_rates(frozen),
    )


def load_status(storage_url: str, study_name: str, heartbeat_s: int, grace_s: int) -> StudyStatus:
    """Open the study read-only and take its status; a missing study or journal is a SpecError
    naming what is there (the storage is opened with the workers' heartbeat settings so that
    Optuna's staleness test applies, but nothing is failed or retried)."""
    import optuna

    shown = display_url(storage_url)
    if "://" not in storage_url and not Path(storage_url).exists():
        raise SpecError(
            f"no study journal at {storage_url}: the file does not exist. A sweep writes it "
            "(`harness sweep SPEC` writes RESULTS/studies/<name>.journal); name that file with --storage, "
            "or the study with --study NAME or the sweep spec"
        )
    storage = open_storage(storage_url, heartbeat_s, grace_s)
    try:
        study = optuna.load_study(study_name=study_name, storage=storage)
    except KeyError:
        names = ", ".join(optuna.get_all_study_names(storage)) or "none"
        raise SpecError(f"no study {study_name!r} in {shown}; studies there: {names}") from None
    return study_status(study, shown)


def sole_study(storage_url: str | None, results: Path) -> tuple[str, str]:
    """(study name, storage) when `status` names no study: the only study in `--storage`, or in the only
    journal under RESULTS/studies; otherwise a SpecError listing what is there to choose from."""
    import optuna

    if storage_url is None:
        journals = sorted((results / "studies").glob("*.journal"))
        if len(journals) != 1:
            found = ", ".join(p.stem for p in journals) or "none"
            raise SpecError(
                "harness sweep status needs the sweep spec or --study NAME "
                f"(study journals in {results / 'studies'}: {found})"
            )
        storage_url = str(journals[0])
    names = optuna.get_all_study_names(open_storage(storage_url))
    if len(names) != 1:
        raise SpecError(
            f"harness sweep status needs the sweep spec or --study NAME (studies in "
            f"{display_url(storage_url)}: {', '.join(names) or 'none'})"
        )
    return names[0], storage_url


def _reason(record: TrialRecord, retried: set[int]) -> str:
    if record.error:
        return record.error.splitlines()[0][:200]
    if record.number in retried:
        return "stale heartbeat: the worker died mid-trial (retried)"
    return NO_REASON


def _stale_trial_ids(study: Any) -> set[int]:
    """Optuna's own staleness test on a heartbeat storage (the one `fail_stale_trials` applies)."""
    from optuna.storages._heartbeat import is_heartbeat_enabled

    storage = study._storage
    if not is_heartbeat_enabled(storage):
        return set()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return set(storage._get_stale_trial_ids(study._study_id))


def _is_stale(trial: Any, worker: str, stale_ids: set[int]) -> bool:
    if trial._trial_id in stale_ids:
        return True
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # it exists, under another user
    return False


def _worker_rates(frozen: list[Any]) -> list[WorkerRate]:
    rates: dict[str, WorkerRate] = {}
    for t in frozen:
        if t.state.name not in ("COMPLETE", "FAIL") or t.datetime_start is None:
            continue
        worker = stored(t, "worker", "?")
        rate = rates.setdefault(worker, WorkerRate(worker))
        if t.state.name == "COMPLETE":
            rate.complete += 1
        else:
            rate.failed += 1
        start = t.datetime_start.timestamp()
        end = t.datetime_complete.timestamp() if t.datetime_complete else start
        rate.first_start = start if rate.first_start is None else min(rate.first_start, start)
        rate.last_end = end if rate.last_end is None else max(rate.last_end, end)
    return sorted(rates.values(), key=lambda r: r.worker)


def render(status: StudyStatus) -> str:
    c = status.counts
    lines = [
        f"study {status.study} on {status.storage}",
        f"trials: {c.get('COMPLETE', 0)} complete, {c.get('FAIL', 0)} failed, {c.get('RUNNING', 0)} running "
        f"({status.stale} stale), {c.get('WAITING', 0)} waiting (queued retries or promotions), "
        f"{c.get('PRUNED', 0)} pruned",
        f"Pareto front: {status.pareto} designs; {status.verified} trials verified bit-exact",
    ]
    if status.failures:
        lines.append("failed, by reason:")
        for reason, numbers in sorted(status.failures.items(), key=lambda kv: -len(kv[1])):
            lines.append(f"  {len(numbers)} x {reason} (trials {_numbers(numbers)})")
    for number, worker, stale in status.running:
        lines.append(
            f"running: trial {number} on {worker}" + (" STALE (its worker is gone)" if stale else "")
        )
    if status.workers:
        lines.append("workers:")
        width = max(len(r.worker) for r in status.workers)
        for r in status.workers:
            rate = "-" if r.per_minute is None else f"{r.per_minute:.2f}"
            lines.append(
                f"  {r.worker.ljust(width)}  {r.complete} complete, {r.failed} failed, {rate} trials/min"
            )
    return "\n".join(lines)


def _numbers(numbers: list[int]) -> str:
    return ", ".join(map(str, numbers[:12])) + (", ..." if len(numbers) > 12 else "")
