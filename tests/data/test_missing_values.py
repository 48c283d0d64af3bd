"""NaN and infinite features are refused where data are loaded, for NN and BDT designs alike.

conifer's trees have no missing-value branch and hls4ml's fixed-point inputs have no NaN, so a model
trained on them is not the one the firmware runs; xgboost's learned default direction used to surface
only as "median score difference 1.397" after conversion. The refusal comes before training and says
which columns, how many rows, and what to do.
"""

from __future__ import annotations

import numpy as np
import pytest

from harness.cli import main
from harness.data import InvalidDataError, load
from harness.data.jets import CLASSES, FEATURES, generate
from harness.spec import DataSpec

from ..conftest import ROOT

#: rows given NaN / inf per column in the test file
HOLES = {"mass_mmdt": ("nan", 37), "d2_b1_mmdt": ("nan", 12), "zlogz": ("inf", 5)}


@pytest.fixture(scope="module")
def ntuple_with_holes(tmp_path_factory):
    """A jets-hlf CSV (OpenML columns) with NaN and inf in three columns, overlapping in some rows."""
    x, y = generate(3000, seed=5)
    for k, (column, (value, n)) in enumerate(HOLES.items()):
        x[k * 10 : k * 10 + n, FEATURES.index(column)] = float(value) * (-1) ** k
    path = tmp_path_factory.mktemp("ntuple") / "jets_with_holes.csv"
    lines = [",".join([*FEATURES, "class"])]
    lines += [",".join([*map(repr, row.tolist()), CLASSES[label]]) for row, label in zip(x, y, strict=True)]
    path.write_text("\n".join(lines) + "\n")
    bad_rows = int((~np.isfinite(x)).any(axis=1).sum())
    return path, bad_rows


def test_refusal_names_columns_row_counts_and_remedy(ntuple_with_holes):
    path, bad_rows = ntuple_with_holes
    with pytest.raises(InvalidDataError) as info:
        load(DataSpec(name="jets-hlf", path=str(path)), seed=0)
    text = str(info.value)
    assert text.startswith(f"{path}: {bad_rows} of 3000 rows hold NaN or infinite features")
    assert "mass_mmdt (NaN in 37 rows)" in text and "d2_b1_mmdt (NaN in 12 rows)" in text
    assert "zlogz (inf in 5 rows)" in text
    assert "c1_b0_mmdt" not in text  # clean columns are not listed
    assert "Impute" in text and "drop those rows" in text


def test_clean_file_still_loads(tmp_path):
    x, y = generate(500, seed=1)
    np.savez(tmp_path / "clean.npz", x=x, y=y)
    assert load(DataSpec(name="jets-hlf", path=str(tmp_path / "clean.npz")), seed=0).n_features == 16


@pytest.mark.parametrize("design", ["jet_bdt", "jet_mlp"])
def test_flow_refuses_before_training(design, ntuple_with_holes, tmp_path, capsys):
    """`harness evaluate` on either kind: one `error:` line, exit status 2, and no training started."""
    path, bad_rows = ntuple_with_holes
    code = main(
        [
            "evaluate",
            str(ROOT / "designs" / f"{design}.yaml"),
            "--set",
            "data.name=jets-hlf",
            "--set",
            f"data.path={path}",
            "--fidelity",
            "estimate",
            "--out",
            str(tmp_path / "run"),
        ]
    )
    out = capsys.readouterr().out
    assert code == 2
    assert f"error: {path}: {bad_rows} of 3000 rows hold NaN" in out and "mass_mmdt" in out
    assert f"[{design}] train" not in out
    assert not (tmp_path / "run" / "metrics.json").exists()


@pytest.mark.parametrize("name", ["own.parquet", "own.root"])
def test_own_file_refusal_names_file_tree_columns_and_rows(tmp_path, name):
    """The same refusal for `data.name: file`, whatever the format: the file (and TTree), each column with
    its NaN and inf row counts."""
    from .conftest import events, write

    frame = events()
    frame.loc[:40, "f1"] = np.nan
    frame.loc[100:102, "f2"] = -np.inf
    path = write(frame, tmp_path / name)
    where = f"{path} (tree Events)" if name.endswith(".root") else f"{path}"
    with pytest.raises(InvalidDataError) as info:
        load(DataSpec(path=str(path), features=["f0", "f1", "f2"], label="kind"), seed=0)
    assert str(info.value).startswith(
        f"{where}: 44 of 3000 rows hold NaN or infinite features, in columns f1 (NaN in 41 rows), "
        "f2 (inf in 3 rows)"
    )
