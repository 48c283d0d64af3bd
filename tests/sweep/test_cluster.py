"""Sweeps beyond one process: worker processes on one study in a real PostgreSQL server (the
session's throw-away cluster), as a SLURM array would run them, on tiny estimate-only designs.

Each worker is its own `harness sweep` process (not `--jobs`), so they share nothing but the database
and the results folder, and one of them can be SIGKILLed mid-trial.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from harness.cli import main
from harness.spec import SpecError
from harness.sweep import load_sweep, open_study, run
from harness.sweep.options import SweepOptions

from .conftest import TINY_SPACE, write_sweep

ESTIMATE_ONLY = {"after": 100, "verify_front": False}


@pytest.fixture
def start(tmp_path) -> Iterator[Callable[..., subprocess.Popen]]:
    """Start workers: the README's cluster command, each in its own session (so it can be killed as a
    group) with its output in a log beside the results; any still running at the end are killed."""
    started: list[subprocess.Popen] = []

    def _start(spec: Path, url: str, results: Path, *extra: str) -> subprocess.Popen:
        command = ["sweep", str(spec), "--storage", url, "--results", str(results), *extra]
        log = tmp_path / f"worker-{len(started)}.log"
        with log.open("w") as out:
            worker = subprocess.Popen(
                [sys.executable, "-m", "harness.cli", *command],
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        worker.args = str(log)  # where to look when it fails
        started.append(worker)
        return worker

    yield _start
    for worker in started:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()


def _finish(worker: subprocess.Popen, timeout: float = 600) -> None:
    code = worker.wait(timeout=timeout)
    assert code == 0, Path(worker.args).read_text()[-3000:]


def _trials(url: str, name: str) -> list[optuna.trial.FrozenTrial]:
    return optuna.load_study(study_name=name, storage=url).get_trials(deepcopy=False)


def _status(capsys, *args: str) -> str:
    assert main(["sweep", "status", *args]) == 0
    return capsys.readouterr().out


def test_two_workers_share_one_postgres_study_and_its_trial_count(tmp_path, postgres_url, capsys, start):
    """Both ask for 4 trials: 4 in all (not 8), each trial run once, by one of them, both present."""
    spec = write_sweep(
        tmp_path, name="pair", trials=4, sampler="random", space=TINY_SPACE, promotion=ESTIMATE_ONLY
    )
    results = tmp_path / "results"
    workers = [start(spec, postgres_url, results, "--worker", str(i)) for i in range(2)]
    for w in workers:
        _finish(w)
    trials = _trials(postgres_url, "pair")
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    # a worker stops once the study holds 4; the other may be finishing the trial it had started
    assert 4 <= len(complete) <= 5 and len(complete) == len(trials)
    assert sorted(t.number for t in trials) == list(range(len(trials)))
    names = {f"{socket.gethostname()}:{w.pid}" for w in workers}
    by_worker = {name: [t.number for t in complete if t.user_attrs["worker"] == name] for name in names}
    assert all(by_worker.values()), f"both workers ran trials: {by_worker}"
    assert sum(map(len, by_worker.values())) == len(complete), "every trial by exactly one worker"
    sequences = [[trials[n].params for n in numbers] for numbers in by_worker.values()]
    common = min(map(len, sequences))
    assert sequences[0][:common] != sequences[1][:common], "--worker offsets each worker's sampler seed"
    for t in complete:
        assert (
            json.loads(Path(t.user_attrs["record"]).read_text())["design_hash"] == t.user_attrs["design_hash"]
        )
    out = _status(capsys, str(spec), "--storage", postgres_url, "--results", str(results))
    assert f"{len(complete)} complete, 0 failed, 0 running (0 stale)" in out
    for name, numbers in by_worker.items():
        assert f"{name}  {len(numbers)} complete, 0 failed" in out and "trials/min" in out


def test_a_killed_worker_s_trial_is_failed_stale_retried_and_the_study_completes(
    tmp_path, postgres_url, capsys, start
):
    """SIGKILL mid-trial: the finished trials stay, the trial is stale, then failed and re-run with the
    same parameters by the restarted command (`retries: 1`), which completes the study."""
    spec = write_sweep(
        tmp_path, name="kill", trials=3, sampler="random", space=TINY_SPACE, promotion=ESTIMATE_ONLY
    )
    results = tmp_path / "results"
    fast = ("--heartbeat", "1", "--grace", "3")
    worker = start(spec, postgres_url, results, *fast)
    victim = _wait_mid_trial(postgres_url, "kill", worker)
    before = {t.number: t.values for t in _trials(postgres_url, "kill") if t.state == TrialState.COMPLETE}
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()
    assert (
        next(t for t in _trials(postgres_url, "kill") if t.number == victim.number).state
        == TrialState.RUNNING
    )
    time.sleep(4)  # past the grace period: Optuna's heartbeat test now calls it stale
    out = _status(capsys, str(spec), "--storage", postgres_url, "--results", str(results), *fast)
    assert "1 running (1 stale)" in out and f"trial {victim.number} on " in out and "STALE" in out

    _finish(start(spec, postgres_url, results, *fast))  # the same command again
    trials = {t.number: t for t in _trials(postgres_url, "kill")}
    assert trials[victim.number].state == TrialState.FAIL
    assert all(trials[n].state == TrialState.COMPLETE and trials[n].values == v for n, v in before.items())
    retries = [t for t in trials.values() if t.system_attrs.get("failed_trial") == victim.number]
    assert len(retries) == 1 and retries[0].state == TrialState.COMPLETE
    assert (
        retries[0].params == victim.params and retries[0].user_attrs["worker"] != victim.user_attrs["worker"]
    )
    complete = [t for t in trials.values() if t.state == TrialState.COMPLETE]
    assert len(complete) == 3
    designs = {json.dumps(t.params, sort_keys=True) for t in complete}
    assert len(designs) == 3, "the restart's sampler does not propose the first run's designs again"
    out = _status(capsys, str(spec), "--storage", postgres_url, *fast)
    assert "3 complete, 1 failed, 0 running" in out
    assert f"1 x stale heartbeat: the worker died mid-trial (retried) (trials {victim.number})" in out


def _wait_mid_trial(url: str, name: str, worker: subprocess.Popen) -> optuna.trial.FrozenTrial:
    """Poll the study until a trial finished and the next one has run for a few heartbeats."""
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        assert worker.poll() is None, "the worker ended before it could be killed"
        try:
            trials = _trials(url, name)
        except KeyError:  # the worker has not created the study yet
            trials = []
        running = [t for t in trials if t.state == TrialState.RUNNING]
        if any(t.state == TrialState.COMPLETE for t in trials) and running:
            started = running[0].datetime_start.timestamp()
            if time.time() - started > 3 and "design_hash" in running[0].user_attrs:
                return running[0]
        time.sleep(0.5)
    pytest.fail("no trial was running 3 s after a finished one")


@pytest.mark.parametrize("retries", [0, 1])
def test_stale_trials_are_retried_at_most_retries_times(tmp_path, postgres_url, retries):
    """The spec's `retries` reaches Optuna's retry callback: a trial whose heartbeat lapses is failed by
    Optuna's `fail_stale_trials` and queued again while its retry history is within `retries`."""
    spec = write_sweep(tmp_path, name="retry", retries=retries)
    study = open_study(load_sweep(spec), SweepOptions(storage=postgres_url, heartbeat_s=1, grace_s=1))
    for _ in range(retries + 1):
        trial = study.ask()  # the queued retry, when there is one
        study._storage.record_heartbeat(trial._trial_id)  # what Optuna's heartbeat thread does, once
        time.sleep(2.5)
        optuna.storages.fail_stale_trials(study)
    trials = study.get_trials(deepcopy=False)
    assert [t.state for t in trials] == [TrialState.FAIL] * (retries + 1), "no retry beyond `retries`"
    assert [t.system_attrs.get("failed_trial") for t in trials] == [None] + [0] * retries


def test_a_restart_of_a_finished_study_fails_the_stale_trial_it_would_not_otherwise_reach(
    tmp_path, postgres_url
):
    """The study holds its trials, but a killed worker's trial is still RUNNING (the target was met
    within its grace period): the same command starts no trial, yet fails that one."""
    spec = write_sweep(tmp_path, name="done", trials=1, retries=0)
    options = SweepOptions(storage=postgres_url, heartbeat_s=1, grace_s=1, results=tmp_path / "results")
    study = open_study(load_sweep(spec), options)
    study.tell(study.ask(), [0.5, 100.0, 10.0])
    stale = study.ask()
    study._storage.record_heartbeat(stale._trial_id)
    time.sleep(2.5)
    run(load_sweep(spec), options)
    assert [t.state for t in _trials(postgres_url, "done")] == [TrialState.COMPLETE, TrialState.FAIL]


def test_two_workers_on_one_design_write_one_artefact_folder(tmp_path, postgres_url, start):
    """A space of one design: both workers' first trials want it at once; one computes it under the
    design's lock, the other waits and takes the finished result from the cache."""
    spec = write_sweep(tmp_path, name="same", trials=2, promotion=ESTIMATE_ONLY)
    results = tmp_path / "results"
    workers = [start(spec, postgres_url, results) for _ in range(2)]
    for w in workers:
        _finish(w)
    complete = [t for t in _trials(postgres_url, "same") if t.state == TrialState.COMPLETE]
    misses = [t for t in complete if t.user_attrs["cache"] == "miss"]
    assert len(misses) == 1 and len(complete) >= 2, [t.user_attrs["cache"] for t in complete]
    assert any(
        t.datetime_start < misses[0].datetime_complete
        and t.user_attrs["worker"] != misses[0].user_attrs["worker"]
        for t in complete
        if t is not misses[0]
    ), "the other worker's trial must have started while the design was being computed"
    folders = [p for p in (results / "designs").iterdir() if p.is_dir()]
    assert len(folders) == 1
    record = json.loads((folders[0] / "metrics.json").read_text())
    assert record["design_hash"] == misses[0].user_attrs["design_hash"] and record["fidelity"] == "estimate"
    assert {t.user_attrs["record"] for t in complete} == {str(folders[0] / "metrics.json")}


def test_status_without_a_study_name_takes_the_only_journal_or_lists_them(tmp_path, capsys):
    results = tmp_path / "results"
    open_study(load_sweep(write_sweep(tmp_path, name="first")), SweepOptions(results=results))
    out = _status(capsys, "--results", str(results))
    assert out.startswith(f"study first on {results}/studies/first.journal")
    open_study(load_sweep(write_sweep(tmp_path, name="second")), SweepOptions(results=results))
    assert main(["sweep", "status", "--results", str(results)]) == 2
    assert f"(study journals in {results}/studies: first, second)" in capsys.readouterr().out


def test_status_on_a_journal_marks_a_dead_local_worker_s_trial_stale(tmp_path, capsys):
    """No heartbeat on a journal file: a running trial whose worker (this host) no longer exists is
    reported stale, one whose worker runs is not; a failure's reason is grouped."""
    spec = write_sweep(tmp_path, name="journal")
    study = open_study(load_sweep(spec), SweepOptions(results=tmp_path / "results"))
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    for pid in (int(dead.stdout), os.getpid()):
        study.ask().set_user_attr("worker", f"{socket.gethostname()}:{pid}")
    for _ in range(2):
        failed = study.ask()
        failed.set_user_attr("error", "stage: synth: SynthesisError: Yosys exceeded its time limit")
        study.tell(failed, state=TrialState.FAIL)
    out = _status(capsys, str(spec), "--results", str(tmp_path / "results"))
    assert "0 complete, 2 failed, 2 running (1 stale)" in out
    assert f"running: trial 0 on {socket.gethostname()}:{dead.stdout.strip()} STALE" in out
    assert f"running: trial 1 on {socket.gethostname()}:{os.getpid()}\n" in out
    assert "2 x stage: synth: SynthesisError: Yosys exceeded its time limit (trials 2, 3)" in out


def test_status_names_what_is_missing(tmp_path, postgres_url, capsys):
    assert main(["sweep", "status", "--results", str(tmp_path)]) == 2
    assert "needs the sweep spec or --study NAME (study journals in" in capsys.readouterr().out
    optuna.create_study(study_name="there", storage=postgres_url)
    # no study named: the only study of the storage is the one meant
    assert "study there on postgresql://" in _status(capsys, "--storage", postgres_url)
    optuna.create_study(study_name="also", storage=postgres_url)
    assert main(["sweep", "status", "--storage", postgres_url]) == 2
    assert "(studies in postgresql://" in (out := capsys.readouterr().out) and ": there, also)" in out
    assert main(["sweep", "status", "--study", "elsewhere", "--storage", postgres_url]) == 2
    assert "no study 'elsewhere' in" in (out := capsys.readouterr().out) and "studies there: there" in out
    assert main(["sweep", "status", "--study", "x", "--results", str(tmp_path)]) == 2
    assert f"no study journal at {tmp_path}/studies/x.journal" in capsys.readouterr().out
    assert main(["sweep", str(write_sweep(tmp_path)), "status"]) == 2
    assert "did you mean `harness sweep status" in capsys.readouterr().out


@pytest.mark.parametrize("value", [-1, True, "2"])
def test_retries_must_be_a_count(tmp_path, value):
    with pytest.raises(SpecError, match="retries"):
        load_sweep(write_sweep(tmp_path, retries=value))
    assert load_sweep(write_sweep(tmp_path)).retries == 1
