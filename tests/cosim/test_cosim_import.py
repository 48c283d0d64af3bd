"""A `harness cosim` run whose vendor RTL is wrong, imported with `harness study add` into a real study:
the point enters the study and the report, marked as an RTL mismatch and outside the constraints (its
mismatched words, as for the sweep's own trials), and is kept off the front.

The vendor RTL is a copy of tests/hdl/hls_style_dot.v written into the test's folder with one operator
changed (`add_1_lo` subtracts `x1`'s product instead of adding it), so every vector whose `x1` is not 0
gets a wrong second output; the reference (csim_results.log) is the right function. The point's numbers
would put it on the front if its mismatch were ignored: an accuracy above every trial's (stated with
`--accuracy`, as a user would), a C-synthesis report of a few LUTs and no DSP, and the latency Verilator
measures (3 cycles of 5 ns, inside the tiny study's 30 ns budget).
"""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import numpy as np

from harness.cli import main
from harness.report.points import candidates
from harness.report.request import ReportRequest, load
from harness.sweep import load_sweep, open_study, records
from harness.sweep.options import SweepOptions
from harness.sweep.pareto import non_dominated
from harness.sweep.trials import pareto_front

from ..hls.report_texts import csynth, write
from ..tb.test_hls_parallel import BIAS, WEIGHTS
from .conftest import VECTORS, cosim, dot_project

#: The one change that makes the copy wrong: out1 = -8*x0 - x1 + 4*x2 + 6*x3 - 37.
RIGHT = "add_1_lo <= mul_1_0 + mul_1_1;"
WRONG = "add_1_lo <= mul_1_0 - mul_1_1;"
#: The vendor's C-synthesis figures for the wrong copy: smaller than any design of the tiny study.
LUT, DSP = 12, 0
#: Stated at import: above every trial of the tiny study.
ACCURACY = 1.0


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open() as handle:
        return list(csv.DictReader(handle))


def test_a_mismatched_cosim_run_imported_into_a_study_is_kept_off_the_front(
    capsys, tmp_path: Path, tiny_study: tuple[Path, Path]
) -> None:
    project, codes = dot_project(tmp_path / "hls_style_dot")
    source = project / "hls_style_dot_prj" / "solution1" / "syn" / "verilog" / "hls_style_dot.v"
    text = source.read_text()
    assert text.count(RIGHT) == 1
    source.write_text(text.replace(RIGHT, WRONG))
    report = csynth("Sat Mar 18 22:59:37 2023", "solution1", dsp=DSP, lut=LUT, top="hls_style_dot")
    write(source.parents[1] / "report", "hls_style_dot_csynth.rpt", report)

    # the co-simulation finds the wrong words: out1 off by -2*x1 wherever x1 is not 0
    wrong = int(np.count_nonzero(codes[:, 1]))
    assert 0 < wrong < VECTORS
    run = cosim(capsys, project, tmp_path / "cosim")
    assert run.code == 1, run.stdout
    assert f"NOT bit-exact: {wrong} mismatched output words in {wrong} of {VECTORS} vectors" in run.stdout
    first = int(np.flatnonzero(codes[:, 1])[0])
    right = codes[first] @ WEIGHTS.T + BIAS
    got = [int(right[0]), int(right[1] - 2 * codes[first, 1])]
    assert f"vector {first}: inputs={codes[first].tolist()} expected={right.tolist()} rtl={got}" in run.stdout
    metrics = run.metrics
    assert metrics["verification"]["mismatches"] == wrong and metrics["verification"]["bit_exact"] is False
    assert (metrics["resources"]["lut"], metrics["resources"]["dsp"]) == (LUT, DSP)

    # a copy of the shared tiny study, which the point would join at the front were its mismatch ignored
    spec = tmp_path / tiny_study[0].name
    shutil.copy(tiny_study[0], spec)
    results = tmp_path / "results"
    shutil.copytree(tiny_study[1], results, symlinks=True)
    before = load(ReportRequest(spec=str(spec), results=results))
    assert before.front and all(p.trial.values[0] < ACCURACY for p in before.complete)
    values = [ACCURACY, LUT + before.info.dsp_weight * DSP, metrics["latency"]["ns"]]
    assert before.info.budget_us is not None and values[2] <= 1000 * before.info.budget_us
    others = [p.trial.values for p in candidates(before.points)]
    assert 0 in non_dominated([values, *others], before.info.directions)

    command = ["study", "add", str(spec), str(run.metrics_file), "--accuracy", repr(ACCURACY)]
    assert main([*command, "--label", "wrong-rtl", "--results", str(results)]) == 0
    said = capsys.readouterr().out
    assert "[study] added vendor-measured point 'wrong-rtl'" in said, said
    # the mismatched words are a violated constraint, as they are for the sweep's own trials
    assert f"; OUTSIDE the constraints: rtl_mismatches over by {wrong}\n" in said, said

    # the report's front, and the sweep's, leave it out
    after = load(ReportRequest(spec=str(spec), results=results))
    point = after.points[-1]
    assert point.trial.design == "wrong-rtl" and point.trial.values == values
    assert not point.on_front and point not in after.front
    assert [p.number for p in after.front] == [p.number for p in before.front]
    assert point.status == "mismatch"
    trials = records(open_study(load_sweep(spec), SweepOptions(results=results)))
    assert point.number not in [t.number for t in pareto_front(trials, after.info.directions)]
    imported = next(t for t in trials if t.number == point.number)
    assert imported.kind == "vendor" and imported.verified is False and imported.mismatches == wrong
    assert imported.constraints["rtl_mismatches"] == wrong and not point.feasible

    # and the report's outputs show it as a mismatch, not on the front
    out = tmp_path / "report"
    assert main(["report", str(spec), "--results", str(results), "--out", str(out), "--no-pdf"]) == 0
    assert str(point.number) not in [row["trial"] for row in _rows(out / "pareto.csv")]
    (row,) = [row for row in _rows(out / "trials.csv") if row["trial"] == str(point.number)]
    assert (row["origin"], row["status"], row["on_front"]) == ("vendor", "mismatch", "False")
    assert row["verification.mismatches"] == str(wrong) and row["accuracy.emulation"] == "1"
    html = (out / "index.html").read_text()
    pareto_table = html.split('<table id="pareto-table">')[1].split("</table>")[0]
    assert f'data-trial="{point.number}"' not in pareto_table
    trials_table = html.split('<table id="trials-table">')[1].split("</table>")[0]
    (html_row,) = re.findall(
        rf'<tr id="trial-{point.number}" data-trial="{point.number}">.*?</tr>', trials_table, re.S
    )
    assert f'<span class="bad">RTL MISMATCH ({wrong} words)</span>' in html_row
    assert "(front)" not in html_row and "bit-exact" not in html_row
    assert "with RTL mismatches</span>" in html
