"""Real sweeps on tiny design points: real training, hls4ml/conifer, da4ml, Yosys and Verilator.

One small study is shared by several tests (module fixture); each other test runs its own short study.
"""

from __future__ import annotations

import json
import signal
import sys

import pytest
import yaml

from harness.cli import main
from harness.spec import load
from harness.sweep import load_sweep, open_study, records
from harness.sweep.cache import ResultsCache
from harness.sweep.evaluator import PromotionRule, TrialJob
from harness.sweep.options import SweepOptions
from harness.sweep.runner import longest_first
from harness.sweep.trials import best_per_design, pareto_front

from ..conftest import ROOT, start_interruptible
from .conftest import TINY_BDT, TINY_NN, TINY_SPACE, write_sweep

RANK = {"estimate": 0, "synth": 1, "verify": 2}


def _sweep(tmp_path, capsys, *extra: str, **fields) -> tuple[int, str, list]:
    """Run a sweep written from `fields`; returns the exit code, the output and the study's trials."""
    path = write_sweep(tmp_path, **fields)
    code = main(["sweep", str(path), "--results", str(tmp_path / "results"), *extra])
    trials = records(open_study(load_sweep(path), SweepOptions(results=tmp_path / "results")))
    return code, capsys.readouterr().out, trials


@pytest.fixture(scope="module")
def study(tiny_study):
    """The shared small study (TINY_STUDY: 5 random trials, a 30 ns budget, the front verified)."""
    spec, results = tiny_study
    sweep = load_sweep(spec)
    options = SweepOptions(results=results)
    return sweep, options, records(open_study(sweep, options))


def test_every_trial_records_its_fidelity_sources_and_estimates(study):
    sweep, _, trials = study
    complete = [t for t in trials if t.state == "COMPLETE"]
    assert len(complete) >= 5
    for t in complete:
        record = json.loads(open(t.record).read())
        assert record["design_hash"] == t.design_hash
        # one folder per design: a later promotion of the same design raises the file's fidelity
        assert RANK[record["fidelity"]] >= RANK[t.fidelity]
        assert len(t.estimate_values) == 3 and set(t.sources) == {o.metric for o in sweep.objectives}
        if t.fidelity == "estimate":
            assert t.sources["lut_equivalent"].startswith("estimate:")
            assert not t.verified and t.mismatches is None
        else:
            assert record["fidelity"] == t.fidelity == "verify"
            assert t.promoted and t.sources["lut_equivalent"].startswith("yosys")
            assert t.sources["latency.ns"].startswith("verilator") and t.sources["latency.ns"].endswith(
                "(measured)"
            )
            assert record["verification"]["vectors"] == 300 and t.mismatches == 0 and t.verified
            assert record["estimate"]["lut"] is not None  # the estimate is kept beside Yosys
        assert record["model"]["arithmetic"] == ("mac" if t.params["firmware.reuse_factor"] == 2 else "da")
    assert any(t.fidelity == "verify" for t in complete) and any(t.fidelity == "estimate" for t in complete)


def _brute_force_front(trials, budget_ns):
    """Independent of harness.sweep: feasibility from each metrics.json, best fidelity per design,
    then p survives unless another point is no worse everywhere and differs."""
    rank = RANK
    best = {}
    for t in trials:
        if t.state != "COMPLETE":
            continue
        record = json.loads(open(t.record).read())
        if record["latency"]["ns"] > budget_ns or record["verification"]["mismatches"]:
            continue
        if t.design_hash not in best or rank[t.fidelity] > rank[best[t.design_hash].fidelity]:
            best[t.design_hash] = t
    points = {h: (-t.values[0], t.values[1], t.values[2]) for h, t in best.items()}
    return {
        h
        for h, p in points.items()
        if not any(all(a <= b for a, b in zip(q, p, strict=True)) and q != p for q in points.values())
    }


def test_front_equals_brute_force_and_is_verified(study):
    sweep, _, trials = study
    front = pareto_front(trials, sweep.directions)
    assert {t.design_hash for t in front} == _brute_force_front(trials, 1000 * sweep.budget_us)
    assert front and all(t.verified for t in front), "verify_front promotes every front design"
    outside = [t for t in trials if t.state == "COMPLETE" and not t.feasible]
    assert outside, "the 30 ns budget must leave some designs outside"
    assert not {t.design_hash for t in outside} & {t.design_hash for t in front}
    assert all(t.constraints["latency_budget"] > 0 for t in outside if t.fidelity == "verify")
    assert len(best_per_design(trials)) <= len(trials)


def test_rerun_as_a_new_study_is_served_from_the_cache(study, capsys):
    """Same seed, same results folder, new study name: the same designs, every one a cache hit."""
    sweep, options, first = study
    code = main(["sweep", str(sweep.path), "--results", str(options.results), "--study", "again"])
    assert code == 0
    again = records(open_study(sweep, SweepOptions(results=options.results, study="again")))
    hits = [t for t in again if t.state == "COMPLETE"]
    assert hits and all(t.cache == "hit" for t in hits)
    assert {t.design_hash for t in hits} <= {t.design_hash for t in first}
    assert "train ..." not in capsys.readouterr().out


def test_changed_seed_or_tool_version_is_a_miss(study, monkeypatch):
    _, options, trials = study
    cache = ResultsCache(options.results)
    done = next(t for t in trials if t.fidelity == "verify")
    spec = load(ROOT / "designs" / "jet_mlp.yaml", _overrides(json.loads(open(done.record).read())["params"]))
    assert cache.load(spec).reached("verify") and cache.load(spec).reached("estimate")
    spec.seed += 1
    assert cache.load(spec) is None
    spec.seed -= 1
    monkeypatch.setattr(
        "harness.spec.hashing.package_version", lambda pkg: "99.0" if pkg == "hls4ml" else "1"
    )
    assert cache.load(spec) is None
    estimate_only = next(t for t in trials if t.fidelity == "estimate")
    params = json.loads(open(estimate_only.record).read())["params"]
    monkeypatch.undo()
    spec = load(ROOT / "designs" / "jet_mlp.yaml", _overrides(params))
    assert cache.load(spec).reached("estimate")
    assert not cache.load(spec).reached("verify"), "an estimate never answers for a verification"


def _overrides(params: dict) -> list[str]:
    return [
        f"{section}.{k}={json.dumps(v)}"
        for section, fields in params.items()
        if isinstance(fields, dict)
        for k, v in fields.items()
    ] + [f"seed={params['seed']}", f"name={params['name']}"]


def test_batch_jobs_go_to_the_workers_largest_recorded_design_first(study):
    """The pool gets a batch's jobs by the LUTs of their records in the results folder, descending
    (read here from each metrics.json); a design not computed yet goes after them, in its place."""
    sweep, options, trials = study
    jobs, luts = [], []
    for t in trials:
        if t.state != "COMPLETE" or t.design_hash in {j.design.design_hash() for j in jobs}:
            continue
        record = json.loads(open(t.record).read())
        spec = load(ROOT / "designs" / "jet_mlp.yaml", _overrides(record["params"]))
        jobs.append(TrialJob(t.number, sweep, spec, options.results, PromotionRule()))
        luts.append(record["resources"]["lut"])
    assert len(set(luts)) >= 3, "the shared study has designs of several sizes"
    fresh = load(ROOT / "designs" / "jet_mlp.yaml", _overrides(record["params"]))
    fresh.seed += 1  # another design hash: nothing recorded
    jobs.insert(1, TrialJob(99, sweep, fresh, options.results, PromotionRule()))
    order = longest_first(jobs)
    assert order[-1] == 1 and sorted(order) == list(range(len(jobs)))
    by_size = [luts[i if i < 1 else i - 1] for i in order[:-1]]
    assert by_size == sorted(luts, reverse=True)


def test_failing_trials_do_not_stop_the_study_and_keep_their_reason(tmp_path, capsys):
    """Designs with a 1 ms Yosys time limit fail in their synth stage; the study goes on to 3
    completed trials. The failing ones are enqueued first, so the test does not depend on luck."""
    space = {**TINY_SPACE, "verify.synth_timeout_s": {"type": "categorical", "choices": [1800, 0.001]}}
    path = write_sweep(
        tmp_path,
        trials=3,
        sampler="random",
        space=space,
        promotion={"fidelity": "synth", "near": 0.999, "after": 0, "verify_front": False},
    )
    sweep = load_sweep(path)
    options = SweepOptions(results=tmp_path / "results")
    study = open_study(sweep, options)
    base = {"model.hidden.length": 1, "model.hidden[0]": 4, "firmware.reuse_factor": 1}
    for bits, timeout in ((3, 0.001), (4, 1800), (5, 0.001)):
        study.enqueue_trial({**base, "model.weight_bits": bits, "verify.synth_timeout_s": timeout})
    assert main(["sweep", str(path), "--results", str(tmp_path / "results")]) == 0
    out = capsys.readouterr().out
    trials = records(open_study(sweep, options))
    failed = [t for t in trials if t.state == "FAIL"]
    assert [t.number for t in failed][:2] == [0, 2] and sum(t.state == "COMPLETE" for t in trials) == 3
    assert all(
        t.error.startswith("stage: synth: SynthesisError: Yosys exceeded its time limit") for t in failed
    )
    assert all(t.params["verify.synth_timeout_s"] == 0.001 for t in failed)
    assert "failed trial 0: stage: synth: SynthesisError: Yosys exceeded its time limit of 0.001 s" in out


def test_ctrl_c_stops_cleanly_and_the_same_command_resumes(tmp_path, capsys):
    """SIGINT after the first finished trial: exit 130, finished trials kept; the same command then
    completes the study without redoing them."""
    fields = dict(trials=3, sampler="tpe", space=TINY_SPACE, promotion={"after": 100, "verify_front": False})
    path = write_sweep(tmp_path, **fields)
    command = [
        sys.executable,
        "-m",
        "harness.cli",
        "sweep",
        str(path),
        "--results",
        str(tmp_path / "results"),
    ]
    proc = start_interruptible(command)
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if "1/3 trials done" in line:
            proc.send_signal(signal.SIGINT)
            break
    rest, _ = proc.communicate(timeout=300)
    assert proc.returncode == 130, "".join(lines) + rest
    assert "interrupted: finished trials are stored; run the same command to resume" in rest
    sweep = load_sweep(path)
    stopped = records(open_study(sweep, SweepOptions(results=tmp_path / "results")))
    finished = [t for t in stopped if t.state == "COMPLETE"]
    assert len(finished) == 1 and all(t.state in ("COMPLETE", "FAIL") for t in stopped)
    assert main(["sweep", str(path), "--results", str(tmp_path / "results")]) == 0
    resumed = records(open_study(sweep, SweepOptions(results=tmp_path / "results")))
    assert sum(t.state == "COMPLETE" for t in resumed) == 3
    assert resumed[finished[0].number].values == finished[0].values
    assert "3/3 trials done" in capsys.readouterr().out


def test_nn_and_bdt_compete_in_one_study(tmp_path, capsys):
    """The shipped NN-vs-BDT spec on tiny settings: both kinds are trained, converted and estimated in
    one study and ranked on one front (the first two trials are enqueued as one of each kind)."""
    raw = yaml.safe_load((ROOT / "sweeps" / "jet_nn_vs_bdt.yaml").read_text())
    raw["designs"]["mlp"]["design"] = str(ROOT / "designs" / "jet_mlp.yaml")
    raw["designs"]["bdt"]["design"] = str(ROOT / "designs" / "jet_bdt.yaml")
    raw["designs"]["mlp"]["set"] = dict(TINY_NN)
    raw["designs"]["bdt"]["set"] = dict(TINY_BDT)
    raw["designs"]["bdt"]["space"]["model.n_trees"] = {"type": "int", "low": 2, "high": 4}
    raw.update(trials=3, sampler="random", promotion={"after": 100, "verify_front": False})
    path = write_sweep(tmp_path, **raw)
    sweep, options = load_sweep(path), SweepOptions(results=tmp_path / "results")
    study = open_study(sweep, options)
    study.enqueue_trial({"design": "mlp"})
    study.enqueue_trial({"design": "bdt"})
    assert main(["sweep", str(path), "--results", str(tmp_path / "results")]) == 0
    trials = [t for t in records(open_study(sweep, options)) if t.state == "COMPLETE"]
    assert {t.kind for t in trials} == {"nn", "bdt"} and {t.design for t in trials} == {"mlp", "bdt"}
    assert all(len(t.values) == 3 and t.sources["accuracy.emulation"] for t in trials)
    # at estimate fidelity both kinds say their resources and latency are estimates, the same way
    for t in trials:
        assert t.fidelity == "estimate"
        for metric in ("lut_equivalent", "latency.ns"):
            assert t.sources[metric].startswith("estimate: "), (t.kind, metric, t.sources[metric])
    bdt = next(t for t in trials if t.kind == "bdt")
    assert (
        bdt.sources["accuracy.emulation"].startswith("conifer")
        and "mlp/model.hidden.length" not in bdt.params
    )
    assert pareto_front(trials, sweep.directions) and "Pareto front" in capsys.readouterr().out


@pytest.mark.parametrize("sampler", ["gp", "nsga2"])
def test_other_samplers_run(tmp_path, capsys, sampler):
    """GP (PyTorch) starts modelling after 2 random trials of 3; NSGA-II's first generation."""
    fields = dict(
        trials=3, sampler=sampler, space=TINY_SPACE, promotion={"after": 100, "verify_front": False}
    )
    code, out, trials = _sweep(tmp_path, capsys, **fields)
    assert code == 0 and "3/3 trials done" in out and sum(t.state == "COMPLETE" for t in trials) == 3


@pytest.mark.slow
def test_a_seeded_study_asks_the_same_trials_with_one_or_two_workers(tmp_path, capsys):
    """`--jobs 2` (`nox -s sweep`'s default) evaluates each batch in two spawned worker processes, not
    in this one (each trial records its worker, host:pid), and the study it builds is the one `--jobs
    1` builds: the same parameters, trial by trial, and the same objective values, although the two
    runs share no results cache and their trials finish in different orders. TPE leaves its 2 random
    start-up trials after the first batch, so later trials depend on what was told before them."""
    import os
    import socket

    fields = dict(
        trials=6,
        batch_size=2,
        sampler="tpe",
        space=TINY_SPACE,
        promotion={"after": 100, "verify_front": False},
    )
    runs = {}
    for jobs in (2, 1):
        folder = tmp_path / f"jobs{jobs}"
        folder.mkdir()
        path, results = write_sweep(folder, **fields), folder / "results"
        assert main(["sweep", str(path), "--results", str(results), "--jobs", str(jobs)]) == 0
        runs[jobs] = records(open_study(load_sweep(path), SweepOptions(results=results)))
    capsys.readouterr()
    assert [t.state for t in runs[2]] == ["COMPLETE"] * 6
    assert [t.params for t in runs[2]] == [t.params for t in runs[1]]
    assert [t.values for t in runs[2]] == [t.values for t in runs[1]]
    assert len({t.design_hash for t in runs[1]}) >= 4, "the study explored, not one design six times"
    workers = {t.worker for t in runs[2]}
    assert len(workers) == 2, workers
    hosts, pids = zip(*(w.rsplit(":", 1) for w in workers), strict=True)
    assert set(hosts) == {socket.gethostname()} and os.getpid() not in {int(p) for p in pids}
    assert {t.worker for t in runs[1]} == {f"{socket.gethostname()}:{os.getpid()}"}


@pytest.mark.parametrize("sampler", ["tpe", "nsga2", "random", "gp"])
def test_samplers_are_made_without_experimental_warnings(sampler):
    """TPE's multivariate/group options are Optuna 'experimental': their warning printed on every run
    (and at the end of each sweep) says nothing a user can act on."""
    import warnings

    from harness.sweep.samplers import make_sampler

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        made = make_sampler(sampler, seed=1, trials=20)
    assert type(made).__name__.lower().startswith(sampler.replace("nsga2", "nsgaii")[:3])
