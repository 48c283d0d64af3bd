"""Reports recognised by content, implementation stages, and folders holding several runs.

Every report here is written by the test (layouts from ../shared/fixtures, see report_texts.py) under
the names a user's own Tcl chose, so nothing can pass by matching file names.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from harness.cli import main
from harness.errors import ReportError
from harness.hls.metrics import to_metrics
from harness.hls.project import load_report, load_runs

from .report_texts import csynth, timing_summary, utilization, vivado_header, write

SYNTH_DATE, PLACE_DATE, ROUTE_DATE = (
    "Mon Aug 10 14:40:49 2020",
    "Mon Aug 10 14:52:03 2020",
    "Mon Aug 10 15:07:31 2020",
)


def ooc_run(folder: Path, names: dict[str, str]) -> Path:
    """An out-of-context Vivado run whose Tcl wrote a utilisation report after synthesis, placement and
    routing and a routed timing summary with a hold violation (WHS -0.023 ns)."""
    write(folder, names["synth"], utilization(names["synth"], SYNTH_DATE, "Synthesized", 1611, 2430, 66))
    write(folder, names["place"], utilization(names["place"], PLACE_DATE, "Fully Placed", 1548, 2428, 66))
    write(folder, names["route"], utilization(names["route"], ROUTE_DATE, "Routed", 1526, 2428, 66))
    write(folder, names["timing"], timing_summary(names["timing"], ROUTE_DATE, "Routed", 0.412, -0.023))
    return folder


USER_NAMES = {
    "synth": "mydesign_post_synth_util.rpt",
    "place": "mydesign_post_place_util.rpt",
    "route": "mydesign_post_route_util.rpt",
    "timing": "mydesign_post_route_timing.rpt",
}
# Names that say nothing at all: only the content can tell the stages apart.
OPAQUE_NAMES = {"synth": "a.txt", "place": "reports/b.log", "route": "c", "timing": "notes/d.out"}


@pytest.mark.parametrize("names", [USER_NAMES, OPAQUE_NAMES], ids=["user-names", "opaque-names"])
def test_out_of_context_run_is_read_by_content_with_every_stage(
    tmp_path: Path, names: dict[str, str]
) -> None:
    report = load_report(ooc_run(tmp_path, names))
    assert report.synth_stage == "routed" and report.synth_resources is not None
    assert (report.synth_resources.lut, report.synth_resources.ff, report.synth_resources.dsp) == (
        1526,
        2428,
        66,
    )
    assert report.sources == {
        "synth_resources": f"{names['route']} (routed)",
        "timing": f"{names['timing']} (routed)",
    }
    assert report.stages == {
        "synthesized": {"utilization": names["synth"], "lut": 1611, "ff": 2430, "dsp": 66, "bram": 0},
        "placed": {"utilization": names["place"], "lut": 1548, "ff": 2428, "dsp": 66, "bram": 0},
        "routed": {
            "utilization": names["route"],
            "lut": 1526,
            "ff": 2428,
            "dsp": 66,
            "bram": 0,
            "timing": names["timing"],
            "wns_ns": 0.412,
            "whs_ns": -0.023,
            "met": False,
        },
    }
    assert report.problems == ["Timing not met (hold): worst hold slack -0.023 ns."]
    assert to_metrics(report)["resources"]["source"] == "Vivado 2020.1 post-route"


def test_hold_violation_shows_on_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The issue's input: before, `vendor-report` exited 2 with 'no recognisable vendor report'."""
    assert main(["vendor-report", str(ooc_run(tmp_path, USER_NAMES))]) == 0
    out = capsys.readouterr().out
    assert "timing    WNS 0.412 ns, WHS -0.023 ns, met no" in out
    assert "  - Timing not met (hold): worst hold slack -0.023 ns." in out
    assert "  mydesign_post_route_util.rpt (routed): synth_resources" in out
    assert "routed" in out and "placed" in out and "synthesized" in out  # the stage table


def test_stages_beside_a_c_synthesis_and_reports_not_read(tmp_path: Path) -> None:
    """With the HLS report in the folder the Vivado stages pair with it; Vivado reports of a kind the
    command does not read (report_power) are listed as unused, with why."""
    write(tmp_path, "hls/myproject_csynth.rpt", csynth("Mon Aug 10 14:20:00 2020", "solution1", 73, 2532))
    ooc_run(tmp_path / "vivado", USER_NAMES)
    power = vivado_header(
        "report_power -file mydesign_power.rpt", "myproject", "7z020clg400-1", ROUTE_DATE, "Routed"
    )
    write(tmp_path, "vivado/mydesign_power.rpt", power + "Power Report\n")
    report = load_report(tmp_path)
    assert report.top == "myproject" and report.hls_resources.dsp == 73
    assert report.synth_resources is not None and report.synth_resources.lut == 1526
    assert report.sources["synth_resources"] == "vivado/mydesign_post_route_util.rpt (routed)"
    assert report.unused == {
        "vivado/mydesign_power.rpt": "Vivado report_power report: not one this command reads"
    }
    assert "Timing not met (hold): worst hold slack -0.023 ns." in report.problems


# --------------------------------------------------------------------------------------------------
# Two runs in one folder

SOLUTION1_DATE, VIVADO_DATE, SOLUTION2_DATE = (
    "Sat Mar 18 22:59:37 2023",
    "Sun Mar 19 07:48:36 2023",
    "Mon Mar 20 10:12:05 2023",
)


def two_solutions(folder: Path, vivado_date: str = VIVADO_DATE) -> Path:
    """hls4ml's layout after a re-synthesis: solution1 (42 DSP), then solution2 (0 DSP) a day later,
    and at the top level the Vivado synthesis and timing hls4ml's vivado_synth.tcl ran in between."""
    report = "myproject_prj/{}/syn/report/myproject_csynth.rpt"
    write(folder, report.format("solution1"), csynth(SOLUTION1_DATE, "solution1", 42, 2532))
    write(folder, report.format("solution2"), csynth(SOLUTION2_DATE, "solution2", 0, 3377))
    write(
        folder,
        "vivado_synth.rpt",
        utilization("vivado_synth.rpt", vivado_date, "Synthesized", 1526, 2428, 40),
    )
    write(folder, "timing.rpt", timing_summary("timing.rpt", vivado_date, "Synthesized", 0.731, 0.052))
    return folder


def test_two_runs_are_split_and_reports_pair_with_their_own_run(tmp_path: Path) -> None:
    first, second = load_runs(two_solutions(tmp_path))
    assert (first.run, second.run) == ("myproject_prj/solution1", "myproject_prj/solution2")
    assert (first.hls_resources.dsp, second.hls_resources.dsp) == (42, 0)
    # The Vivado run happened between the two C syntheses: it is solution1's, never solution2's.
    assert first.synth_resources is not None and first.synth_resources.dsp == 40
    assert first.sources["synth_resources"] == "vivado_synth.rpt (synthesized)"
    assert first.timing.wns_ns == 0.731
    assert second.synth_resources is None and second.timing.wns_ns is None
    assert second.unused["vivado_synth.rpt"] == "belongs to run myproject_prj/solution1"
    assert second.unused["myproject_prj/solution1/syn/report/myproject_csynth.rpt"] == (
        "belongs to run myproject_prj/solution1"
    )
    for record in (first, second):
        assert record.problems[0].startswith(
            f"{tmp_path} holds 2 runs: myproject_prj/solution1 (top myproject"
        )
        assert f"This record is run {record.run}; choose another with --run NAME." in record.problems[0]


def test_default_record_is_the_latest_run_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before, the folder gave solution2's 0 DSP beside solution1's Vivado figures, with problems: []."""
    report = load_report(two_solutions(tmp_path))
    assert report.run == "myproject_prj/solution2" and report.hls_resources.dsp == 0
    assert report.synth_resources is None
    assert any(p.startswith("Synthesis report missing") for p in report.problems)
    assert main(["vendor-report", str(tmp_path), "--run", "solution1", "--json"]) == 0
    assert '"dsp": 40' in capsys.readouterr().out
    assert main(["vendor-report", str(tmp_path), "--run", "solution3"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("harness vendor-report: error: --run 'solution3' matches 0")


def test_vivado_run_after_both_pairs_with_the_latest_and_notes_it(tmp_path: Path) -> None:
    first, second = load_runs(two_solutions(tmp_path, vivado_date="Tue Mar 21 09:00:00 2023"))
    assert first.synth_resources is None and second.synth_resources is not None
    assert any("paired with the latest, myproject_prj/solution2" in note for note in second.notes)


def test_reports_of_another_part_are_not_paired(tmp_path: Path) -> None:
    write(tmp_path, "myproject_csynth.rpt", csynth(SOLUTION1_DATE, "solution1", 42, 2532))
    other = utilization("vivado_synth.rpt", VIVADO_DATE, "Synthesized", 1526, 2428, 40)
    write(tmp_path, "vivado_synth.rpt", other.replace("7z020clg400-1", "xcu250figd2104-2L"))
    report = load_report(tmp_path)
    assert report.synth_resources is None
    assert report.unused["vivado_synth.rpt"] == (
        "its device xcu250figd2104-2L is not the part of run myproject_prj/solution1 (xc7z020-clg400-1)"
    )


def test_reports_older_than_the_c_synthesis_are_not_paired(tmp_path: Path) -> None:
    two_solutions(tmp_path)
    for old in tmp_path.glob("myproject_prj/solution1/**/*.rpt"):
        old.unlink()
    report = load_report(tmp_path)
    assert report.run == "myproject_prj/solution2" and report.synth_resources is None
    why = (
        "it is dated 2023-03-19 07:48, before the C synthesis of run myproject_prj/solution2 "
        "(2023-03-20 10:12): it is from an earlier build"
    )
    assert report.unused == {"vivado_synth.rpt": why, "timing.rpt": why}
    assert not any("holds 2 runs" in p for p in report.problems)


def test_unknown_run_name_is_a_report_error(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="--run 'solution9' matches 0 of the runs"):
        load_report(two_solutions(tmp_path), run="solution9")


# --------------------------------------------------------------------------------------------------
# Tool-internal folders: what Vivado HLS / Vitis HLS / Vivado keep for themselves is never a run

#: (fixture folder, its C-synthesis report, the solution folder the tool writes it under). The hls4ml
#: layout (`myproject_prj/solution1`) and Vitis HLS 2024.1's component layout (`<component>/hls`).
HLS_LAYOUTS = {
    "hls4ml-vivadohls2020.1": ("hls4ml-test_report/Vivado", "myproject", "myproject_prj/solution1"),
    "vitishls2024.1-component": (
        "zyw-vitishls2024.1-kernelflow-transformer",
        "top_transformer",
        "top_transformer/hls",
    ),
}
#: What the verbose report adds after the C-synthesis sections it repeats (its schedule and binding).
VERBOSE_TAIL = "\n\n================================================================\n== Schedule\n" + (
    "================================================================\n* FSM state transitions:\n1 --> 2\n"
)


def tool_project(folder: Path, vendor, layout: str, solutions: tuple[str, ...] = ("",)) -> Path:
    """A project folder as the HLS tool leaves it: per solution its C synthesis in `syn/report` and, in
    the tool's own `.autopilot/db`, `<top>.verbose.rpt`, which repeats the C synthesis under the same
    header (its text: the real report, then the schedule the verbose report adds); beside them the
    folders Vivado keeps for itself (`.Xil`, `<project>.cache`) holding copies of a report. A second
    solution is the first re-synthesised a day later (its header's solution and date changed)."""
    fixture, top, solution_folder = HLS_LAYOUTS[layout]
    text = (vendor(*fixture.split("/")) / f"{top}_csynth.rpt").read_text()
    header_solution = re.search(r"^\* Solution:\s+(\S+)", text, re.M).group(1)
    date = re.search(r"^\* Date:\s+(.+?)\s*$", text, re.M).group(1)
    for number, suffix in enumerate(solutions):
        solution = f"{solution_folder}{suffix}"
        label = f"* Solution:       {header_solution}"
        again = text.replace(label, label + suffix)
        if number:
            again = again.replace(date, "Tue Dec 30 09:00:00 2025")
        write(folder, f"{solution}/syn/report/{top}_csynth.rpt", again)
        write(folder, f"{solution}/.autopilot/db/{top}.verbose.rpt", again + VERBOSE_TAIL)
        write(folder, f"{solution}/.autopilot/db/{top}.verbose.sched.rpt", again + VERBOSE_TAIL)
    write(folder, ".Xil/Vivado-1234-host/csynth_copy.rpt", text)
    write(folder, "vivado_prj/vivado_prj.cache/wt/csynth_copy.rpt", text)
    return folder


@pytest.mark.parametrize("layout", HLS_LAYOUTS)
def test_tool_internal_folders_are_never_runs(tmp_path: Path, vendor, layout: str) -> None:
    """The issue's input: before, the verbose report in `.autopilot/db` was taken for a second C
    synthesis and every project said 'holds 2 runs ... choose another with --run NAME'."""
    records = load_runs(tool_project(tmp_path, vendor, layout))
    assert [r.run for r in records] == [HLS_LAYOUTS[layout][2]]
    (record,) = records
    assert not any("runs" in p for p in record.problems), record.problems
    assert not any(".autopilot" in name or ".Xil" in name or ".cache" in name for name in record.unused)
    assert record.sources["latency"].startswith(HLS_LAYOUTS[layout][2] + "/syn/report/")


@pytest.mark.parametrize("layout", HLS_LAYOUTS)
def test_two_real_solutions_beside_tool_folders_are_still_two_runs(
    tmp_path: Path, vendor, layout: str, capsys: pytest.CaptureFixture[str]
) -> None:
    tool_project(tmp_path, vendor, layout, solutions=("", "_b"))
    first, second = load_runs(tmp_path)
    solution = HLS_LAYOUTS[layout][2]
    assert (first.run, second.run) == (solution, solution + "_b")
    for record in (first, second):
        assert record.problems[0].startswith(f"{tmp_path} holds 2 runs: {solution} ("), record.problems
    assert main(["vendor-report", str(tmp_path)]) == 0
    assert f"holds 2 runs: {solution} (" in capsys.readouterr().out
