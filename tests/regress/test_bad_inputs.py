"""Bad input to `harness regress` is refused with one `error:` line and exit 2, before any design runs;
and the golden designs in the repository load with readable baselines."""

from __future__ import annotations

import json
import shutil

import pytest

from harness.cli import main
from harness.regress.baseline import load_baseline
from harness.regress.golden import discover

from ..conftest import ROOT
from .conftest import GOLDEN, write_golden

#: The golden designs the issue asks for.
REQUIRED = {"jet_mlp", "jet_mlp_mac_rf4", "jet_mlp_4bit_pruned", "track_quality_bdt", "jet_bdt"}


def _refused(capsys, args: list[str], *expected: str) -> None:
    assert main(["regress", *args]) == 2
    out = capsys.readouterr().out
    assert out.startswith("error: "), out
    for text in expected:
        assert text in out, out


def test_repository_golden_designs_have_readable_baselines():
    goldens = {g.name: g for g in discover(ROOT / "regress")}
    assert set(goldens) >= REQUIRED
    for name, golden in goldens.items():
        baseline = load_baseline(golden)
        assert baseline is not None, f"{name} has no baseline"
        assert baseline.metrics["reference_mismatches"] == 0
        assert baseline.words.shape[0] == baseline.vectors == golden.spec().verify.vectors
        assert baseline.metrics["lut"] and baseline.sources["resources"].startswith("yosys")


@pytest.mark.parametrize(
    ("golden", "expected"),
    [
        ({"design": "x.yaml", "tolerence": {}}, ["unknown key(s) tolerence", "tolerances:"]),
        ({"set": {}}, ["design must name a design YAML"]),
        ({"design": "missing.yaml"}, ["missing.yaml does not exist"]),
        ({**GOLDEN["bdt"], "tolerances": {"luts": 5}}, ["unknown field 'luts'", "lut (%)"]),
        ({**GOLDEN["bdt"], "tolerances": {"lut": -1}}, ["tolerances.lut: -1 is not valid", ">= 0"]),
        ({**GOLDEN["bdt"], "set": {"model.max_depth": 40}}, ["golden design g", "model.max_depth: 40"]),
        ({**GOLDEN["bdt"], "set": {"model.n_tree": 4}}, ["unknown key model.n_tree"]),
    ],
)
def test_bad_golden_design_is_refused(tmp_path, capsys, golden, expected):
    write_golden(tmp_path, {"g": golden})
    _refused(capsys, ["--golden", str(tmp_path)], *expected)


def test_unknown_name_missing_baseline_and_bad_jobs_are_refused(tmp_path, capsys):
    write_golden(tmp_path, {"a": GOLDEN["bdt"], "b": GOLDEN["bdt"]})
    _refused(capsys, ["--golden", str(tmp_path), "--only", "c"], "--only c: no such golden design", "a, b")
    _refused(capsys, ["--golden", str(tmp_path), "--only", "b"], "no baseline for b", "--update --only b")
    _refused(capsys, ["--golden", str(tmp_path), "--jobs", "0"], "--jobs 0 is not valid")
    _refused(capsys, ["--golden", str(tmp_path / "none")], "does not exist")


def test_damaged_baselines_are_refused(baselined, tmp_path, capsys):
    golden = tmp_path / "golden"
    shutil.copytree(baselined.golden / "bdt", golden / "bdt")
    words = golden / "bdt" / "words.csv"
    lines = words.read_text().splitlines()
    lines[1] = lines[1].rsplit(",", 1)[0] + ",12345"
    words.write_text("\n".join(lines) + "\n")
    _refused(capsys, ["--golden", str(golden)], "words.csv does not match the SHA-256", "--update --only bdt")
    baseline = golden / "bdt" / "baseline.json"
    baseline.write_text(json.dumps({"format": 99}))
    _refused(capsys, ["--golden", str(golden)], "is not a format-1 baseline")
