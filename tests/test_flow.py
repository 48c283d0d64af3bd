"""The flow's command line on quick settings (the full-size runs are in tests/nn and tests/bdt)."""

import json

from harness.cli import main

from .conftest import ROOT

DESIGN = str(ROOT / "designs" / "jet_mlp.yaml")
SMALL = ["--set", "model.hidden=[8]", "--set", "data.n_samples=3000", "--set", "training.epochs=2"]


def test_estimate_fidelity_records_estimates_with_their_source(tmp_path, capsys):
    assert main(["evaluate", DESIGN, *SMALL, "--fidelity", "estimate", "--out", str(tmp_path)]) == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["fidelity"] == "estimate"
    assert metrics["latency"]["source"].startswith("estimate: da4ml")
    assert metrics["latency"]["cycles"] >= 1 and metrics["resources"]["lut"] > 0
    # not measured, so null, never 0
    assert metrics["resources"]["ff"] is None and metrics["resources"]["bram"] is None
    assert metrics["verification"]["mismatches"] is None and metrics["accuracy"]["rtl"] is None
    assert metrics["params"]["model"]["hidden"] == [8]
    assert 0.2 < metrics["accuracy"]["emulation"] <= 1.0
    assert "wrote" in capsys.readouterr().out


def test_vendor_fidelity_is_refused_before_any_work_without_the_tools(tmp_path, capsys):
    assert main(["evaluate", DESIGN, "--fidelity", "vendor", "--out", str(tmp_path)]) == 2
    out = capsys.readouterr().out
    assert "vitis-run" in out and "--fidelity verify" in out
    assert not (tmp_path / "metrics.json").exists() and "train" not in out


def test_invalid_reuse_factor_is_refused_before_training(tmp_path, capsys):
    args = ["evaluate", DESIGN, "--set", "firmware.arithmetic=mac", "--set", "firmware.reuse_factor=7"]
    assert main([*args, "--out", str(tmp_path)]) == 2
    out = capsys.readouterr().out
    assert "firmware.reuse_factor: 7 is not valid for layer fc1 (16 inputs x 64 outputs)" in out
    assert "allows 1, 2, 4, 8, 16" in out and "train" not in out


def test_relative_output_folder_verifies(tmp_path, monkeypatch, capsys):
    """`--out` relative to the working directory (the sweeps' default results folder is too): the
    simulation child runs in its own folder and must still find its job file."""
    monkeypatch.chdir(tmp_path)
    args = ["evaluate", DESIGN, *SMALL, "--set", "verify.vectors=200", "--out", "runs/rel"]
    assert main(args) == 0, capsys.readouterr().out
    metrics = json.loads((tmp_path / "runs" / "rel" / "metrics.json").read_text())
    assert metrics["verification"]["vectors"] == 200 and metrics["verification"]["mismatches"] == 0
