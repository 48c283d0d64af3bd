"""Degenerate studies give a report that says what is wrong, with no crash and no empty plot: a study
whose every trial failed (named by its spec, and by name and storage alone), and studies of one design
that is unverified or misses its latency budget (so nothing is optimal or recommended)."""

from __future__ import annotations

import csv

from harness.cli import main
from harness.report.figures import PLOTS
from tests.sweep.conftest import TINY_NN, run_sweep


def report(args: list[str], out) -> str:
    assert main(["report", *args, "--out", str(out)]) == 0
    assert (out / "report.pdf").stat().st_size > 0
    return (out / "index.html").read_text()


def test_a_study_whose_trials_all_failed(tmp_path):
    """Yosys is given 0.01 s, and every trial is promoted to synthesis (from the first on, with no
    budget): each one genuinely times out in Yosys; the sweep gives up after 5."""
    spec, results = run_sweep(
        tmp_path,
        trials=1,
        set={**TINY_NN, "verify.synth_timeout_s": 0.01},
        promotion={"fidelity": "synth", "after": 0},
    )
    for args, out in (
        ([str(spec), "--results", str(results)], tmp_path / "by-spec"),
        (["--study", "sweep", "--results", str(results)], tmp_path / "by-name"),
    ):
        html = report(args, out)
        assert "No trial completed: all 5 trial(s) failed" in html
        assert "no trial completed, so there is no design to recommend" in html
        assert "<td>5: 0, 1, 2, 3, 4</td>" in html
        assert "stage: synth: SynthesisError: Yosys exceeded its time limit of N s on" in html
        assert html.count("so there is nothing to plot") == len(PLOTS) and not (out / "figures").exists()
        with (out / "pareto.csv").open() as handle:
            assert len(list(csv.reader(handle))) == 1  # the header only


def test_studies_of_one_design_unverified_and_outside_the_budget(tmp_path):
    """One fixed design, completed at estimate only (never promoted): first with no budget and no front
    verification, so it is feasible and undominated but unverified; then (the same design, a cache hit)
    against a 1 ns budget it misses. Neither study has a Pareto design or a recommendation."""
    spec, results = run_sweep(tmp_path, name="unverified", trials=1, promotion={"verify_front": False})
    html = report([str(spec), "--results", str(results)], tmp_path / "unverified")
    assert "one completed design: a single point" in html
    assert "No design is Pareto-optimal in this report" in html and "Pareto designs (0)" in html
    assert "1 design(s) known only from estimates or Yosys are not dominated by any verified design" in html
    assert "no design was verified bit-exact, so none can be recommended" in html
    assert "the study has no latency budget" in html

    spec, results = run_sweep(tmp_path, name="late", trials=1, budget_us=0.001)
    html = report([str(spec), "--results", str(results)], tmp_path / "late")
    assert "No design lies inside the latency budget of 0.001 µs; the fastest is trial 0" in html
    assert "No design is Pareto-optimal in this report" in html
    assert "not verified (estimate only)" in html and "verified bit-exact</span>" not in html
    for plot in PLOTS:  # the single point is drawn, hollow (unverified), never an empty axis
        assert (tmp_path / "late" / "figures" / f"{plot.name}.svg").stat().st_size > 10_000
    assert "budget 0.001 µs (1 ns)" in (tmp_path / "late" / "figures" / "accuracy_vs_latency.svg").read_text()
