"""The `conifer` store (`harness.bdt.cpp_cache`): forests with the same types share one compiled cpp
emulation and still score their own trees; an entry whose shared object is damaged is not used.

The forests are built by hand, two features and one or two trees of depth 1-2, with thresholds and
leaves on the ap_fixed<16,6> grid (the track and jet designs' types, so the entry is the one their
fixtures use and, on a warm cache, nothing is compiled here): the emulation then equals conifer's
float evaluation exactly on inputs on that grid.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from harness.bdt import cpp_cache
from harness.bdt.backend import EMULATION_BACKEND, conifer_build_env, conifer_config
from harness.fixed import FixedType
from harness.store import Store

TYPE = FixedType.parse("ap_fixed<16,6>")
#: Inputs on the ap_fixed<16,6> grid, either side of every threshold below.
X = np.array([[-1.5, 0.25], [0.75, -2.0], [3.125, 1.0], [0.5, 0.5], [-0.5, 2.5]])


def _stump(feature: int, threshold: float, left: float, right: float) -> dict:
    weight = [[1.0 if i == feature else 0.0 for i in range(2)], [0.0, 0.0], [0.0, 0.0]]
    return {
        "feature": [feature, -2, -2],
        "threshold": [threshold, -2.0, -2.0],
        "value": [0.0, left, right],
        "children_left": [1, -1, -1],
        "children_right": [2, -1, -1],
        "weight": weight,
    }


def _model(trees: list[dict], folder: Path) -> object:
    from conifer.model import make_model

    ensemble = {
        "max_depth": 1,
        "n_trees": len(trees),
        "n_features": 2,
        "n_classes": 2,
        "init_predict": [0.125],
        "norm": 1,
        "library": "xgboost",
        "splitting_convention": "<",
        "trees": [[tree] for tree in trees],
    }
    return make_model(ensemble, conifer_config(EMULATION_BACKEND, TYPE, TYPE, folder.resolve(), "forest"))


@pytest.fixture
def cache_on(monkeypatch, tmp_path):
    """The shared cache (warm in a test session: the BDT fixtures build this entry), or a private one
    when the environment switched caching off."""
    if Store.named(cpp_cache.STORE) is None:
        monkeypatch.setenv("HARNESS_CACHE", str(tmp_path / "cache"))


def test_same_types_share_one_compiled_module_and_score_their_own_trees(cache_on, toolchain, tmp_path):
    from conifer.model import ModelBase

    one = _model([_stump(0, 0.5, -0.25, 0.75)], tmp_path / "one")
    two = _model([_stump(1, 0.375, 1.5, -1.0), _stump(0, -1.0, 0.0625, 2.0)], tmp_path / "two")
    first = cpp_cache.compile_emulation(one, toolchain)
    store = Store.named(cpp_cache.STORE)
    assert store is not None
    entry = store.entry(one._stamp)
    assert first in ("compiled", str(entry))
    so = entry / cpp_cache.SHARED_OBJECT
    built = so.stat()
    assert cpp_cache.compile_emulation(two, toolchain) == str(entry), "the second forest compiled"
    assert two._stamp == one._stamp
    after = so.stat()
    assert (after.st_ino, after.st_mtime_ns) == (built.st_ino, built.st_mtime_ns)
    loaded = tmp_path / "two" / f"conifer_bridge_{two._stamp}.so"
    assert loaded.read_bytes() == so.read_bytes()
    assert not (tmp_path / "two" / "conifer_bridge_key.so").exists()
    scores = {}
    for name, model in (("one", one), ("two", two)):
        scores[name] = np.asarray(model.decision_function(X)).ravel()
        expected = np.asarray(ModelBase.decision_function(model, X)).ravel()
        np.testing.assert_array_equal(scores[name], expected, err_msg=name)
    assert not np.array_equal(scores["one"], scores["two"])


def test_other_types_have_another_key(toolchain, tmp_path):
    """The types are pasted into the bridge, so they reach the key (g++ -E only, nothing compiled)."""
    keys = set()
    for score in ("ap_fixed<16,6>", "ap_fixed<16,6,AP_RND,AP_SAT>", "ap_fixed<12,6>"):
        model = _model([_stump(0, 0.5, -0.25, 0.75)], tmp_path / f"{len(keys)}")
        model.config.score_precision = score
        with conifer_build_env(toolchain):
            keys.add(cpp_cache.module_key(model))
    assert len(keys) == 3


def test_damaged_entry_is_not_used(toolchain, tmp_path):
    """A shared object that no longer matches its entry's digest is not used; one that matches but does
    not import (written damaged) is refused by the loader instead of crashing: both are compiled again."""
    entry = tmp_path / "entry"
    entry.mkdir()
    so = entry / cpp_cache.SHARED_OBJECT
    so.write_bytes(b"\x7fELF" + bytes(64))
    meta = {"sha256": cpp_cache._sha256(so)}
    assert cpp_cache.usable(entry, meta)
    model = _model([_stump(0, 0.5, -0.25, 0.75)], tmp_path / "work")
    model._stamp = "damaged"
    assert not cpp_cache._load_cached(model, entry)
    assert not hasattr(model, "bridge")
    so.write_bytes(b"\x7fELF" + bytes(32))  # truncated
    assert not cpp_cache.usable(entry, meta)
    so.unlink()
    assert not cpp_cache.usable(entry, meta)
