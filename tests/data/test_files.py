"""The user's own data (`data.name: file`): every format reads the same events, classes are mapped and
recorded, and every unusable file is refused before training, naming the file, column and row count."""

from __future__ import annotations

import numpy as np
import pytest

from harness.cli import main
from harness.data import InvalidDataError, load
from harness.spec import DataSpec, SpecError, from_dict

from ..conftest import ROOT
from .conftest import events, write

FEATURES = ["f0", "f1", "f2"]


@pytest.mark.parametrize("name", ["d.csv", "d.parquet", "d.npz", "d.root", "d.rntuple.root"])
def test_every_format_reads_the_same_events(tmp_path, name):
    frame = events()
    path = write(frame, tmp_path / name)
    data = load(DataSpec(path=str(path), features=FEATURES, label="kind"), seed=3)
    reference = load(
        DataSpec(path=str(write(frame, tmp_path / "ref.csv")), features=FEATURES, label="kind"), 3
    )
    assert data.feature_names == FEATURES and data.name == "file"
    assert np.array_equal(data.x_test, reference.x_test) and np.array_equal(data.y_test, reference.y_test)
    # CSV/Parquet/.npz keep the strings; the ROOT file holds their codes 0, 1, 2 (sorted the same way)
    strings = not name.endswith(".root")
    assert data.class_names == (["bkg", "other", "sig"] if strings else ["0", "1", "2"])
    assert data.source["classes"] == {c: i for i, c in enumerate(data.class_names)}
    assert data.source["tree"] == ("Events" if name.endswith(".root") else None)
    assert data.source["rows"] == 3000 and len(data.source["sha256"]) == 64
    assert np.allclose(data.x_train.mean(axis=0), 0, atol=1e-6)  # standardised on the training split


def test_two_dimensional_arrays_expand_and_raw_features_stay_raw(tmp_path):
    """An .npz `x` of shape (n, 3) gives x[0], x[1], x[2]; `standardise: false` keeps the values."""
    frame = events()
    x = frame[FEATURES].to_numpy()
    np.savez(tmp_path / "d.npz", x=x, y=(frame["kind"] == "sig").to_numpy())
    data = load(DataSpec(path=str(tmp_path / "d.npz"), features=["x"], label="y", standardise=False), 0)
    assert data.feature_names == ["x[0]", "x[1]", "x[2]"] and data.class_names == ["False", "True"]
    assert data.standardisation()["applied"] is False and data.standardisation()["scale"] == [1.0] * 3
    rows = {tuple(row) for row in x.astype(np.float32)}
    assert all(tuple(row) in rows for row in data.x_test)


def test_design_hash_covers_the_file_content(tmp_path):
    path = write(events(), tmp_path / "d.csv")
    raw = {"name": "own", "kind": "bdt", "data": {"path": "d.csv", "features": FEATURES, "label": "kind"}}
    before = from_dict(raw, base_dir=tmp_path).design_hash()
    assert from_dict(raw, base_dir=tmp_path).design_hash() == before
    write(events(seed=1), path)
    assert from_dict(raw, base_dir=tmp_path).design_hash() != before


def _ragged_root(path):
    import awkward as ak
    import uproot

    with uproot.recreate(path) as root:
        root.mktree("Events", {"pt": "var * float32", "y": "int32"})
        root["Events"].extend({"pt": ak.Array([[1.0] * (i % 3) for i in range(50)]), "y": np.arange(50) % 2})
    return path


def _two_trees(path):
    import uproot

    with uproot.recreate(path) as root:
        for name in ("Signal", "Background"):
            root[name] = {"f0": np.zeros(10), "y": np.arange(10)}
    return path


@pytest.mark.parametrize(
    ("make", "features", "label", "message"),
    [
        (
            lambda p: write(events(), p / "d.csv"),
            ["f0", "pt"],
            "kind",
            r"d\.csv: no columns 'pt' among its 5 columns \(3000 rows\): f0, f1, f2, kind, evt",
        ),
        (
            lambda p: write(events(), p / "d.csv"),
            ["f0", "kinds"],
            "kind",
            r"no columns 'kinds' among .*: f0, f1, f2, kind, evt \(did you mean 'kind' for 'kinds'\?\)",
        ),
        (
            lambda p: write(events(), p / "d.root"),
            ["f0", "f9"],
            "kind",
            r"d\.root \(tree Events\): no branches 'f9' among its 5 branches \(3000 rows\)",
        ),
        (
            lambda p: write(events().assign(one="sig"), p / "d.parquet"),
            FEATURES,
            "one",
            r"d\.parquet: label 'one' holds a single class \('sig'\) in all 3000 rows",
        ),
        (
            lambda p: write(events(), p / "d.csv"),
            ["f0", "kind"],
            "evt",
            r"d\.csv: feature column 'kind' is not numeric \(object, e\.g\. 'other'\) in 3000 rows",
        ),
        (
            lambda p: write(events(), p / "d.csv"),
            ["f1", "f2"],
            "f0",
            r"label 'f0' holds non-integer values in 3000 of 3000 rows",
        ),
        (
            lambda p: write(events().assign(kind=lambda f: f["kind"].where(f["evt"] % 7 > 0)), p / "d.csv"),
            FEATURES,
            "kind",
            r"label 'kind' is missing \(NaN or empty\) in 429 of 3000 rows",
        ),
        (
            lambda p: _ragged_root(p / "r.root"),
            ["pt"],
            "y",
            r"r\.root \(tree Events\): 'pt' holds variable-length entries \(0 to 2 values per row, 50 rows\)",
        ),
        (
            lambda p: _two_trees(p / "t.root"),
            ["f0"],
            "y",
            r"t\.root holds 2 trees \(TTree or RNTuple: Background, Signal\); name one with data\.tree",
        ),
        (lambda p: p / "absent.csv", ["f0"], "y", r"data\.path: .*absent\.csv does not exist"),
    ],
)
def test_unusable_files_are_refused_naming_file_column_and_rows(tmp_path, make, features, label, message):
    path = make(tmp_path)
    with pytest.raises(InvalidDataError, match=message):
        load(DataSpec(path=str(path), features=features, label=label), seed=0)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"path": "d.txt", "features": ["a"], "label": "y"},
            r"cannot tell the format of d\.txt.*\.csv \(csv\)",
        ),
        ({"path": "d.csv", "label": "y"}, r"data\.name file needs data\.features"),
        ({"path": "d.csv", "features": ["a", "y"], "label": "y"}, r"'y' is also listed in data\.features"),
        ({"path": "d.csv", "features": ["a"], "label": "y", "tree": "T"}, r"only ROOT files have trees"),
        ({"name": "jets-synthetic", "label": "y"}, r"data\.label: read only for data\.name: file"),
        ({"name": "tracks-synthetic", "path": "d.csv"}, r"tracks-synthetic does not read a file"),
    ],
)
def test_inconsistent_data_specs_are_refused_at_load(data, message):
    with pytest.raises(SpecError, match=message):
        from_dict({"name": "x", "kind": "bdt", "data": data})


def test_cli_refuses_a_wrong_column_before_training(tmp_path, capsys):
    path = write(events(), tmp_path / "d.csv")
    code = main(
        [
            "evaluate",
            str(ROOT / "designs" / "jet_bdt.yaml"),
            "--set",
            f"data={{path: {path}, features: [f0, f1, pt], label: kind}}",
            "--fidelity",
            "estimate",
            "--out",
            str(tmp_path / "run"),
        ]
    )
    out = capsys.readouterr().out
    assert code == 2 and f"error: {path}: no columns 'pt' among its 5 columns (3000 rows)" in out
    assert "[jet_bdt] train" not in out
