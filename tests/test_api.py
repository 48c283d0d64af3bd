"""`import harness` is enough: the public API (load_design, evaluate, sweep, report, Record, the errors)
and the fidelity ladder it climbs, reusing each rung's work."""

from __future__ import annotations

import inspect
import json

import pytest

import harness
from harness.ladder import Evaluation
from harness.record import Record

from .conftest import ROOT

DESIGN = ROOT / "designs" / "jet_mlp.yaml"
TINY = {"model.hidden": [8], "data.n_samples": 3000, "training.epochs": 2, "verify.vectors": 300}


def test_the_public_names_are_exported_and_documented():
    assert set(harness.__all__) >= {"evaluate", "load_design", "sweep", "report", "Record", "HarnessError"}
    assert harness.__version__ == "0.1.0"
    for name in ("evaluate", "load_design", "sweep", "report"):
        doc = inspect.getdoc(getattr(harness, name))
        assert doc and "Raises" in doc or "SpecError" in doc, name
    doc = inspect.getdoc(harness.evaluate)
    assert all(word in doc for word in ("Args:", "fidelity", "Returns:", "Raises:", "mismatches"))
    for error in ("SpecError", "ToolError", "ToolNotFoundError", "ReportError"):
        assert issubclass(getattr(harness, error), harness.HarnessError)


def test_evaluate_from_python_returns_a_typed_record_that_is_the_metrics_file(tmp_path):
    record = harness.evaluate(DESIGN, fidelity="estimate", out=tmp_path, set=TINY)
    assert isinstance(record, Record) and record.fidelity == "estimate"
    assert record.params["model"]["hidden"] == [8] and record.resources.lut > 0
    assert record.resources.source.startswith("estimate: da4ml")
    assert record.verification.mismatches is None and record.resources.ff is None  # unknown, not 0
    written = json.loads((tmp_path / "metrics.json").read_text())
    assert written == record.to_dict() and written["schema_version"] == 1


def test_bad_input_is_refused_before_any_work(tmp_path):
    with pytest.raises(harness.SpecError, match="unknown key model.hiden"):
        harness.evaluate(DESIGN, out=tmp_path, set={"model.hiden": [8]})
    with pytest.raises(harness.SpecError, match="fidelity 'fast' is not valid; must be one of estimate"):
        harness.evaluate(DESIGN, fidelity="fast", out=tmp_path)
    assert not tmp_path.joinpath("metrics.json").exists()


def test_climbing_reuses_the_lower_rungs_and_a_stored_record_answers_for_its_rungs(
    tmp_path, toolchain, capsys
):
    spec = harness.load_design(DESIGN, TINY)
    evaluation = Evaluation(spec, tmp_path, toolchain)
    estimate = evaluation.climb("estimate")
    point = evaluation.point
    synth = evaluation.climb("synth")
    assert evaluation.point is point and synth is estimate  # the same record, one rung higher
    assert synth.fidelity == "synth" and synth.resources.source.startswith("yosys")
    assert synth.estimate["source"].startswith("estimate: ")  # the generator's numbers are kept
    out = capsys.readouterr().out
    assert out.count("] train ...") == 1 and out.count("] synth ...") == 1
    # read back, the record stands for synth and below: no stage runs again
    again = Evaluation(spec, tmp_path, toolchain, Record.read(tmp_path / "metrics.json"))
    assert again.climb("estimate").resources == synth.resources and again.point is None
    assert again.climb("synth").fidelity == "synth" and again.point is None
    assert "] train ..." not in capsys.readouterr().out
    # its estimate view is what a promotion decision compares
    view = again.record.as_estimate()
    assert view.resources.lut == synth.estimate["lut"] and view.resources.ff is None


def test_a_failing_tool_is_one_error_line_and_exit_1(tmp_path, capsys):
    from harness.cli import main

    args = ["evaluate", str(DESIGN), "--fidelity", "synth", "--out", str(tmp_path)]
    for key, value in {**TINY, "verify.synth_timeout_s": 0.01}.items():
        args += ["--set", f"{key}={json.dumps(value)}"]
    assert main(args) == 1
    out = capsys.readouterr().out
    assert "\nerror: " in out and "time limit of 0.01 s" in out and "Traceback" not in out
