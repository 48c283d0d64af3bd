"""`model.pretrained` inside sweeps: the model is fixed and the firmware is swept ("the physics group froze
the model; what is the cheapest firmware?"). Swept training fields are refused before any trial."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import optuna
import pytest
import yaml

from harness.spec import SpecError
from harness.sweep.loader import load_sweep

from ..data.conftest import events, write
from .conftest import run_sweep, write_sweep

FEATURES = ["f0", "f1", "f2"]
PRECISIONS = ["ap_fixed<10,4>", "ap_fixed<16,6>"]


@pytest.fixture(scope="module")
def frozen_bdt(tmp_path_factory) -> Path:
    """A design YAML whose forest is a small xgboost JSON trained on the user's CSV file."""
    import xgboost as xgb

    folder = tmp_path_factory.mktemp("frozen")
    frame = events(1200, seed=9)
    write(frame, folder / "events.csv")
    labels = np.unique(frame["kind"].to_numpy(dtype=str), return_inverse=True)[1]
    data = xgb.DMatrix(frame[FEATURES].to_numpy(np.float32), label=labels)
    xgb.train({"objective": "multi:softprob", "num_class": 3, "max_depth": 2}, data, 3).save_model(
        folder / "frozen.json"
    )
    design = {
        "name": "frozen_bdt",
        "kind": "bdt",
        "data": {"path": "events.csv", "features": FEATURES, "label": "kind", "standardise": False},
        "model": {"pretrained": "frozen.json"},
        "verify": {"vectors": 200},
    }
    path = folder / "frozen_bdt.yaml"
    path.write_text(yaml.safe_dump(design))
    return path


@pytest.mark.parametrize(
    ("space", "message"),
    [
        (
            {"model.n_trees": {"type": "int", "low": 5, "high": 10}},
            r"space\.model\.n_trees: the model is pretrained",
        ),
        (
            {
                "firmware.clock_ns": {"type": "float", "low": 2, "high": 5},
                "model.max_depth": {"type": "int", "low": 2, "high": 3},
            },
            r"training fields model\.max_depth change nothing; sweep the firmware",
        ),
    ],
)
def test_swept_training_fields_are_refused_with_a_pretrained_model(frozen_bdt, tmp_path, space, message):
    spec = write_sweep(tmp_path, design=str(frozen_bdt), set={}, space=space)
    with pytest.raises(SpecError, match=message):
        load_sweep(spec)


def test_pretrained_sweep_over_precision_keeps_the_model(frozen_bdt, tmp_path):
    """A tiny sweep over the score precision: every trial converts the same forest (trained: false, the
    same trees), and each precision is its own design point (different design hash)."""
    spec, results = run_sweep(
        tmp_path,
        design=str(frozen_bdt),
        set={},
        trials=2,
        sampler="random",
        seed=1,
        space={"firmware.score_precision": {"type": "categorical", "choices": PRECISIONS}},
        promotion={"max": 0, "verify_front": False},
    )
    storage = optuna.storages.JournalStorage(
        optuna.storages.journal.JournalFileBackend(str(results / "studies" / "sweep.journal"))
    )
    trials = optuna.load_study(study_name="sweep", storage=storage).get_trials()
    complete = [t for t in trials if t.state == optuna.trial.TrialState.COMPLETE]
    assert len(complete) == 2
    records = [json.loads(Path(t.user_attrs["record"]).read_text()) for t in complete]
    assert all(
        r["model"]["trained"] is False and r["model"]["pretrained_format"] == "xgboost" for r in records
    )
    assert {r["model"]["n_trees"] for r in records} == {3}
    by_precision = {r["params"]["firmware"]["score_precision"]: r["design_hash"] for r in records}
    assert len(set(by_precision.values())) == len(by_precision)
