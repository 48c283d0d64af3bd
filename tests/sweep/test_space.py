"""Conditional spaces give only valid designs: per-layer parameters exist exactly for the trial's layers."""

import optuna

from harness.kinds import stages_for
from harness.nn.reuse import planned_dense_layers, resolve_arithmetic
from harness.sweep.loader import load_sweep
from harness.sweep.spec import suggest_design

from ..conftest import ROOT


def _draw(sweep, n: int, seed: int = 0):
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed))
    for _ in range(n):
        trial = study.ask()
        label, design = suggest_design(sweep, trial)
        yield trial.params, label, design
        study.tell(trial, state=optuna.trial.TrialState.PRUNED)


def test_nn_vs_bdt_space_gives_valid_designs_of_both_kinds():
    sweep = load_sweep(ROOT / "sweeps" / "jet_nn_vs_bdt.yaml")
    kinds, lengths, auto = set(), set(), set()
    for params, label, design in _draw(sweep, 300):
        kinds.add(design.kind)
        check = stages_for(design.kind).check
        if check:
            check(design)  # the flow's own pre-training checks accept every drawn design
        own = {k.split("/")[0] for k in params if k != "design"}
        assert params["design"] == label and own == {label}, "a design's parameters exist only in its trials"
        if design.kind == "bdt":
            assert design.model.n_trees == params["bdt/model.n_trees"]
            continue
        n = params["mlp/model.hidden.length"]
        lengths.add(n)
        widths = [params[f"mlp/model.hidden[{i}]"] for i in range(n)]
        assert design.model.hidden == widths
        assert not any(f"mlp/model.hidden[{i}]" in params for i in range(n, 3)), "no width for absent layers"
        layers = [layer.name for layer in planned_dense_layers(design)]
        assert list(design.firmware.reuse_factor) == layers
        assert {k for k in params if "reuse_factor" in k} == {
            f"mlp/firmware.reuse_factor[{x}]" for x in layers
        }
        auto.add(resolve_arithmetic(design.firmware.arithmetic, design.firmware.reuse_factor))
    assert kinds == {"nn", "bdt"} and lengths == {1, 2, 3} and auto == {"da", "mac"}


def test_default_space_draws_every_value_range():
    sweep = load_sweep(ROOT / "sweeps" / "jet_mlp.yaml")
    seen: dict[str, set] = {}
    for params, _, design in _draw(sweep, 200):
        for key, value in params.items():
            seen.setdefault(key, set()).add(value)
        assert 3 <= design.model.weight_bits <= 8 and 0.0 <= design.model.pruning <= 0.8
        assert round(design.model.pruning * 10, 6) == round(design.model.pruning * 10)
    assert seen["firmware.reuse_factor"] == {1, 2, 4}
    assert seen["model.hidden[0]"] == {8, 16, 24, 32}
