"""What the report of the shared tiny study says: its Pareto set against a brute-force filter (ties, a
point outside the budget, failed, unverified and duplicate trials), every number with its source,
the recommendation, the failures grouped, the vendor points labelled, and the PDF."""

from __future__ import annotations

import csv
import json
import re
from html import escape, unescape
from pathlib import Path

import numpy as np
import pypdf
import pypdfium2

from harness.report.figures import PLOTS
from harness.report.points import TABLE_METRICS
from tests.report.conftest import TIMED_OUT
from tests.sweep.conftest import TINY_STUDY


def rows(path: Path) -> list[dict[str, str]]:
    with path.open() as handle:
        return list(csv.DictReader(handle))


def brute_force_front(trials, directions) -> set[int]:
    """Verified or vendor-measured, complete, inside every constraint, not mismatched, the first of
    identical imports; then every point that no other point beats somewhere without losing anywhere."""
    seen, eligible = set(), []
    for t in sorted(trials, key=lambda t: t.number):
        if t.state != "COMPLETE" or not (t.verified or t.kind == "vendor") or t.mismatches:
            continue
        if any(v is not None and v > 0 for v in t.constraints.values()) or t.design_hash in seen:
            continue
        seen.add(t.design_hash)
        eligible.append(t)
    sign = [1 if d == "minimize" else -1 for d in directions]

    def beats(a, b) -> bool:
        pairs = [(s * x, s * y) for s, x, y in zip(sign, a.values, b.values, strict=True)]
        return all(x <= y for x, y in pairs) and any(x < y for x, y in pairs)

    return {a.number for a in eligible if not any(beats(b, a) for b in eligible if b is not a)}


def test_pareto_set_is_the_brute_force_non_dominated_set(study):
    from harness.sweep import load_sweep

    directions = load_sweep(study.spec).directions
    front = {int(r["trial"]) for r in rows(study.out / "pareto.csv")}
    assert front == brute_force_front(study.trials, directions)
    by_number = {t.number: t for t in study.trials}
    # the tie and the verified design it copies are both optimal: equal points do not dominate
    assert {study.vendor["tie"], study.tie_of} <= front
    assert by_number[study.vendor["tie"]].values == by_number[study.tie_of].values
    # the Vivado point is the most accurate of all but 20 ns over the budget; its re-import is flagged
    outside = by_number[study.vendor["outside"]]
    assert outside.values[0] == max(t.values[0] for t in study.trials if t.values)
    assert outside.constraints["latency_budget"] == 20.0 and outside.number not in front
    assert study.vendor["duplicate"] not in front
    failed = [t for t in study.trials if t.state == "FAIL"]
    unverified = [t for t in study.trials if t.state == "COMPLETE" and t.kind == "nn" and not t.verified]
    assert failed and unverified and not front & {t.number for t in failed + unverified}
    assert all(by_number[n].verified or by_number[n].kind == "vendor" for n in front)


def test_every_value_has_its_source_and_unknown_is_never_zero(study):
    pareto = rows(study.out / "pareto.csv")
    for row in pareto:
        for metric in TABLE_METRICS:
            assert (row[metric] == "unknown") == (row[f"{metric} source"] == ""), (row["trial"], metric)
        if row["origin"] == "nn":
            assert row["status"] == "verified" and row["verification.mismatches"] == "0"
            assert row["latency.ns source"].startswith("verilator") and row[
                "resources.lut source"
            ].startswith("yosys")
            assert float(row["verification.vectors"]) >= 300
    tie = next(r for r in pareto if int(r["trial"]) == study.vendor["tie"])
    assert (
        tie["status"] == "vendor" and tie["accuracy.float"] == "unknown" and tie["accuracy.rtl"] == "unknown"
    )
    assert tie["accuracy.emulation source"] == "stated at import (harness study add --accuracy)"
    assert tie["resources.ff source"] == "Vivado 2020.1 synth" and tie["resources.ff"] == "2428"
    trials = rows(study.out / "trials.csv")
    assert sorted(int(r["trial"]) for r in trials) == sorted(t.number for t in study.trials)
    duplicate = next(r for r in trials if int(r["trial"]) == study.vendor["duplicate"])
    assert duplicate["duplicate_of"] == str(study.vendor["outside"])


def test_the_study_named_without_its_spec_gives_the_same_front_and_budget(study, tmp_path, tiny_study):
    """By name and storage only, the objectives, budget and device are read back from the trials, and
    the header names the sweep commands that made the study (stored on it by the sweep), not only a
    report command: the shared study's first run, the resumed run whose trial timed out in Yosys, and
    the last resumed run, each with its spec, `--set` values, trial count and seed."""
    from harness.cli import main

    args = [
        "--study",
        TINY_STUDY["name"],
        "--results",
        str(study.results),
        "--out",
        str(tmp_path),
        "--no-pdf",
    ]
    assert main(["report", *args]) == 0
    assert rows(tmp_path / "pareto.csv") == rows(study.out / "pareto.csv")
    html = (tmp_path / "index.html").read_text()
    assert "0.03 µs (30 ns)" in html and "<dd>xcvu9p</dd>" in html
    assert "accuracy.emulation (max), lut_equivalent (min), latency.ns (min)" in html
    header = html[html.index('id="reproduce"') : html.index("</dd>", html.index('id="reproduce"'))]
    commands = [unescape(c) for c in re.findall(r"<code>(.*?)</code>", header)]
    seed, tiny_spec, tiny_results = TINY_STUDY["seed"], *tiny_study
    assert commands[0] == f"harness sweep {tiny_spec} --set seed={seed} --trials 5 --results {tiny_results}"
    timed_out = " ".join(TIMED_OUT[:-2])
    assert re.fullmatch(
        rf"harness sweep {study.spec} {re.escape(timed_out)} --set seed={seed} --trials \d+ --timeout 1 "
        rf"--results {study.results}",
        commands[1],
    ), commands[1]
    assert re.fullmatch(
        rf"harness sweep {study.spec} --set seed={seed} --trials \d+ --results {study.results}", commands[2]
    ), commands[2]
    storage = study.results / "studies" / "tiny.journal"
    assert commands[3] == f"harness report --study tiny --storage {storage}" and len(commands) == 5
    assert commands[4].startswith("harness report --study tiny") and "as stored on the study" in header


def test_recommendation_is_the_most_accurate_verified_design_inside_the_budget(study):
    html = (study.out / "index.html").read_text()
    inside = [t for t in study.trials if t.verified and t.state == "COMPLETE" and t.feasible]
    assert inside and all(t.kind == "nn" for t in inside)
    best = max(t.values[0] for t in inside)
    cheapest = min(
        (t for t in inside if t.values[0] >= best - 0.01), key=lambda t: (t.values[1], t.values[2])
    )
    recommendation = html[html.index('id="recommendation"') : html.index('id="budget-cost"')]
    assert f"trial {cheapest.number}</a>" in recommendation.split("Cheapest")[1]
    assert f"accuracy {best:.4f}" in recommendation.split("Cheapest")[0]
    cost = html[html.index('id="budget-cost"') : html.index('id="plots"')]
    assert f"trial {study.vendor['outside']}</a>" in cost and "percentage points" in cost


def test_failures_are_grouped_with_their_reason_and_duplicates_flagged(study):
    html = (study.out / "index.html").read_text()
    failed = [t.number for t in study.trials if t.state == "FAIL"]
    table = html[html.index('id="failure-table"') : html.index('id="trials"')]
    assert "stage: synth: SynthesisError: Yosys exceeded its time limit of N s on" in table
    assert "Yosys exceeded its time limit of 0.01 s" in table  # the example message, unabridged
    assert f"{len(failed)}: {', '.join(map(str, failed))}" in table
    same = "the same design: identical but for file names, folders and dates"
    assert f"duplicate of trial {study.vendor['outside']} ({same})" in html
    assert "vendor-measured (not verified by the harness)" in html
    assert "<script src" not in html and "<link" not in html and "cdn" not in html.lower().split("<body>")[1]


def test_figures_are_written_as_png_and_svg_with_the_budget(study):
    for spec in PLOTS:
        png, svg = study.out / "figures" / f"{spec.name}.png", study.out / "figures" / f"{spec.name}.svg"
        assert png.stat().st_size > 10_000 and svg.stat().st_size > 10_000
    assert "budget 0.03 µs (30 ns)" in (study.out / "figures" / "accuracy_vs_latency.svg").read_text()


def test_pdf_has_the_plots_and_the_table_and_a_first_page_that_is_not_blank(study):
    pdf = study.out / "report.pdf"
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(pdf).pages)
    assert "Pareto designs" in text and "Recommendation" in text
    for spec in PLOTS:
        assert spec.title in text
    for row in rows(study.out / "pareto.csv"):
        assert row["design"] in text and f"{float(row['accuracy.emulation']):.4f}" in text
    page = pypdfium2.PdfDocument(pdf)[0].render(scale=1).to_pil().convert("L")
    pixels = np.asarray(page, dtype=float)
    assert pixels.std() > 10 and (pixels < 128).mean() > 0.003  # text and a plot on white


def test_vendor_points_are_stored_in_the_shape_the_sweep_reads(study):
    tie = next(t for t in study.trials if t.number == study.vendor["tie"])
    assert tie.kind == "vendor" and tie.fidelity == "vendor" and not tie.verified
    assert (
        all(v is None or v <= 0 for v in tie.constraints.values()) and tie.constraints["latency_budget"] <= 0
    )
    assert tie.sources["latency.ns"] == "Vivado HLS 2020.1 csynth"
    record = json.loads(Path(tie.record).read_text())
    assert record["accuracy"]["emulation"] == tie.values[0] and record["verification"]["mismatches"] is None


def test_each_nn_pareto_design_shows_its_per_layer_precisions(study):
    """Weight, bias, accumulator and result type of every layer, as hls4ml resolved them at conversion
    (recorded in metrics.json), with their source; checked against the typedefs hls4ml wrote into the
    design's own firmware/defines.h and against the trial's weight bits."""
    html = (study.out / "index.html").read_text()
    nn = [t for t in study.trials if str(t.number) in {r["trial"] for r in rows(study.out / "pareto.csv")}]
    nn = [t for t in nn if t.kind == "nn"]
    assert nn
    for trial in nn:
        start = html.index(f'<details class="design" id="trial-{trial.number}"')
        block = html[start : html.index("</details>", start)]
        assert (
            "Per-layer precisions" in block and "source: hls4ml 1.3.0 types of the converted model" in block
        )
        table = block[block.index("Per-layer precisions") :]
        folder = Path(trial.record).parent
        typedefs = {
            name: kind
            for kind, name in re.findall(
                r"typedef (\S+) (\w+);", (folder / "hls4ml/firmware/defines.h").read_text()
            )
        }
        layers = json.loads((folder / "metrics.json").read_text())["model"]["precisions"]
        dense = [name for name, entry in layers.items() if "accum" in entry]
        assert dense and dense[0] == "fc1" and dense[-1] == "output"
        weight = f"ap_fixed<{trial.params['model.weight_bits']},1>"  # quantized_bits(bits, 0): one sign bit
        for name in dense:
            result = typedefs["result_t" if name == "output" else f"{name}_result_t"]
            cells = [name, weight, weight, typedefs[f"{name}_accum_t"], result]
            assert "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>" in table, name
        first = ["fc1_input", "-", "-", "-", typedefs["input_t"]]
        assert "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in first) + "</tr>" in table
