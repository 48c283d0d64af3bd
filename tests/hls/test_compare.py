"""Comparing builds against real hls4ml baselines with hls4ml's CI tolerances.

Baselines are real fixture files; perturbed versions are copies written to tmp_path (the fixtures
themselves are never modified).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.cli import main
from harness.hls.compare import FieldComparison, compare_reports, has_regression, load_baseline
from harness.hls.project import load_report
from harness.hls.record import Cosim, MalformedReportError

Vendor = Callable[..., Path]
VIVADO_DENSE = ("hls4ml-baselines", "Vivado", "2020.1", "test_keras_api_test_dense_io_parallel-Vivado.json")
ONEAPI_ELU = (
    "hls4ml-baselines",
    "oneAPI",
    "2025.0.1",
    "test_keras_api_test_activations_io_stream-oneAPI-elu.json",
)


def perturbed(source: Path, tmp_path: Path, **changes: str) -> Path:
    """A copy of a build() dict with some CSynthesisReport strings replaced."""
    data = json.loads(source.read_text())
    data["CSynthesisReport"].update(changes)
    out = tmp_path / source.name
    out.write_text(json.dumps(data, indent=4))
    return out


def verdicts(rows: list[FieldComparison]) -> dict[str, str]:
    return {row.field: row.verdict for row in rows}


def test_baseline_against_itself_is_all_ok(vendor: Vendor) -> None:
    path = vendor(*VIVADO_DENSE)
    rows = compare_reports(load_baseline(path), load_report(path))
    assert {row.verdict for row in rows} == {"ok"}
    # Every value of the baseline is compared: 2 clocks, 2 latencies, 2 IIs, 5 resources, 5 capacities.
    assert len(rows) == 16
    assert not has_regression(rows)


def test_lut_growth_beyond_ten_percent_is_a_regression(vendor: Vendor, tmp_path: Path) -> None:
    baseline = vendor(*VIVADO_DENSE)  # LUT "190"
    rows = compare_reports(load_baseline(baseline), load_report(perturbed(baseline, tmp_path, LUT="220")))
    lut = next(row for row in rows if row.field == "hls_resources.lut")
    assert (lut.baseline, lut.new, lut.verdict, lut.tolerance) == (190, 220, "regression", 0.10)
    assert lut.change == pytest.approx(30 / 190)
    assert has_regression(rows)


@pytest.mark.parametrize(
    ("changes", "field", "verdict"),
    [
        ({"LUT": "205"}, "hls_resources.lut", "ok"),  # +7.9 %, within 10 %
        ({"LUT": "150"}, "hls_resources.lut", "improvement"),
        ({"EstimatedClockPeriod": "2.970"}, "clock.estimated_ns", "ok"),  # +0.9 %, within 1 %
        ({"EstimatedClockPeriod": "3.000"}, "clock.estimated_ns", "regression"),  # +1.9 %
        ({"WorstLatency": "3"}, "latency.max_cycles", "regression"),
        ({"IntervalMax": "2"}, "ii.max", "regression"),
        ({"TargetClockPeriod": "4.00"}, "clock.target_ns", "regression"),  # a setting: must match
        ({"AvailableLUT": "53200"}, "available.lut", "regression"),  # another device
    ],
)
def test_tolerances(
    vendor: Vendor, tmp_path: Path, changes: dict[str, str], field: str, verdict: str
) -> None:
    baseline = vendor(*VIVADO_DENSE)
    rows = compare_reports(load_baseline(baseline), load_report(perturbed(baseline, tmp_path, **changes)))
    assert verdicts(rows)[field] == verdict
    assert [row.field for row in rows if row.verdict != "ok"] == ([] if verdict == "ok" else [field])


def test_oneapi_baseline(vendor: Vendor, tmp_path: Path) -> None:
    path = vendor(*ONEAPI_ELU)
    assert {row.verdict for row in compare_reports(load_baseline(path), load_report(path))} == {"ok"}
    data = json.loads(path.read_text())
    data["report"]["Loop"]["worstLatency"] = "13.0"  # from 11.0
    data["report"]["HLS"]["total"]["mlab"] = 100  # from 233
    changed = tmp_path / path.name
    changed.write_text(json.dumps(data))
    result = verdicts(compare_reports(load_baseline(path), load_report(changed)))
    assert result["latency.max_cycles"] == "regression"
    assert result["hls_resources.mlab"] == "improvement"


def test_harness_json_baseline_and_missing_values(vendor: Vendor, tmp_path: Path) -> None:
    """A `--json` output is a baseline too; values the new report lacks are 'missing'."""
    folder = vendor("hls4ml-test_report", "Vivado")
    saved = tmp_path / "baseline.json"
    saved.write_text(json.dumps(load_report(folder).to_dict()))
    assert {row.verdict for row in compare_reports(load_baseline(saved), load_report(folder))} == {"ok"}

    csynth_only = load_report(folder / "myproject_csynth.rpt")
    rows = compare_reports(load_baseline(saved), csynth_only)
    assert {row.field for row in rows if row.verdict == "missing"} == {
        "synth_resources.lut",
        "synth_resources.ff",
        "synth_resources.dsp",
        "synth_resources.bram",
    }
    assert not has_regression(rows)


def test_cosim_failure_is_a_regression(vendor: Vendor) -> None:
    report = load_report(vendor("hls4ml-test_report", "Vivado"))
    passed = dataclasses.replace(report, cosim=Cosim(status="pass", rtl="Verilog"))
    failed = dataclasses.replace(report, cosim=Cosim(status="fail", rtl="Verilog"))
    assert verdicts(compare_reports(passed, failed))["cosim.status"] == "regression"
    assert verdicts(compare_reports(failed, passed))["cosim.status"] == "improvement"


def test_unusable_baseline(tmp_path: Path) -> None:
    path = tmp_path / "notes.json"
    path.write_text('{"hello": "world"}')
    with pytest.raises(MalformedReportError, match="notes.json: neither an hls4ml build\\(\\) result"):
        load_baseline(path)


# --------------------------------------------------------------------------------------------------
# Through the command line


def test_cli_compare_itself_exits_zero(vendor: Vendor, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(vendor(*VIVADO_DENSE))
    assert main(["vendor-report", "--compare", path, path]) == 0
    out = capsys.readouterr().out
    assert "hls_resources.lut" in out and "0 regression(s) in 16 compared value(s)" in out


def test_cli_compare_regression_exits_nonzero(
    vendor: Vendor, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    baseline = vendor(*VIVADO_DENSE)
    new = perturbed(baseline, tmp_path, LUT="220", FF="89")
    assert main(["vendor-report", "--compare", str(baseline), str(new), "--json"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["regressions"] == 1
    lut = next(row for row in result["fields"] if row["field"] == "hls_resources.lut")
    assert lut == {
        "field": "hls_resources.lut",
        "baseline": 190,
        "new": 220,
        "change": pytest.approx(30 / 190),
        "tolerance": 0.1,
        "verdict": "regression",
    }


def test_cli_compare_folder_against_saved_json(
    vendor: Vendor, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = str(vendor("uw-acme-vivadohls2019.2-toptagging-gru"))
    assert main(["vendor-report", folder, "--json"]) == 0
    saved = json.loads(capsys.readouterr().out)
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps(saved))
    assert main(["vendor-report", "--compare", str(baseline), folder]) == 0
    capsys.readouterr()

    saved["latency"]["max_cycles"] = 800  # the new build's 878 is then 9.75 % slower
    baseline.write_text(json.dumps(saved))
    assert main(["vendor-report", "--compare", str(baseline), folder]) == 1
    assert "latency.max_cycles" in capsys.readouterr().out
