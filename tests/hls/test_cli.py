"""`harness vendor-report` through `harness.cli.main`, on real fixture folders."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.cli import hls as vendor_cli
from harness.cli import main
from harness.hls.metrics import to_metrics
from harness.hls.project import load_report
from harness.hls.sniff import RECOGNISED

Vendor = Callable[..., Path]


def test_json_output(vendor: Vendor, capsys: pytest.CaptureFixture[str]) -> None:
    folder = vendor("hls4ml-test_report", "Vivado")
    assert main(["vendor-report", str(folder), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data == load_report(folder).to_dict()
    assert list(data) == [
        "tool",
        "tool_version",
        "part",
        "top",
        "clock",
        "latency",
        "ii",
        "hls_resources",
        "available",
        "available_slr",
        "synth_tool",
        "synth_stage",
        "synth_resources",
        "synth_available",
        "cosim",
        "timing",
        "sources",
        "run",
        "stages",
        "unused",
        "notes",
        "problems",
    ]
    assert data["clock"] == {"target_ns": 5.0, "estimated_ns": 4.049, "uncertainty_ns": 0.62}
    assert data["cosim"] == {"status": None, "rtl": None}
    assert data["timing"] == {"wns_ns": None, "whs_ns": None, "met": None, "fmax_mhz": None}


def test_json_output_missing_synthesis_is_null(vendor: Vendor, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["vendor-report", str(vendor("calwilee-vivadohls2020.1-csynth-only")), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["synth_resources"] is None
    assert any(problem.startswith("Synthesis report missing") for problem in data["problems"])


def test_table_output(vendor: Vendor, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["vendor-report", str(vendor("alexyang-vitishls2022.2-kernelflow-jettag"))]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Vitis HLS 2022.2: top myproject, part xcu55c-fsvh2892-2L-e")
    assert "clock     target 3.330 ns, estimated 2.347 ns, uncertainty 0.900 ns" in out
    assert "latency   28 cycles (93.324 ns)" in out
    assert "Vivado 2022.2 synth" in out
    assert "myproject_csynth.rpt: clock, latency, ii, hls_resources, available" in out
    assert "other csynth reports not used: kernel_wrapper_csynth.rpt" in out


def test_table_output_ranges_and_problems(vendor: Vendor, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["vendor-report", str(vendor("uw-acme-vivadohls2019.1-quickdraw-gru"))]) == 0
    out = capsys.readouterr().out
    assert "latency   16375 .. 16401 cycles (-)" in out
    assert "II        16302 .. 16402 cycles" in out
    assert "synthesis (none found)" in out
    assert "  - Synthesis report missing" in out


def test_metrics_file(vendor: Vendor, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = vendor("hls4ml-tutorial", "pruned_cnn")
    out = tmp_path / "metrics.json"
    assert main(["vendor-report", str(folder), "--metrics", str(out)]) == 0
    capsys.readouterr()
    metrics = json.loads(out.read_text())
    assert metrics == json.loads(json.dumps(to_metrics(load_report(folder))))
    assert metrics["latency"]["cycles"] == 1044 and metrics["latency"]["ns"] == 5220.0
    assert metrics["resources"]["lut"] == 123948 and metrics["resources"]["source"] == "Vivado 2020.1 synth"


def test_no_report_lists_patterns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "README.txt").write_text("nothing to see")
    assert main(["vendor-report", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "no recognisable vendor report" in err
    assert RECOGNISED in err


def test_real_empty_baseline_folder(vendor: Vendor, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["vendor-report", str(vendor("hls4ml-baselines", "Vivado", "2023.1"))]) == 2
    assert "no recognisable vendor report" in capsys.readouterr().err


def test_malformed_report_names_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "vivado_synth.rpt"
    bad.write_text("| Tool Version : Vivado v.2020.1 (lin64)\n| Design : myproject\n")
    assert main(["vendor-report", str(bad)]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "no 'Slice LUTs' / 'CLB LUTs' row" in err


def test_unwritable_metrics_path(vendor: Vendor, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "missing-folder" / "metrics.json"
    assert main(["vendor-report", str(vendor("hls4ml-test_report", "Vivado")), "--metrics", str(target)]) == 2
    assert "cannot write metrics" in capsys.readouterr().err


def test_register_on_a_fresh_parser(vendor: Vendor, capsys: pytest.CaptureFixture[str]) -> None:
    """`register` works on any argparse subparsers object, independently of harness.cli."""
    parser = argparse.ArgumentParser()
    vendor_cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(
        ["vendor-report", str(vendor("zyw-vitishls2024.1-kernelflow-transformer")), "--json"]
    )
    assert args.func(args) == 0
    assert json.loads(capsys.readouterr().out)["top"] == "top_transformer"
