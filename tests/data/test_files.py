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
            r"d\.csv: feature column 'kind' is not numeric in 3000 of 3000 rows \(e\.g\. row 1: 'other'\)",
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


def test_a_feature_with_some_text_counts_only_the_bad_rows(tmp_path):
    """A feature column with text in 3 of its 3000 rows was reported as not numeric 'in 3000 rows' (pandas
    reads the whole column as text); only the bad rows are counted, the first one named."""
    frame = events().astype({"f1": object})
    frame.loc[[4, 70, 2000], "f1"] = ["n.a.", "?", "high"]
    path = write(frame, tmp_path / "d.csv")
    message = r"d\.csv: feature column 'f1' is not numeric in 3 of 3000 rows \(e\.g\. row 5: 'n\.a\.'\)"
    with pytest.raises(InvalidDataError, match=message):
        load(DataSpec(path=str(path), features=FEATURES, label="kind"), seed=0)


def test_csv_without_header_reads_with_data_columns(tmp_path):
    """A CSV file without a header row (as numpy.savetxt or a C++ ntupler writes it): its first row was
    taken for column names, and nothing could name them. `data.columns` names them, in file order; the
    events are those of the same file with a header."""
    frame = events()
    reference = load(
        DataSpec(path=str(write(frame, tmp_path / "ref.csv")), features=FEATURES, label="kind"), 3
    )
    frame.to_csv(tmp_path / "bare.csv", index=False, header=False)
    columns = ["f0", "f1", "f2", "kind", "evt"]
    data = load(
        DataSpec(path=str(tmp_path / "bare.csv"), columns=columns, features=FEATURES, label="kind"), 3
    )
    assert data.source["rows"] == 3000 and data.class_names == ["bkg", "other", "sig"]
    assert np.array_equal(data.x_test, reference.x_test) and np.array_equal(data.y_test, reference.y_test)
    # without data.columns the refusal says the file has no header row and what names it
    message = r"bare\.csv has no header row \(its first row holds numbers: -?0\.\d+.*name its 5 columns in"
    with pytest.raises(InvalidDataError, match=message + r" the file's order with data\.columns"):
        load(DataSpec(path=str(tmp_path / "bare.csv"), features=FEATURES, label="kind"), 3)


def test_padded_header_names_are_stripped(tmp_path):
    """A header written with a space after each comma named the columns ' f1', ' f2', ' kind'."""
    frame = events()
    reference = load(
        DataSpec(path=str(write(frame, tmp_path / "ref.csv")), features=FEATURES, label="kind"), 3
    )
    lines = ["f0, f1, f2, kind, evt"] + [
        f"{r.f0!r}, {r.f1!r}, {r.f2!r}, {r.kind}, {r.evt}" for r in frame.itertuples()
    ]
    (tmp_path / "padded.csv").write_text("\n".join(lines) + "\n")
    data = load(DataSpec(path=str(tmp_path / "padded.csv"), features=FEATURES, label="kind"), 3)
    assert data.class_names == ["bkg", "other", "sig"]  # the values' padding goes too: not ' bkg'
    assert np.array_equal(data.x_test, reference.x_test) and np.array_equal(data.y_test, reference.y_test)


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        (
            ["f0", "f1", "f2", "kind"],
            r"data\.columns names 4 columns; .*bare\.csv has 5 \(first row: 0\.1257.*, other, 0\)",
        ),
        (
            ["f0", "f1", "f2", "kind", "evt"],
            r"data\.columns: .*header\.csv has a header row \(f0, f1, f2, kind, evt\)",
        ),
    ],
)
def test_data_columns_that_do_not_fit_the_file_are_refused(tmp_path, columns, message):
    frame = events()
    frame.to_csv(tmp_path / "bare.csv", index=False, header=False)
    frame.to_csv(tmp_path / "header.csv", index=False)
    name = "bare.csv" if len(columns) == 4 else "header.csv"
    with pytest.raises(InvalidDataError, match=message):
        load(DataSpec(path=str(tmp_path / name), columns=columns, features=FEATURES, label="kind"), 0)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"path": "d.parquet", "columns": ["f0", "y"], "features": ["f0"], "label": "y"},
            r"data\.columns: names the columns of a CSV file without a header row; d\.parquet is parquet",
        ),
        (
            {"path": "d.csv", "columns": ["f0", "y"], "features": ["f0", "pt"], "label": "y"},
            r"data\.features: 'pt' not among data\.columns \(f0, y\)",
        ),
        (
            {"path": "d.csv", "columns": ["f0", "y"], "features": ["f0"], "label": "kind"},
            r"data\.label: 'kind' not among data\.columns \(f0, y\)",
        ),
        (
            {"path": "d.csv", "columns": ["f0", "f0", "y"], "features": ["f0"], "label": "y"},
            r"data\.columns.*names f0 more than once",
        ),
        ({"name": "jets-synthetic", "columns": ["a"]}, r"data\.columns: read only for data\.name: file"),
    ],
)
def test_bad_data_columns_are_refused_with_what_is_valid(data, message):
    with pytest.raises(SpecError, match=message):
        from_dict({"name": "x", "kind": "bdt", "data": data})


def test_design_hash_of_designs_without_data_columns_is_unchanged(tmp_path, monkeypatch):
    """data.columns is left out of the hash while unset, so existing designs keep their hashes (their
    cached results and regression baselines): the hash equals that of a spec without the field. Set, it
    is part of the design."""
    from harness.spec import DesignSpec

    write(events(), tmp_path / "d.csv")
    raw = {"name": "own", "kind": "bdt", "data": {"path": "d.csv", "features": ["f0"], "label": "kind"}}
    spec = from_dict(raw, base_dir=tmp_path)
    assert spec.to_dict()["data"]["columns"] is None
    unset = spec.design_hash()
    to_dict = DesignSpec.to_dict

    def without_columns(self):
        data = to_dict(self)
        data["data"].pop("columns")
        return data

    monkeypatch.setattr(DesignSpec, "to_dict", without_columns)
    assert spec.design_hash() == unset
    monkeypatch.undo()
    raw["data"]["columns"] = ["f0", "f1", "f2", "kind", "evt"]
    assert from_dict(raw, base_dir=tmp_path).design_hash() != unset


def test_header_names_are_stripped_and_named_as_pandas_names_them(tmp_path):
    """Stripping padding must not refuse headers pandas read before: empty cells and repeated names."""
    (tmp_path / "d.csv").write_text(",f0, f0,kind\n0,1.5,2.5,a\n1,0.5,3.5,b\n")
    data = load(DataSpec(path=str(tmp_path / "d.csv"), features=["f0", "f0.1"], label="kind"), 0)
    assert data.source["rows"] == 2
    message = r"among its 4 columns \(2 rows\): Unnamed: 0, f0, f0\.1, kind"
    with pytest.raises(InvalidDataError, match=message):
        load(DataSpec(path=str(tmp_path / "d.csv"), features=["pt"], label="kind"), 0)
