"""The flow-level caches (`harness.cache` on `harness.store`): a trained model comes back from the cache
identical (weights, trees, float scores) and keyed only by what determines training; a Yosys result is
reused for the same RTL and script only, and never where the run's time limit would have stopped Yosys."""

from __future__ import annotations

import json

import numpy as np
import pytest

from harness import cache, store
from harness.data import load as load_data
from harness.kinds import stages_for
from harness.spec import load
from harness.synth import SynthesisError, synthesize

from .conftest import HDL, ROOT

SMALL_BDT = ["data.n_samples=2000", "model.n_trees=3", "model.max_depth=2"]
SMALL_NN = ["data.n_samples=2000", "model.hidden=[4]", "training.epochs=1"]


@pytest.fixture
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HARNESS_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _train_twice(design: str, overrides: list[str], tmp_path, capsys):
    spec = load(ROOT / "designs" / design, overrides)
    stages = stages_for(spec.kind)
    data = load_data(spec.data, spec.seed)
    first = cache.train(stages, spec, data, tmp_path / "a")
    assert "from the cache" not in capsys.readouterr().out
    second = cache.train(stages, spec, data, tmp_path / "b")
    assert "trained model from the cache" in capsys.readouterr().out
    assert "train_cache" in second.info and "train_cache" not in first.info
    np.testing.assert_array_equal(second.float_scores, first.float_scores)
    return spec, data, first, second


def test_trained_forest_comes_back_identical(private_cache, tmp_path, capsys):
    from harness.bdt.train import decision_function

    spec, data, first, second = _train_twice("track_quality_bdt.yaml", SMALL_BDT, tmp_path, capsys)
    assert second.info["model_file"] == str(tmp_path / "b" / "model.json")
    np.testing.assert_array_equal(decision_function(second.model, data.x_test), first.float_scores)
    assert second.model.get_dump() == first.model.get_dump()


def test_trained_mlp_comes_back_identical(private_cache, tmp_path, capsys):
    _, data, first, second = _train_twice("jet_mlp.yaml", SMALL_NN, tmp_path, capsys)
    for a, b in zip(first.model.get_weights(), second.model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert _architecture(first.model) == _architecture(second.model)
    predict = {"batch_size": 4096, "verbose": 0}
    np.testing.assert_array_equal(second.model.predict(data.x_test, **predict), first.float_scores)


def _architecture(model) -> list[dict]:
    """The layers' configs as Keras serialises them, without `build_config` (the input shape Keras
    records when a layer is built by a call; a layer rebuilt from JSON records none)."""
    layers = json.loads(model.to_json())["config"]["layers"]
    return [{k: v for k, v in layer.items() if k != "build_config"} for layer in layers]


def test_training_key_covers_training_only():
    from harness.bdt import train

    def key(*extra: str) -> str:
        return cache.training_key(
            load(ROOT / "designs" / "track_quality_bdt.yaml", [*SMALL_BDT, *extra]), train.__file__
        )

    assert key("firmware.score_precision=ap_fixed<12,4>", "verify.vectors=100") == key()
    assert (
        key("seed=1") != key()
        and key("model.learning_rate=0.1") != key()
        and key("data.n_samples=3000") != key()
    )


def test_cache_can_be_switched_off(monkeypatch):
    monkeypatch.setenv("HARNESS_CACHE", "off")
    assert store.cache_root() is None and store.Store.named("yosys") is None


def test_yosys_result_is_reused_for_the_same_rtl_and_script_only(toolchain, private_cache, tmp_path, capsys):
    source, params = [HDL / "smoke_mac.v"], {"N": 4, "K": 2}
    first = synthesize(toolchain, source, "smoke_mac", tmp_path / "a", parameters=params)
    assert "from the cache" not in capsys.readouterr().out
    second = synthesize(toolchain, source, "smoke_mac", tmp_path / "b", parameters=params)
    assert "Yosys result from the cache" in capsys.readouterr().out
    assert second.cells == first.cells and (tmp_path / "b" / "yosys_stat.json").exists()
    with pytest.raises(SynthesisError, match="time limit of 0.001 s"):
        synthesize(toolchain, source, "smoke_mac", tmp_path / "c", timeout_s=0.001, parameters=params)
    other = synthesize(toolchain, source, "smoke_mac", tmp_path / "d", parameters={"N": 4, "K": 3})
    assert "from the cache" not in capsys.readouterr().out and other.cells != first.cells
