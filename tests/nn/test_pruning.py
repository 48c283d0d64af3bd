"""Short trainings honour their pruning target (a sweep trains for a few epochs only)."""

import pytest

from harness.data import load as load_data
from harness.nn.train import pruning_steps, train
from harness.spec import load

from ..conftest import ROOT


@pytest.mark.parametrize("steps", [1, 4, 10, 57, 240, 10_000])
def test_schedule_ends_on_an_update_step_inside_training(steps):
    s = pruning_steps(steps)
    assert 0 <= s["begin_step"] <= s["end_step"] < max(steps, 2)
    assert (s["end_step"] - s["begin_step"]) % s["frequency"] == 0
    assert s["frequency"] <= max(1, steps // 10)


@pytest.mark.parametrize(("epochs", "target"), [(2, 0.8), (3, 0.5)])
def test_few_epochs_reach_the_target_sparsity(tmp_path, epochs, target):
    """2 epochs of 5 steps: with tensorflow-model-optimization's default frequency of 100 steps the
    pruning would never update; the achieved sparsity is recorded next to the target."""
    spec = load(
        ROOT / "designs" / "jet_mlp.yaml",
        ["model.hidden=[16]", "data.n_samples=3000", f"training.epochs={epochs}", f"model.pruning={target}"],
    )
    trained = train(spec, load_data(spec.data, spec.seed), tmp_path)
    assert trained.info["pruning_target"] == target
    assert trained.info["steps"] == 5 * epochs
    assert abs(trained.info["sparsity"] - target) < 0.01, trained.info
