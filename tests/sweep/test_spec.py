"""Sweep specs are refused before any trial, naming the key and what would be valid."""

from pathlib import Path

import pytest

from harness.spec import SpecError
from harness.sweep.loader import load_sweep

from ..conftest import ROOT
from .conftest import TINY_SPACE, write_sweep

SWEEPS = sorted((ROOT / "sweeps").glob("*.yaml"))


@pytest.mark.parametrize("path", SWEEPS, ids=[p.stem for p in SWEEPS])
def test_shipped_sweeps_load(path: Path):
    sweep = load_sweep(path)
    assert sweep.trials >= 20 and sweep.budget_us and sweep.hypervolume_reference
    assert all(c.space.params for c in sweep.candidates.values())


def test_shipped_sweeps_reach_every_knob():
    """Model size, precision, pruning and reuse factor (model-wide and per layer); trees, depth and
    threshold/score precision for BDTs; NN and BDT on one front."""
    names = {p.name for s in SWEEPS for c in load_sweep(s).candidates.values() for p in c.space.params}
    assert {"model.hidden", "model.weight_bits", "model.activation_bits", "firmware.input_precision"} <= names
    assert {"model.pruning", "firmware.reuse_factor", "model.n_trees", "model.max_depth"} <= names
    assert {"firmware.threshold_precision", "firmware.score_precision"} <= names
    kinds = {c.kind for c in load_sweep(ROOT / "sweeps" / "jet_nn_vs_bdt.yaml").candidates.values()}
    assert kinds == {"nn", "bdt"}
    per_layer = load_sweep(ROOT / "sweeps" / "jet_nn_vs_bdt.yaml").candidates["mlp"].space.params
    assert any(p.name == "firmware.reuse_factor" and p.type == "per_layer" for p in per_layer)


BAD = {
    "unknown path": (
        {"space": {"model.hiden": {"type": "int", "low": 1, "high": 3}}},
        r"space.model.hiden: the value 1 would be refused: unknown key model.hiden; valid keys in model:"
        r"\n  hidden: hidden layer widths",
    ),
    "inverted range": (
        {"space": {"model.weight_bits": {"type": "int", "low": 8, "high": 3}}},
        r"space.model.weight_bits: the range is inverted \(low 8 > high 3\)",
    ),
    "empty categorical": (
        {"space": {"firmware.input_precision": {"type": "categorical", "choices": []}}},
        r"space.firmware.input_precision.choices: \[\] is empty",
    ),
    "value the design refuses": (
        {"space": {"firmware.arithmetic": {"type": "categorical", "choices": ["da", "fast"]}}},
        r"space.firmware.arithmetic: the value 'fast' would be refused: firmware.arithmetic: 'fast' is not "
        r"valid; must be one of 'auto', 'da', 'mac'",
    ),
    "range end the design refuses": (
        {"space": {"model.weight_bits": {"type": "int", "low": 30, "high": 40}}},
        r"the value 33 would be refused: model.weight_bits: 33 is not valid; must be between 1 and 32",
    ),
    "reuse factor forbidden for a width": (
        {
            "space": {
                "model.hidden": {
                    "type": "list",
                    "length": {"type": "int", "low": 1, "high": 2},
                    "item": {"type": "int", "low": 8, "high": 24, "step": 8},
                },
                "firmware.reuse_factor": {"type": "categorical", "choices": [1, 3]},
            }
        },
        r"space.firmware.reuse_factor: the value 3 would be refused with model.hidden=\[8\]: "
        r"firmware.reuse_factor: 3 is not valid for layer fc1 \(16 inputs x 8 outputs\); hls4ml's rule "
        r"allows 1, 2, 4, 8, 16, 32, 64, 128$",
    ),
    "per-layer reuse factor forbidden for a width": (
        {
            "space": {
                "firmware.reuse_factor": {
                    "type": "per_layer",
                    "item": {"type": "categorical", "choices": [64]},
                }
            }
        },
        r"space.firmware.reuse_factor: the value \{'fc1': 64, 'fc2': 64, 'fc3': 64, 'output': 64\} would be "
        r"refused: firmware.reuse_factor: 64 is not valid for layer output \(32 inputs x 5 outputs\)",
    ),
    "combination the flow refuses": (
        {
            "space": {
                "firmware.arithmetic": {"type": "categorical", "choices": ["da", "mac"]},
                "firmware.reuse_factor": {"type": "categorical", "choices": [1, 2]},
            }
        },
        r"the space contains designs the flow would refuse, e.g. \{.*\}: firmware.reuse_factor: 2 needs "
        r"firmware.arithmetic: auto or mac",
    ),
    "objective that is not a metric": (
        {"objectives": [{"metric": "resources.luts", "direction": "minimize"}]},
        r"objectives\[0\].metric: 'resources.luts' is not a metric; metrics:\n  accuracy.emulation",
    ),
    "objective unknown at estimate": (
        {"objectives": [{"metric": "resources.ff", "direction": "minimize"}]},
        r"objectives: resources.ff is known only from fidelity synth",
    ),
    "bad direction": (
        {"objectives": [{"metric": "latency.ns", "direction": "smaller"}]},
        r"objectives\[0\].direction: 'smaller'; must be minimize or maximize",
    ),
    "unknown device": ({"device": "xc9zz999"}, r"device: part 'xc9zz999' is not in the device table; known"),
    "unknown sampler": (
        {"sampler": "cmaes"},
        r"sampler: 'cmaes' is not valid; must be one of tpe, nsga2, gp",
    ),
    "unknown top key": ({"budget_ns": 100}, r"unknown sweep key\(s\) budget_ns; valid keys:"),
    "unknown parameter type": (
        {"space": {"model.weight_bits": {"type": "integer", "low": 1, "high": 3}}},
        r"space.model.weight_bits.type: 'integer' is not valid; must be one of int, float, categorical",
    ),
    "negative budget": ({"budget_us": -1}, r"budget_us: -1 is not valid; must be a positive number"),
    "unknown promotion key": (
        {"promotion": {"near": 0.1, "verify_top": 3}},
        r"promotion: unknown key\(s\) \['verify_top'\]; expected \{fidelity: synth\|verify, near",
    ),
    "bad parameter of one of several designs": (
        {
            "designs": {
                "mlp": {
                    "design": str(ROOT / "designs" / "jet_mlp.yaml"),
                    "space": {"model.hidden": {"low": 1}},
                },
                "bdt": {"design": str(ROOT / "designs" / "jet_bdt.yaml")},
            }
        },
        r"designs.mlp.space.model.hidden: \{'low': 1\} is not a parameter; expected a mapping with `type`",
    ),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_spec_is_refused_naming_key_and_valid_values(tmp_path, case):
    fields, message = BAD[case]
    with pytest.raises(SpecError, match=message):
        load_sweep(write_sweep(tmp_path, **fields))


def test_design_overrides_from_the_command_line(tmp_path):
    path = write_sweep(tmp_path, space={"model.weight_bits": {"type": "int", "low": 3, "high": 6}})
    sweep = load_sweep(path, ["budget_us=0.2", "set.training.epochs=1"])
    (candidate,) = sweep.candidates.values()
    assert sweep.budget_us == 0.2 and candidate.build({}).training.epochs == 1
    with pytest.raises(SpecError, match="unknown key training.epoch;"):
        load_sweep(path, ["set.training.epoch=1"])


def test_space_parameters_from_the_command_line(tmp_path):
    """The space's keys are dotted design paths: `space.model.weight_bits.high=6` reaches `high` of the
    parameter `model.weight_bits` (it used to create `space.model` and be refused as no parameter), a
    whole new parameter can be added, and a bad value is refused naming the parameter."""
    path = write_sweep(tmp_path, space=dict(TINY_SPACE))
    sweep = load_sweep(
        path,
        [
            "space.model.weight_bits.high=5",
            "space.model.hidden.item.high=12",
            "space.model.activation_bits={type: int, low: 4, high: 6}",
        ],
    )
    params = {p.name: p for c in sweep.candidates.values() for p in c.space.params}
    assert params["model.weight_bits"].high == 5 and params["model.hidden"].item.high == 12
    assert (params["model.activation_bits"].low, params["model.activation_bits"].high) == (4, 6)
    with pytest.raises(SpecError, match=r"space.model.weight_bits: the range is inverted \(low 9 > high 6\)"):
        load_sweep(path, ["space.model.weight_bits.low=9"])
    override = "designs.mlp.space.model.weight_bits.low=5"
    several = load_sweep(ROOT / "sweeps" / "jet_nn_vs_bdt.yaml", [override])
    (bits,) = [p for p in several.candidates["mlp"].space.params if p.name == "model.weight_bits"]
    assert bits.low == 5


def test_a_missing_input_file_is_refused_before_any_trial(tmp_path, capsys):
    """A data file that does not exist used to fail every trial (the study gave up after 5); now the
    command is refused with one error line naming the file and its role, and no study is created."""
    from harness.cli import main

    spec = write_sweep(tmp_path, space=dict(TINY_SPACE))
    missing = tmp_path / "nope.csv"
    results = tmp_path / "results"
    code = main(
        ["sweep", str(spec), "--results", str(results)]
        + ["--set", "set.data.name=jets-hlf", "--set", f"set.data.path={missing}"]
    )
    out = capsys.readouterr().out.strip().splitlines()
    assert code == 2 and len(out) == 1, out
    assert out[0].startswith(
        f"error: design (jet_mlp.yaml with `set`): the data file: {missing} does not exist"
    )
    assert not results.exists()


def test_every_design_of_a_multi_design_sweep_has_its_files_checked(tmp_path):
    """Only the second design's data file is missing: the error names that design."""
    designs = {
        "mlp": {"design": str(ROOT / "designs" / "jet_mlp.yaml"), "set": {"data.n_samples": 3000}},
        "bdt": {
            "design": str(ROOT / "designs" / "jet_bdt.yaml"),
            "set": {"data.name": "jets-hlf", "data.path": "missing.parquet"},
        },
    }
    with pytest.raises(
        SpecError,
        match=r"designs\.bdt \(jet_bdt\.yaml with `set`\): the data file: .*/designs/"
        r"missing\.parquet does not exist \(relative paths are read from the design file's "
        r"folder .*/designs\)",
    ):
        load_sweep(write_sweep(tmp_path, designs=designs))


def test_each_file_a_space_can_choose_must_exist(tmp_path):
    """A file-valued parameter: each of its values is a file a trial would read. The design's own
    pretrained path is not checked when the space replaces it."""
    models = tmp_path / "models"
    models.mkdir()
    present = models / "frozen.json"
    present.write_text("{}")
    base = {"design": str(ROOT / "designs" / "jet_bdt.yaml"), "set": {"model.pretrained": "gone.json"}}
    space = {
        "model.pretrained": {"type": "categorical", "choices": [str(present), str(models / "lost.json")]}
    }
    with pytest.raises(
        SpecError,
        match=r"space\.model\.pretrained: the value '.*/lost\.json' names a missing file: the model file: "
        r".*/models/lost\.json does not exist",
    ):
        load_sweep(write_sweep(tmp_path, **base, space=space))
    with pytest.raises(
        SpecError, match=r"design \(jet_bdt\.yaml with `set`\): the model file: .*/gone\.json"
    ):
        load_sweep(write_sweep(tmp_path, **base, space={}))
