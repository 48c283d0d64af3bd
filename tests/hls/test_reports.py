"""Parsing real Vivado HLS / Vitis HLS / Vivado / oneAPI reports: every value the fixtures README lists.

Each test names the fixture folder it reads; expected numbers are the ones the reports themselves
print (see ../shared/fixtures/README.md). Timing-summary and co-simulation parsing has no real fixture
and is tested on small synthetic texts in the layout those reports use; those tests say so.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.hls.metrics import to_metrics
from harness.hls.problems import find_problems
from harness.hls.project import load_report
from harness.hls.record import (
    Clock,
    Cosim,
    MalformedReportError,
    NoReportError,
    ReportError,
    Timing,
    VendorReport,
)
from harness.hls.tops import choose_top
from harness.hls.values import parse_ns, parse_number
from harness.hls.vivado import parse_timing_summary, parse_vivado_utilization
from harness.hls.xilinx_hls import parse_cosim, parse_csynth_rpt, parse_csynth_xml

from .report_texts import vivado_header

Vendor = Callable[..., Path]


def groups(report: VendorReport) -> dict:
    return report.to_dict()


def synth_missing(report: VendorReport) -> bool:
    return any(p.startswith("Synthesis report missing") for p in report.problems)


# --------------------------------------------------------------------------------------------------
# hls4ml-test_report/Vivado: Vivado HLS 2020.1 + Vivado 2020.1, xc7z020


def test_hls4ml_test_report_vivado(vendor: Vendor) -> None:
    report = load_report(vendor("hls4ml-test_report", "Vivado"))
    data = groups(report)
    assert (report.tool, report.tool_version, report.part, report.top) == (
        "Vivado HLS",
        "2020.1",
        "xc7z020-clg400-1",
        "myproject",
    )
    assert f"{report.clock.target_ns:.3f}" == "5.000"
    assert f"{report.clock.estimated_ns:.3f}" == "4.049"
    assert data["latency"] == {"min_cycles": 10, "max_cycles": 10, "min_ns": 50.0, "max_ns": 50.0}
    assert data["ii"] == {"min": 8, "max": 8}
    assert data["hls_resources"] == {"bram_18k": 0, "dsp": 73, "ff": 7969, "lut": 2532, "uram": 0}
    assert data["available"] == {"bram_18k": 280, "dsp": 220, "ff": 106400, "lut": 53200, "uram": 0}
    assert report.synth_tool == "Vivado 2020.1"
    # BRAM is Vivado's Block RAM Tile count; a 7-series part has no URAM row at all: unknown, not 0.
    assert data["synth_resources"] == {"lut": 1526, "ff": 2428, "dsp": 66, "bram": 0, "uram": None}
    assert report.sources["latency"] == "myproject_csynth.rpt"
    assert report.sources["synth_resources"] == "vivado_synth.rpt (synthesized)"
    assert report.unused == {"myproject_csynth.xml": "the XML form of myproject_csynth.rpt"}


def test_uram_zero_of_zero_is_not_a_problem(vendor: Vendor) -> None:
    """URAM 0 used of 0 available: hls4ml prints N/A; it must not divide by zero or be flagged."""
    report = load_report(vendor("hls4ml-test_report", "Vivado"))
    assert (report.hls_resources.uram, report.available.uram) == (0, 0)
    assert report.problems == []


def test_hls4ml_test_report_xml_agrees_with_rpt(vendor: Vendor) -> None:
    folder = vendor("hls4ml-test_report", "Vivado")
    xml, rpt = (
        parse_csynth_xml(folder / "myproject_csynth.xml"),
        parse_csynth_rpt(folder / "myproject_csynth.rpt"),
    )
    for group in ("clock", "latency", "ii", "hls_resources", "available"):
        assert getattr(xml, group) == getattr(rpt, group), group
    assert (xml.top, xml.part, xml.tool_version) == ("myproject", "xc7z020-clg400-1", "2020.1")
    # The XML does not name its tool and 2020.1 shipped as both Vivado HLS and Vitis HLS.
    assert xml.tool is None


# --------------------------------------------------------------------------------------------------
# hls4ml-test_report/oneAPI: Intel oneAPI 2025.0


def test_hls4ml_test_report_oneapi(vendor: Vendor) -> None:
    report = load_report(vendor("hls4ml-test_report", "oneAPI"))
    data = groups(report)
    assert report.tool == "Intel oneAPI"
    assert report.tool_version is None  # the ndjson files do not say which release wrote them
    assert report.top == "Myproject"
    # HLS estimate: ALUTs 2462, FFs 7938, DSPs 0, RAMs 77, MLABs 92.
    assert data["hls_resources"] == {
        "bram_18k": None,
        "dsp": 0,
        "ff": 7938,
        "lut": 2462,
        "uram": None,
        "ram": 77,
        "mlab": 92,
    }
    assert data["available"]["lut"] == 974400 and data["available"]["ram"] == 7110
    # Quartus fit of the kernel: ALUTs 4181, FFs 16419, DSPs 40, RAMs 36, MLABs 52.
    assert report.synth_tool == "Quartus"
    assert data["synth_resources"] == {
        "lut": 4181,
        "ff": 16419,
        "dsp": 40,
        "bram": None,
        "uram": None,
        "ram": 36,
        "mlab": 52,
        "alm": 4520,
    }
    assert report.timing.fmax_mhz == 597.73
    assert report.latency.max_cycles == 200 and report.latency.min_cycles is None
    assert report.ii.max == 1 and report.ii.min is None
    assert f"{report.clock.estimated_ns:.3f}" == "2.083"  # slowest loop: 480 MHz
    assert report.sources["synth_resources"] == "quartus.ndjson"
    assert report.sources["latency"] == "loop_attr.ndjson"
    assert report.sources["hls_resources"] == "summary.ndjson"


# --------------------------------------------------------------------------------------------------
# hls4ml-baselines: build() result dicts, every value a string


def test_baseline_folders_are_all_present(vendor: Vendor) -> None:
    """Guards the parametrised test below: it must really run over every backend/version folder."""
    baselines = vendor("hls4ml-baselines")
    folders = {p.parent.relative_to(baselines).as_posix() for p in baselines.rglob("*") if p.is_file()}
    assert folders == {
        "Vivado/2020.1",
        "Vivado/2023.1",
        "Vitis/2020.1",
        "Vitis/2023.1",
        "Vitis/2024.1",
        "oneAPI/2025.0.1",
    }
    assert len(list(baselines.rglob("*.json"))) == 81


def test_baseline_dict(baseline_json: Path) -> None:
    """Every number of every baseline file comes through unchanged (strings converted to numbers)."""
    raw = json.loads(baseline_json.read_text())
    report = load_report(baseline_json)
    if "CSynthesisReport" in raw:
        csynth = raw["CSynthesisReport"]
        assert all(isinstance(v, str) for v in csynth.values())
        assert report.clock.target_ns == float(csynth["TargetClockPeriod"])
        assert report.clock.estimated_ns == float(csynth["EstimatedClockPeriod"])
        assert (report.latency.min_cycles, report.latency.max_cycles) == (
            int(csynth["BestLatency"]),
            int(csynth["WorstLatency"]),
        )
        assert (report.ii.min, report.ii.max) == (int(csynth["IntervalMin"]), int(csynth["IntervalMax"]))
        for key, attr in (
            ("BRAM_18K", "bram_18k"),
            ("DSP", "dsp"),
            ("FF", "ff"),
            ("LUT", "lut"),
            ("URAM", "uram"),
        ):
            assert getattr(report.hls_resources, attr) == int(csynth[key])
            assert getattr(report.available, attr) == int(csynth["Available" + key])
        assert report.latency.min_ns is None  # build() dicts carry no absolute latency
    else:
        hls, loops = raw["report"]["HLS"], raw["report"]["Loop"]
        assert report.tool == "Intel oneAPI"
        expected = {"lut": "alut", "ff": "reg", "dsp": "dsp"}
        for attr, key in expected.items():
            assert getattr(report.hls_resources, attr) == int(hls["total"][key])
            assert getattr(report.available, attr) == int(hls["available"][key])
        for key in ("ram", "mlab"):
            assert report.hls_resources.extra[key] == int(hls["total"][key])
        assert report.latency.max_cycles == float(loops["worstLatency"])
        assert report.ii.max == int(loops["worstII"])
        assert report.clock.estimated_ns == round(1000 / float(loops["worstFrequency"]), 3)
    assert report.synth_resources is None and synth_missing(report)


def test_vitis_2023_baseline_with_csim_results(vendor: Vendor) -> None:
    path = vendor("hls4ml-baselines", "Vitis", "2023.1", "test_keras_api_test_dense_io_parallel-Vitis.json")
    assert "CSimResults" in json.loads(path.read_text())
    data = groups(load_report(path))
    assert f"{data['clock']['estimated_ns']:.3f}" == "3.015"
    assert data["hls_resources"] == {"bram_18k": 1, "dsp": 2, "ff": 89, "lut": 190, "uram": 0}


def test_empty_baseline_folder_has_no_report(vendor: Vendor) -> None:
    """`Vivado/2023.1` holds only a .gitkeep: that must be a clear 'nothing here', not an empty report."""
    with pytest.raises(NoReportError, match=r"no recognisable vendor report .*== Vivado HLS Report for"):
        load_report(vendor("hls4ml-baselines", "Vivado", "2023.1"))


def test_folder_of_many_build_dicts_is_ambiguous(vendor: Vendor) -> None:
    with pytest.raises(ReportError, match="23 hls4ml build\\(\\) result dicts.*pass one file"):
        load_report(vendor("hls4ml-baselines", "Vivado", "2020.1"))


# --------------------------------------------------------------------------------------------------
# hls4ml-tutorial: io_stream CNNs on xcu250, tables with both `Available SLR` and `Available` rows


@pytest.mark.parametrize(
    ("folder", "hls", "vivado"),
    [
        (
            "pruned_cnn",
            {"bram_18k": 100, "dsp": 5414, "ff": 52549, "lut": 245466},
            {"lut": 123948, "dsp": 5386},
        ),
        (
            "quantized_pruned_cnn",
            {"bram_18k": 100, "dsp": 340, "ff": 43847, "lut": 263280},
            {"lut": 118931, "dsp": 353},
        ),
    ],
)
def test_hls4ml_tutorial(vendor: Vendor, folder: str, hls: dict, vivado: dict) -> None:
    report = load_report(vendor("hls4ml-tutorial", folder))
    data = groups(report)
    assert (report.latency.min_cycles, report.latency.max_cycles) == (1044, 1044)
    assert (report.latency.min_ns, report.latency.max_ns) == (5220.0, 5220.0)  # '5.220 us'
    assert (report.ii.min, report.ii.max) == (1028, 1028)
    assert {k: data["hls_resources"][k] for k in hls} == hls
    assert {k: data["synth_resources"][k] for k in vivado} == vivado
    # Trap: 'Available SLR' (one of four SLRs) must not be read as the device's 'Available'.
    assert data["available"] == {"bram_18k": 5376, "dsp": 12288, "ff": 3456000, "lut": 1728000, "uram": 1280}
    assert data["available_slr"] == {"bram_18k": 1344, "dsp": 3072, "ff": 864000, "lut": 432000, "uram": 320}


def test_pruned_cnn_dsp_exceeds_one_slr(vendor: Vendor) -> None:
    report = load_report(vendor("hls4ml-tutorial", "pruned_cnn"))
    assert report.problems == [
        "HLS estimate: DSP 5414 is 176.2 % of one SLR (3072 available); the design must span several SLRs"
    ]


# --------------------------------------------------------------------------------------------------
# uw-acme 2019.2 toptagging GRU: min != max latency, absolute times in us


def test_uw_acme_2019_2_gru(vendor: Vendor) -> None:
    report = load_report(vendor("uw-acme-vivadohls2019.2-toptagging-gru"))
    data = groups(report)
    assert (report.tool, report.tool_version) == ("Vivado HLS", "2019.2")
    assert data["latency"] == {"min_cycles": 856, "max_cycles": 878, "min_ns": 4280.0, "max_ns": 4390.0}
    assert data["ii"] == {"min": 802, "max": 822}
    assert f"{report.clock.estimated_ns:.3f}" == "4.366"
    assert data["hls_resources"] == {"bram_18k": 93, "dsp": 198, "ff": 15194, "lut": 82840, "uram": 0}
    assert report.synth_tool == "Vivado 2019.2"
    assert {k: data["synth_resources"][k] for k in ("lut", "ff", "dsp")} == {
        "lut": 22702,
        "ff": 18521,
        "dsp": 198,
    }
    assert report.problems == []


def test_uw_acme_2019_2_xml_agrees_and_names_vivado_hls(vendor: Vendor) -> None:
    folder = vendor("uw-acme-vivadohls2019.2-toptagging-gru")
    xml, rpt = (
        parse_csynth_xml(folder / "myproject_csynth.xml"),
        parse_csynth_rpt(folder / "myproject_csynth.rpt"),
    )
    assert xml.tool == "Vivado HLS"  # 2019.2 predates Vitis HLS
    for group in ("clock", "latency", "ii", "hls_resources", "available"):
        assert getattr(xml, group) == getattr(rpt, group), group


# --------------------------------------------------------------------------------------------------
# uw-acme 2019.1 quickdraw GRU: the old layout


def test_uw_acme_2019_1_old_layout(vendor: Vendor) -> None:
    report = load_report(vendor("uw-acme-vivadohls2019.1-quickdraw-gru"))
    data = groups(report)
    assert report.tool_version == "2019.1"
    # Clock cells are bare '5.00' / '4.890'; the unit is only in the '+ Timing (ns):' heading.
    assert (f"{report.clock.target_ns:.3f}", f"{report.clock.estimated_ns:.3f}") == ("5.000", "4.890")
    assert f"{report.clock.uncertainty_ns:.3f}" == "0.620"
    # No 'Latency (absolute)' columns: the times are unknown, not zero.
    assert data["latency"] == {"min_cycles": 16375, "max_cycles": 16401, "min_ns": None, "max_ns": None}
    assert data["ii"] == {"min": 16302, "max": 16402}
    assert data["hls_resources"] == {"bram_18k": 578, "dsp": 1849, "ff": 269778, "lut": 264305, "uram": 0}
    assert data["available"] == {"bram_18k": 2940, "dsp": 3600, "ff": 866400, "lut": 433200, "uram": 0}
    assert report.available_slr is None


def test_metrics_derive_ns_when_report_has_only_cycles(vendor: Vendor) -> None:
    metrics = to_metrics(load_report(vendor("uw-acme-vivadohls2019.1-quickdraw-gru")))
    assert metrics["latency"]["ns"] == 16401 * 5.0
    assert "cycles x target clock" in metrics["latency"]["source"]
    assert metrics["resources"]["source"] == "Vivado HLS 2019.1 csynth estimate"


# --------------------------------------------------------------------------------------------------
# calwilee 2020.1: C synthesis only


def test_calwilee_csynth_only(vendor: Vendor) -> None:
    report = load_report(vendor("calwilee-vivadohls2020.1-csynth-only"))
    data = groups(report)
    assert data["latency"]["min_cycles"] == 20 and data["latency"]["max_cycles"] == 22
    assert (data["latency"]["min_ns"], data["latency"]["max_ns"]) == (100.0, 110.0)
    assert data["ii"] == {"min": 9, "max": 9}
    assert f"{report.clock.estimated_ns:.3f}" == "4.140"
    assert {k: data["hls_resources"][k] for k in ("dsp", "ff", "lut")} == {
        "dsp": 518,
        "ff": 23539,
        "lut": 734783,
    }
    # No Vivado synthesis report: absent (null), never zero, and said so.
    assert data["synth_resources"] is None and data["synth_tool"] is None
    assert "synth_resources" not in report.sources
    assert synth_missing(report)
    assert to_metrics(report)["resources"]["source"] == "Vivado HLS 2020.1 csynth estimate"


def test_calwilee_lut_over_one_slr(vendor: Vendor) -> None:
    """734783 LUTs is 170.1 % of one xcu250 SLR (the report prints 170); of the whole part it is 42.5 %."""
    problems = load_report(vendor("calwilee-vivadohls2020.1-csynth-only")).problems
    assert (
        "HLS estimate: LUT 734783 is 170.1 % of one SLR (432000 available); the design must span several SLRs"
        in (problems)
    )
    assert not any("of the device" in p for p in problems)


# --------------------------------------------------------------------------------------------------
# alexyang Vitis HLS 2022.2 kernel flow: two csynth reports, bracketed utilisation cells


def test_alexyang_vitis_2022_2(vendor: Vendor) -> None:
    report = load_report(vendor("alexyang-vitishls2022.2-kernelflow-jettag"))
    data = groups(report)
    assert (report.tool, report.tool_version, report.top) == ("Vitis HLS", "2022.2", "myproject")
    assert (f"{report.clock.target_ns:.3f}", f"{report.clock.estimated_ns:.3f}") == ("3.330", "2.347")
    assert data["latency"] == {"min_cycles": 28, "max_cycles": 28, "min_ns": 93.324, "max_ns": 93.324}
    assert data["ii"] == {"min": 3, "max": 3}
    assert data["hls_resources"] == {"bram_18k": 8, "dsp": 34, "ff": 12513, "lut": 42082, "uram": 0}
    assert report.problems == []


def test_alexyang_prefers_model_top_over_wrapper_and_says_so(vendor: Vendor) -> None:
    report = load_report(vendor("alexyang-vitishls2022.2-kernelflow-jettag"))
    assert report.sources["hls_resources"] == "myproject_csynth.rpt"
    assert any(
        "used myproject_csynth.rpt (top 'myproject': named by ProjectName in hls4ml_config.yml)" in note
        and "kernel_wrapper_csynth.rpt" in note
        for note in report.notes
    )
    wrapper = parse_csynth_rpt(
        vendor("alexyang-vitishls2022.2-kernelflow-jettag", "kernel_wrapper_csynth.rpt")
    )
    assert wrapper.top == "kernel_wrapper"


def test_alexyang_bracketed_accelerator_utilisation(vendor: Vendor) -> None:
    """Cells like '19878 [  1.71%]'; one compute unit of four is one instance of the HLS design."""
    report = load_report(vendor("alexyang-vitishls2022.2-kernelflow-jettag"))
    assert report.sources["synth_resources"] == "impl_1_kernel_util_synthed.rpt (synthesized)"
    assert report.unused["impl_1_full_util_synthed.rpt"] == (
        "utilisation report of design 'level0_wrapper'; one closer to the HLS top was used"
    )
    assert groups(report)["synth_resources"] == {"lut": 19878, "ff": 14630, "dsp": 25, "bram": 175, "uram": 0}
    assert groups(report)["synth_available"]["lut"] == 1159894  # 'User Budget'
    assert any("compute unit 'kernel_wrapper_1' (1 of 4)" in note for note in report.notes)
    assert to_metrics(report)["resources"]["source"] == "Vivado 2022.2 synth"


def test_alexyang_full_platform_utilisation(vendor: Vendor) -> None:
    """The whole-platform report parses (with its extra 'Prohibited' column) but is not the model's."""
    part = parse_vivado_utilization(
        vendor("alexyang-vitishls2022.2-kernelflow-jettag", "impl_1_full_util_synthed.rpt")
    )
    assert (part.design, part.state, part.accelerator) == ("level0_wrapper", "Physopt postRoute", False)
    assert dataclasses.asdict(part.resources) == {
        "lut": 223298,
        "ff": 244234,
        "dsp": 104,
        "bram": 902,
        "uram": 0,
        "extra": {},
    }


# --------------------------------------------------------------------------------------------------
# zyw Vitis HLS 2024.1 transformer: top is not myproject


def test_zyw_transformer(vendor: Vendor) -> None:
    report = load_report(vendor("zyw-vitishls2024.1-kernelflow-transformer"))
    data = groups(report)
    assert (report.tool, report.tool_version, report.top) == ("Vitis HLS", "2024.1", "top_transformer")
    assert f"{report.clock.target_ns:.3f}" == "6.670"
    assert data["latency"] == {"min_cycles": 930, "max_cycles": 946, "min_ns": 6200.0, "max_ns": 6307.0}
    assert data["ii"] == {"min": 931, "max": 947}
    assert report.sources["latency"] == "top_transformer_csynth.rpt"
    assert synth_missing(report)


# --------------------------------------------------------------------------------------------------
# Metrics export


def test_metrics_prefer_vivado_synthesis(vendor: Vendor) -> None:
    metrics = to_metrics(load_report(vendor("hls4ml-test_report", "Vivado")))
    assert metrics["latency"] == {
        "cycles": 10,
        "ii_cycles": 8,
        "clock_ns": 5.0,
        "ns": 50.0,
        "source": "Vivado HLS 2020.1 csynth",
    }
    assert metrics["resources"] == {
        "lut": 1526,
        "ff": 2428,
        "dsp": 66,
        "bram": 0,
        "bram_unit": "RAMB36 tile",
        "source": "Vivado 2020.1 synth",
    }


def test_metrics_oneapi_uses_quartus(vendor: Vendor) -> None:
    metrics = to_metrics(load_report(vendor("hls4ml-test_report", "oneAPI")))
    assert metrics["resources"] == {
        "lut": 4181,
        "ff": 16419,
        "dsp": 40,
        "bram": 36,
        "bram_unit": "RAM block (M20K)",
        "source": "Quartus synth",
    }
    assert metrics["latency"]["cycles"] == 200 and metrics["latency"]["source"].startswith(
        "Intel oneAPI HLS report"
    )


# --------------------------------------------------------------------------------------------------
# Findings on real reports changed in memory (the fixture files are never modified)


def test_problem_estimated_clock_above_target(vendor: Vendor) -> None:
    report = load_report(vendor("hls4ml-test_report", "Vivado"))
    slow = dataclasses.replace(report, clock=Clock(target_ns=5.0, estimated_ns=5.2, uncertainty_ns=0.62))
    assert find_problems(slow) == [
        "Estimated clock period 5.200 ns is above the 5.000 ns target: "
        "the design will not meet the requested frequency as synthesised."
    ]


def test_problem_timing_not_met_and_cosim_failed(vendor: Vendor) -> None:
    report = load_report(vendor("hls4ml-test_report", "Vivado"))
    broken = dataclasses.replace(
        report,
        timing=Timing(wns_ns=-0.532, whs_ns=-0.011, met=False),
        cosim=Cosim(status="fail", rtl="Verilog"),
    )
    assert find_problems(broken) == [
        "Timing not met (setup): worst negative slack -0.532 ns.",
        "Timing not met (hold): worst hold slack -0.011 ns.",
        "C/RTL co-simulation failed (Verilog).",
    ]


def test_problem_synthesis_over_capacity(vendor: Vendor) -> None:
    report = load_report(vendor("hls4ml-test_report", "Vivado"))
    assert report.synth_resources is not None
    big = dataclasses.replace(report, synth_resources=dataclasses.replace(report.synth_resources, lut=60000))
    assert find_problems(big) == [
        "Vivado 2020.1 synthesis: LUT 60000 is 112.8 % of the available (53200 available)"
    ]


# --------------------------------------------------------------------------------------------------
# Units, choices and error messages


@pytest.mark.parametrize(
    ("text", "unit", "expected"),
    [
        ("50.000 ns", "ns", 50.0),
        ("5.220 us", "ns", 5220.0),
        ("6.307 us", "ns", 6307.0),
        ("0.002 ms", "ns", 2000.0),
        ("5.00", "ns", 5.0),
        ("5.00", "us", 5000.0),
        ("?", "ns", None),
        ("-", "ns", None),
    ],
)
def test_parse_ns(text: str, unit: str, expected: float | None) -> None:
    assert parse_ns(text, unit) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7969", 7969),
        ("4520.0", 4520),
        ("127.5", 127.5),
        ("79512 [  6.86%]", 79512),
        ("-", None),
        ("~0", None),
    ],
)
def test_parse_number(text: str, expected: float | None) -> None:
    assert parse_number(text) == expected


def test_choose_top() -> None:
    hints = [("myproject", "hls4ml's default project name")]
    assert choose_top(["kernel_wrapper", "myproject"], hints) == (
        "myproject",
        "hls4ml's default project name",
    )
    assert choose_top(["kernel_wrapper", "top_transformer"], hints) == (
        "top_transformer",
        "the only csynth report whose top is not a wrapper",
    )
    assert choose_top(["dense_a", "dense_b"], hints) is None


def test_nonexistent_path() -> None:
    with pytest.raises(NoReportError, match="does not exist"):
        load_report(Path("/nonexistent/vendor/report"))


def test_malformed_csynth_names_file_and_missing_table(tmp_path: Path) -> None:
    bad = tmp_path / "myproject_csynth.rpt"
    bad.write_text("== Vivado HLS Report for 'myproject'\n* Version: 2020.1\n(truncated)\n")
    with pytest.raises(MalformedReportError, match=r"myproject_csynth\.rpt: no timing summary table"):
        load_report(tmp_path)


def test_unrelated_json_file_is_not_a_build_dict(tmp_path: Path) -> None:
    path = tmp_path / "metrics.json"
    path.write_text('{"latency": {}}')
    with pytest.raises(MalformedReportError, match="metrics.json: not an hls4ml build\\(\\) result"):
        load_report(path)
    with pytest.raises(NoReportError):  # in a folder scan, unrelated JSON is simply not a report
        load_report(tmp_path)


# --------------------------------------------------------------------------------------------------
# Synthetic texts (no real fixture exists): Vivado timing summary and HLS co-simulation report layouts

TIMING_SUMMARY = """\
------------------------------------------------------------------------------------------------
| Design Timing Summary
| ---------------------
------------------------------------------------------------------------------------------------

    WNS(ns)      TNS(ns)  TNS Failing Endpoints  TNS Total Endpoints      WHS(ns)      THS(ns)  THS Failing Endpoints  THS Total Endpoints     WPWS(ns)     TPWS(ns)  TPWS Failing Endpoints  TPWS Total Endpoints
    -------      -------  ---------------------  -------------------      -------      -------  ---------------------  -------------------     --------     --------  ----------------------  --------------------
     {wns}      -12.345                     45                12345        {whs}        0.000                      0                12345        1.234        0.000                       0                  6789


{verdict}
"""  # noqa: E501 - the report's own line width


@pytest.mark.parametrize(
    ("wns", "whs", "verdict", "met"),
    [
        ("-0.532", "0.021", "Timing constraints are not met.", False),
        ("0.123", "0.021", "All user specified timing constraints are met.", True),
    ],
)
def test_timing_summary_synthetic(tmp_path: Path, wns: str, whs: str, verdict: str, met: bool) -> None:
    path = tmp_path / "design_1_wrapper_timing_summary_routed.rpt"
    path.write_text(TIMING_SUMMARY.format(wns=wns, whs=whs, verdict=verdict))
    assert parse_timing_summary(path) == Timing(wns_ns=float(wns), whs_ns=float(whs), met=met)


COSIM_REPORT = """\
================================================================
== Cosim Report for 'myproject'
================================================================
+ Cosim Report Summary:
+----------+--------+-----+-----+-----+-----+-----+-----+----------------------+
|          |        |  Latency(Clock Cycles) |  Interval(Clock Cycles)  | Total Execution Time |
+   RTL    + Status +-----+-----+-----+-----+-----+-----+    (Clock Cycles)    +
|          |        | min | avg | max | min | avg | max |                      |
+----------+--------+-----+-----+-----+-----+-----+-----+----------------------+
|      VHDL|      NA|   NA|   NA|   NA|   NA|   NA|   NA|                    NA|
|   Verilog|    {status}|   11|   11|   11|    1|    1|    1|                  109|
+----------+--------+-----+-----+-----+-----+-----+-----+----------------------+
"""


@pytest.mark.parametrize("status", ["Pass", "Fail"])
def test_cosim_synthetic(tmp_path: Path, status: str) -> None:
    path = tmp_path / "myproject_cosim.rpt"
    path.write_text(COSIM_REPORT.format(status=status))
    assert parse_cosim(path) == Cosim(status=status.lower(), rtl="Verilog")


def test_folder_with_cosim_and_timing_synthetic(tmp_path: Path) -> None:
    (tmp_path / "myproject_cosim.rpt").write_text(COSIM_REPORT.format(status="Fail"))
    (tmp_path / "top_timing_summary_routed.rpt").write_text(
        TIMING_SUMMARY.format(wns="-0.100", whs="0.050", verdict="Timing constraints are not met.")
    )
    report = load_report(tmp_path)
    assert report.sources == {"timing": "top_timing_summary_routed.rpt", "cosim": "myproject_cosim.rpt"}
    assert "C/RTL co-simulation failed (Verilog)." in report.problems
    assert "Timing not met (setup): worst negative slack -0.100 ns." in report.problems


def test_build_dict_with_synthesis_cosim_and_timing(vendor: Vendor, tmp_path: Path) -> None:
    """build() adds these keys when Vivado synthesis / co-simulation ran (key names from hls4ml's
    vivado_report.py). No fixture has them, so they are added to a copy of a real baseline."""
    data = json.loads(
        vendor(
            "hls4ml-baselines", "Vivado", "2020.1", "test_keras_api_test_dense_io_parallel-Vivado.json"
        ).read_text()
    )
    data["VivadoSynthReport"] = {"LUT": "150", "FF": "80", "BRAM_18K": "0.5", "URAM": "0", "DSP48E": "2"}
    data["CosimReport"] = {"RTL": "Verilog", "Status": "Fail", "LatencyMin": "2", "LatencyMax": "2"}
    data["TimingReport"] = {"WNS": -0.25, "TNS": -3.0, "WHS": 0.02, "THS": 0.0}
    path = tmp_path / "build.json"
    path.write_text(json.dumps(data))
    report = load_report(path)
    assert groups(report)["synth_resources"] == {"lut": 150, "ff": 80, "dsp": 2, "bram": 0.5, "uram": 0}
    assert report.cosim == Cosim(status="fail", rtl="Verilog")
    assert report.timing == Timing(wns_ns=-0.25, whs_ns=0.02, met=False)
    assert set(report.sources) == {
        "clock",
        "latency",
        "ii",
        "hls_resources",
        "available",
        "synth_resources",
        "cosim",
        "timing",
    }
    assert report.problems == [
        "Timing not met (setup): worst negative slack -0.250 ns.",
        "C/RTL co-simulation failed (Verilog).",
    ]


HIERARCHICAL_UTILISATION = (
    vivado_header(
        "report_utilization -file util.rpt -hierarchical -hierarchical_percentages",
        "design_1_wrapper",
        "7z020clg400-1",
        "Sun Mar 19 08:02:11 2023",
        "Routed",
    )
    + """Utilization Design Information

Table of Contents
-----------------
1. Utilization by Hierarchy

1. Utilization by Hierarchy
---------------------------

+--------------------+------------------+------------+------------+---------+------+------+--------+
|      Instance      |      Module      | Total LUTs | Logic LUTs | LUTRAMs | SRLs |  FFs | DSP48  |
+--------------------+------------------+------------+------------+---------+------+------+--------+
| design_1_wrapper   |            (top) |       1613 |       1565 |       0 |   48 | 2511 |     66 |
|   design_1_i       |         design_1 |       1613 |       1565 |       0 |   48 | 2511 |     66 |
+--------------------+------------------+------------+------------+---------+------+------+--------+
"""
)


def test_unusable_utilisation_report_is_listed_with_why(tmp_path: Path) -> None:
    """A hierarchical utilisation report (hls4ml's accelerator Tcl writes one) has no site-type totals:
    it is recognised, not used, and listed with the reason; the timing summary beside it is read."""
    (tmp_path / "top_timing_summary_routed.rpt").write_text(
        TIMING_SUMMARY.format(
            wns="0.100", whs="0.050", verdict="All user specified timing constraints are met."
        )
    )
    (tmp_path / "util.rpt").write_text(HIERARCHICAL_UTILISATION)
    report = load_report(tmp_path)
    assert report.synth_resources is None
    assert report.timing.met is True
    assert report.unused == {"util.rpt": "no 'Slice LUTs' / 'CLB LUTs' row in any 'Site Type | Used' table"}
    with pytest.raises(MalformedReportError, match="util.rpt: no 'Slice LUTs'"):  # alone, it is refused
        load_report(tmp_path / "util.rpt")
