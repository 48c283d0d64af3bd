"""A sweep trial whose RTL genuinely mismatches its reference (`HARNESS_INJECT_FAULT=rtl`, see
harness/faults.py), beside a correct one, followed through the sweep and its report: the wrong design is
never verified, never on the Pareto front, and shown as a mismatch in trials.csv and the HTML page."""

from __future__ import annotations

import csv

import pytest

from harness import faults
from harness.cli import main
from harness.sweep import SweepOptions, load_sweep, open_study, pareto_front, records
from harness.sweep.pareto import as_losses, dominates

from .conftest import write_sweep

pytestmark = pytest.mark.slow  # two tiny designs through Yosys and Verilator: about a minute

#: The correct trial is the larger design; the faulty one is smaller (fewer LUTs), so only its mismatch
#: can keep it off the front.
CORRECT, FAULTY = {"model.hidden": [8], "model.weight_bits": 6}, {"model.hidden": [4], "model.weight_bits": 3}


def _run_enqueued(spec, results, params: dict, trials: int) -> None:
    """`harness sweep` up to `trials` trials, the next one with exactly `params`."""
    sweep = load_sweep(spec)
    open_study(sweep, SweepOptions(results=results)).enqueue_trial(params)
    assert main(["sweep", str(spec), "--results", str(results), "--trials", str(trials)]) == 0


def test_a_mismatching_trial_is_never_verified_nor_on_the_front(tmp_path, monkeypatch, capsys):
    space = {
        "model.hidden": {"type": "categorical", "choices": [[4], [8]]},
        "model.weight_bits": {"type": "categorical", "choices": [3, 6]},
    }
    promotion = {"fidelity": "verify", "near": 0.99, "after": 0, "max": None, "verify_front": True}
    spec = write_sweep(tmp_path, name="faulty", sampler="random", space=space, promotion=promotion)
    results = tmp_path / "results"
    _run_enqueued(spec, results, CORRECT, trials=1)
    monkeypatch.setenv(faults.ENV, "rtl")  # the second trial's RTL is generated wrong
    _run_enqueued(spec, results, FAULTY, trials=2)
    monkeypatch.delenv(faults.ENV)
    out = capsys.readouterr().out
    sweep = load_sweep(spec)
    trials = records(open_study(sweep, SweepOptions(results=results)))
    good, bad = (next(t for t in trials if t.params == p) for p in (CORRECT, FAULTY))
    assert "RTL MISMATCHES its reference" in out and f"trial {bad.number}: RTL MISMATCHES" in out
    assert good.verified and good.mismatches == 0 and good.fidelity == "verify"
    assert bad.state == "COMPLETE" and bad.fidelity == "verify" and bad.promoted
    assert bad.mismatches > 0 and not bad.verified and bad.feasible is False
    assert bad.constraints["rtl_mismatches"] == bad.mismatches
    # had its mismatch been ignored it would be on the front: the correct design does not dominate it
    assert not dominates(*as_losses([good.values, bad.values], sweep.directions))
    front = pareto_front(trials, sweep.directions)
    assert [t.number for t in front] == [good.number]

    report = tmp_path / "report"
    assert main(["report", str(spec), "--results", str(results), "--out", str(report), "--no-pdf"]) == 0
    with open(report / "pareto.csv") as handle:
        assert [int(r["trial"]) for r in csv.DictReader(handle)] == [good.number]
    with open(report / "trials.csv") as handle:
        rows = {int(r["trial"]): r for r in csv.DictReader(handle)}
    assert rows[bad.number]["status"] == "mismatch" and rows[bad.number]["on_front"] == "False"
    assert rows[good.number]["status"] == "verified" and rows[good.number]["on_front"] == "True"
    html = (report / "index.html").read_text()
    assert "1 with RTL mismatches" in html and f"RTL MISMATCH ({bad.mismatches} words)" in html
