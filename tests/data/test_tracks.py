"""The toy L1 tracker: reproducible by seed, physical feature ranges, and a task of the right difficulty."""

from __future__ import annotations

import numpy as np
import pytest
import xgboost as xgb

from harness.data import load
from harness.data.tracks import CLASSES, FEATURES, generate
from harness.spec import DataSpec

N = 20_000


@pytest.fixture(scope="module")
def tracks() -> tuple[np.ndarray, np.ndarray]:
    return generate(N, seed=3)


def _column(x: np.ndarray, name: str) -> np.ndarray:
    return x[:, FEATURES.index(name)]


def test_same_seed_same_tracks_other_seed_other_tracks(tracks):
    x, y = tracks
    again_x, again_y = generate(N, seed=3)
    assert np.array_equal(x, again_x) and np.array_equal(y, again_y)
    other_x, _ = generate(N, seed=4)
    assert not np.allclose(x, other_x)


def test_features_are_finite_and_physical(tracks):
    x, y = tracks
    assert x.shape == (N, len(FEATURES)) and np.all(np.isfinite(x))
    assert 0.4 < y.mean() < 0.6  # about half the candidates are real
    n_stubs = _column(x, "n_stubs")
    assert set(np.unique(n_stubs)) <= {4, 5, 6}  # the track finder keeps candidates with >= 4 stubs
    missing = _column(x, "n_missing_inner") + _column(x, "n_missing_outer")
    assert np.all(n_stubs + missing <= 6)
    assert np.all(_column(x, "pt") > 0) and np.all(_column(x, "pt") <= 200)
    assert np.all(np.abs(_column(x, "eta")) < 1.5)  # barrel only: generated within |eta| < 1.1
    assert np.percentile(np.abs(_column(x[y == 1], "z0")), 99) < 20  # beam spot sigma 5 cm


def test_real_tracks_fit_better_than_fakes(tracks):
    x, y = tracks
    for name in ("log_chi2rphi", "log_chi2rz", "log_bendchi2"):
        assert np.median(_column(x[y == 1], name)) < np.median(_column(x[y == 0], name)), name
    # Real tracks come from the pT spectrum above the 2 GeV trigger threshold (scattering smears it).
    assert np.median(_column(x[y == 1], "pt")) > 2.0


def test_small_forest_lands_between_80_and_95_percent(tracks):
    x, y = tracks
    n_train = N * 3 // 4
    clf = xgb.XGBClassifier(n_estimators=20, max_depth=3, random_state=0).fit(x[:n_train], y[:n_train])
    accuracy = float(np.mean(clf.predict(x[n_train:]) == y[n_train:]))
    print(f"20 trees of depth 3: accuracy {accuracy:.4f}")
    assert 0.80 <= accuracy <= 0.95


def test_registry_loads_standardised_splits():
    dataset = load(DataSpec(name="tracks-synthetic", n_samples=5000), seed=1)
    assert dataset.feature_names == FEATURES and dataset.class_names == CLASSES
    assert len(dataset.x_test) == 1000 and len(dataset.x_val) == 500 and len(dataset.x_train) == 3500
    assert np.allclose(dataset.x_train.mean(axis=0), 0, atol=1e-5)
