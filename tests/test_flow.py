"""The flow's command line on quick settings (the full-size runs are in tests/nn and tests/bdt)."""

import json

import numpy as np

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


def test_synthesis_targets_the_parts_family(tmp_path, capsys):
    """A 7-series part is synthesised as one (`synth_xilinx -family xc7`: DSP48E1, RAMB36E1); before,
    every part was mapped to UltraScale+ cells and its counts said so in their source only."""
    part = ["--set", "firmware.part=xc7z020clg400-1"]
    assert main(["evaluate", DESIGN, *SMALL, *part, "--fidelity", "synth", "--out", str(tmp_path)]) == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["resources"]["source"].endswith("synth_xilinx -family xc7")
    assert metrics["resources"]["lut"] > 0
    assert "synth_xilinx -family xc7 " in (tmp_path / "synth" / "synth.ys").read_text()


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


def test_single_sigmoid_output_is_decided_at_one_half(tmp_path, capsys):
    """A binary trigger whose one output is a sigmoid probability: an event is class 1 when it is above
    0.5 (in the float model, the reference's codes and the RTL's), not above 0, which called every event
    class 1 and reported the share of class-1 events as every accuracy."""
    import pandas as pd
    import tensorflow as tf
    import yaml

    rng = np.random.default_rng(0)
    x = rng.normal(size=(4000, 2))
    pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "passed": (x.sum(axis=1) > 0.3).astype(int)}).to_csv(
        tmp_path / "events.csv", index=False
    )
    model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1, activation="sigmoid")])
    model.layers[0].set_weights([np.full((2, 1), 4.0), np.array([-1.2])])  # p > 0.5 <=> a + b > 0.3
    model.save_weights(str(tmp_path / "w.h5"))
    (tmp_path / "m.json").write_text(model.to_json())
    design = {
        "name": "sigmoid_trigger",
        "kind": "nn",
        "data": {"path": "events.csv", "features": ["a", "b"], "label": "passed", "standardise": False},
        "model": {"pretrained": {"architecture": "m.json", "weights": "w.h5"}},
    }
    (tmp_path / "d.yaml").write_text(yaml.safe_dump(design))
    out = tmp_path / "run"
    assert main(["evaluate", str(tmp_path / "d.yaml"), "--fidelity", "estimate", "--out", str(out)]) == 0
    accuracy = json.loads((out / "metrics.json").read_text())["accuracy"]
    assert accuracy["float"] > 0.99 and accuracy["emulation"] > 0.97, accuracy
    assert accuracy["emulation_vs_float_agreement"] > 0.97, accuracy
