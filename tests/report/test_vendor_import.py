"""Studies of vendor-measured points, as an FPGA engineer builds them from real vendor projects (issue 24):
a study created for imports without running a trial, devices missing from the device table, the same
project copied and re-exported, points built for another part than the study's device, and what the
commands say when a study or its storage is missing. Every advice a message gives is followed here.

The vendor projects are the real reports of ../shared/fixtures (read, never edited), copied into the
test's folder where a test changes their folder names or dates.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
from pathlib import Path

import pytest
import yaml

from harness.cli import main
from harness.sweep import load_sweep, open_study, records
from harness.sweep.study import SweepOptions
from harness.sweep.trials import TrialRecord
from tests.conftest import SHARED_FIXTURES
from tests.sweep.conftest import TINY_NN, write_sweep

VENDOR = SHARED_FIXTURES / "vendor-reports"
#: Vivado HLS 2020.1 + Vivado 2020.1 on an xc7z020: Vivado synthesis LUT 1526, FF 2428, DSP 66.
VIVADO = VENDOR / "hls4ml-test_report" / "Vivado"
#: Vitis HLS 2022.2 + Vivado 2022.2 on an Alveo U55C (xcu55c, not in the device table): synthesis LUT
#: 19878, FF 14630, DSP 25, 175 RAMB36 tiles; its utilisation report states 1159894 LUTs, 2421646 FFs,
#: 9020 DSPs and 1816 RAMB36 tiles available.
U55C = VENDOR / "alexyang-vitishls2022.2-kernelflow-jettag"
U55C_USED = {"lut": 19878, "ff": 14630, "dsp": 25, "bram": 2 * 175}
U55C_AVAILABLE = {"lut": 1159894, "ff": 2421646, "dsp": 9020, "bram": 2 * 1816}
#: An Alveo U50's part (the issue's), not in the device table, and capacities a user would give for it.
U50 = "xcu50-fsvh2104-2-e"
U50_CAPACITIES = {
    "resources.lut": 872000,
    "resources.ff": 1743000,
    "resources.dsp": 5952,
    "resources.bram": 2688,
}
#: A sweep whose one trial stays at estimate (no promotion), on a one-layer network.
ONE_TRIAL = {"promotion": {"after": 100, "verify_front": False}, "trials": 1}


def sweep_on(folder: Path, part: str | None = None, name: str = "imports", **fields) -> Path:
    """A sweep YAML of the tiny jet MLP, on `part` (default: the design's xcvu9p)."""
    fixed = {**TINY_NN, "model.hidden": [8]} | ({"firmware.part": part} if part else {})
    return write_sweep(folder, name=name, set=fixed, **fields)


def harness(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str]:
    """`harness ARGS` in-process: exit code and what it printed."""
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def refusal(code: int, out: str) -> str:
    """The one `error:` line of a refused command (exit 2)."""
    errors = [line for line in out.splitlines() if line.startswith("error:")]
    assert code == 2 and len(errors) == 1, out
    return errors[0]


def metrics_of(capsys: pytest.CaptureFixture[str], project: Path, out: Path) -> dict:
    """`harness vendor-report PROJECT --metrics OUT`, read back."""
    code, said = harness(capsys, "vendor-report", project, "--metrics", out)
    assert code == 0, said
    return json.loads(out.read_text())


def trials_of(spec: Path, results: Path, study: str | None = None) -> list[TrialRecord]:
    return records(open_study(load_sweep(spec), SweepOptions(results=results, study=study)))


# --------------------------------------------------------------------------------------------------
# A study for imported points only


def test_a_study_for_imported_points_is_created_without_running_a_trial(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before, `--trials 0` was refused ('--jobs and --trials must be >= 1') and a study could only be
    made by running the sweep's trials."""
    spec, results = sweep_on(tmp_path), tmp_path / "results"
    code, out = harness(capsys, "sweep", spec, "--results", results, "--trials", "0")
    assert code == 0, out
    assert f"[sweep] study 'imports' in {results}/studies/imports.journal: 0 trial(s) held, none run" in out
    assert trials_of(spec, results) == [] and not (results / "designs").exists()

    metrics = tmp_path / "vivado.json"
    metrics_of(capsys, VIVADO, metrics)
    code, out = harness(capsys, "study", "add", spec, metrics, "--accuracy", "0.7", "--results", results)
    assert code == 0 and "as trial 0 of study 'imports'" in out, out
    # created again: the imported point is kept and still no trial runs
    code, out = harness(capsys, "sweep", spec, "--results", results, "--trials", "0")
    assert code == 0 and "1 trial(s) held, none run" in out, out
    assert [t.kind for t in trials_of(spec, results)] == ["vendor"]
    assert "--trials >= 0" in refusal(*harness(capsys, "sweep", spec, "--results", results, "--trials", "-1"))
    # Under another name, the hint names that study (it named the spec, i.e. study 'imports'), and it works.
    code, out = harness(capsys, "sweep", spec, "--study", "other", "--results", results, "--trials", "0")
    assert code == 0 and f"`harness study add other METRICS.json --results {results}`" in out, out
    code, out = harness(capsys, "study", "add", "other", metrics, "--accuracy", "0.7", "--results", results)
    assert code == 0 and "as trial 0 of study 'other'" in out, out


def test_study_add_to_a_missing_study_says_what_the_storage_holds_and_how_to_create_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before: 'no study storage at NEW (run the sweep first, or pass --storage)' although --storage was
    passed. Now it says the storage does not exist (or which studies it holds) and the command that
    creates the study, which the test runs as printed."""
    spec, metrics = sweep_on(tmp_path), tmp_path / "vivado.json"
    metrics_of(capsys, VIVADO, metrics)
    storage = tmp_path / "new.journal"
    error = refusal(*harness(capsys, "study", "add", "imports", metrics, "--storage", storage))
    assert "pass --storage" not in error
    assert error.startswith(f"error: no study 'imports': the storage {storage} does not exist.")
    command = shlex.split(error.rsplit(": ", 1)[1])
    assert command == [
        *("harness", "sweep", "SPEC", "--study", "imports", "--storage", str(storage)),
        "--trials",
        "0",
    ]
    assert main([*command[1:2], str(spec), *command[3:]]) == 0
    code, out = harness(capsys, "study", "add", "imports", metrics, "--storage", storage, "--accuracy", "0.7")
    assert code == 0 and "as trial 0 of study 'imports'" in out, out

    error = refusal(*harness(capsys, "study", "add", "other", metrics, "--storage", storage))
    assert error.startswith(f"error: no study 'other' in {storage}; studies there: imports. Create it by")


# --------------------------------------------------------------------------------------------------
# Parts missing from the device table


def test_a_sweep_on_a_part_missing_from_the_table_runs_with_the_capacities_its_error_asks_for(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before, the error advised setting the capacities under `constraints`, and doing so gave the
    identical error. The advice is followed here as written; one trial then runs (about a minute)."""
    spec, results = sweep_on(tmp_path, U50, **ONE_TRIAL), tmp_path / "results"
    error = refusal(*harness(capsys, "sweep", spec, "--results", results))
    assert error.startswith(f"error: design firmware.part: part '{U50}' is not in the device table;")
    assert "give the part's capacities under `constraints` in the sweep, e.g. constraints: {" in error
    raw = yaml.safe_load(spec.read_text())
    raw["constraints"] = U50_CAPACITIES
    spec.write_text(yaml.safe_dump(raw))
    code, out = harness(capsys, "sweep", spec, "--results", results)
    assert code == 0, out
    (trial,) = trials_of(spec, results)
    assert trial.state == "COMPLETE"
    record = json.loads(Path(trial.record).read_text())
    lut = record["resources"]["lut"]
    assert lut and trial.constraints["limit_resources.lut"] == lut - U50_CAPACITIES["resources.lut"]
    assert not any(name.startswith("xcu50") for name in trial.constraints)


def test_a_part_the_space_can_choose_needs_a_capacity_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A space over parts: the one missing from the table is named before any trial runs (before, each
    trial on it failed at its device)."""
    parts = {"type": "categorical", "choices": ["xcvu9p-flga2104-2L-e", U50]}
    spec = sweep_on(tmp_path, space={"firmware.part": parts}, **ONE_TRIAL)
    error = refusal(*harness(capsys, "sweep", spec, "--results", tmp_path / "results"))
    assert error.startswith(f"error: design firmware.part: part '{U50}' is not in the device table;")
    assert not (tmp_path / "results").exists()


def test_study_add_on_a_part_missing_from_the_table_uses_the_capacities_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The issue's input: `firmware.part: xcu50-fsvh2104-2-e` with the capacities under `constraints`.
    Before, `study add` gave 'is not in the device table ... (or set the sweep's device capacity limits
    explicitly under `constraints`)' with and without them."""
    spec = sweep_on(tmp_path, U50, constraints=U50_CAPACITIES)
    results, metrics = tmp_path / "results", tmp_path / "u55c.json"
    metrics_of(capsys, U55C, metrics)
    assert main(["sweep", str(spec), "--results", str(results), "--trials", "0"]) == 0
    code, out = harness(capsys, "study", "add", spec, metrics, "--accuracy", "0.7", "--results", results)
    assert code == 0, out
    (point,) = trials_of(spec, results)
    limits = {k: point.constraints[f"limit_{k}"] for k in U50_CAPACITIES}
    # BRAM in 18 Kb blocks, as the metric counts it (the report's 175 RAMB36 tiles are 350)
    assert limits == {k: U55C_USED[k.split(".")[1]] - v for k, v in U50_CAPACITIES.items()}


def test_study_add_on_a_part_missing_from_the_table_uses_the_capacity_its_report_states(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A study on the U55C's part, which the device table lacks, with no capacities given: the point is
    checked against what its own Vivado utilisation report states available, and the command says so."""
    spec, results, metrics = (
        sweep_on(tmp_path, "xcu55c-fsvh2892-2L-e"),
        tmp_path / "results",
        tmp_path / "m.json",
    )
    assert metrics_of(capsys, U55C, metrics)["vendor"]["available"] == {
        **{k: v // (2 if k == "bram" else 1) for k, v in U55C_AVAILABLE.items()},
        "bram_unit": "RAMB36 tile",
        "source": "Vivado 2022.2 synth available",
    }
    assert main(["sweep", str(spec), "--results", str(results), "--trials", "0"]) == 0
    code, out = harness(capsys, "study", "add", spec, metrics, "--accuracy", "0.7", "--results", results)
    assert code == 0, out
    assert "note: device xcu55c is not in the device table: its capacity is what the vendor report" in out
    (point,) = trials_of(spec, results)
    assert {r: point.constraints[f"xcu55c_{r}"] for r in U55C_USED} == {
        r: U55C_USED[r] - U55C_AVAILABLE[r] for r in U55C_USED
    }


def test_a_point_whose_capacity_nothing_states_gets_advice_that_works(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A metrics file without the report's capacity (as `vendor-report --metrics` wrote it before it
    carried `vendor.available`) on a part missing from the table: the point is added with its device
    constraints unknown (never passed or zero) and the note's advice, followed, checks them."""
    spec, results, metrics = sweep_on(tmp_path, U50), tmp_path / "results", tmp_path / "old.json"
    old = metrics_of(capsys, U55C, metrics)
    del old["vendor"]["available"]
    metrics.write_text(json.dumps({**old, "vendor": {**old["vendor"], "part": U50}}))
    assert main(["sweep", str(spec), "--results", str(results), "--trials", "0"]) == 0
    code, out = harness(capsys, "study", "add", spec, metrics, "--accuracy", "0.7", "--results", results)
    assert code == 0, out
    (note,) = [line for line in out.splitlines() if line.startswith("[study] note:")]
    assert "no capacity is known for device xcu50" in note
    unknown = trials_of(spec, results)[0].constraints
    assert {k: v for k, v in unknown.items() if k.startswith("xcu50")} == dict.fromkeys(
        ("xcu50_lut", "xcu50_ff", "xcu50_dsp", "xcu50_bram")
    )
    assert not any(k.startswith("limit_") for k in unknown)
    # the advice: capacities in a sweep spec, a new study from it, the point added to that study
    assert (
        "`harness sweep SPEC --study NEW --trials 0`" in note
        and "`harness study add NEW METRICS.json`" in note
    )
    given = sweep_on(tmp_path, U50, name="given", constraints=U50_CAPACITIES)
    assert main(["sweep", str(given), "--study", "NEW", "--results", str(results), "--trials", "0"]) == 0
    code, out = harness(capsys, "study", "add", "NEW", metrics, "--accuracy", "0.7", "--results", results)
    assert code == 0 and "no capacity is known" not in out, out
    (point,) = trials_of(given, results, study="NEW")
    assert point.constraints["limit_resources.lut"] == U55C_USED["lut"] - U50_CAPACITIES["resources.lut"]


# --------------------------------------------------------------------------------------------------
# Duplicates and parts in the report


def copied_project(source: Path, folder: Path, name: str, date_shift: dict[str, str]) -> Path:
    """The real project laid out as hls4ml leaves it after a re-synthesis (solution1, then solution2,
    both copies of the real report: two runs), copied under `name` with its report dates replaced."""
    project = folder / name
    for solution in ("solution1", "solution2"):
        report = project / "myproject_prj" / solution / "syn" / "report" / "myproject_csynth.rpt"
        report.parent.mkdir(parents=True)
        text = (source / "myproject_csynth.rpt").read_text().replace("solution1", solution)
        report.write_text(text)
    shutil.copy(source / "vivado_synth.rpt", project / "vivado_synth.rpt")
    for path in project.rglob("*.rpt"):
        text = path.read_text()
        for old, new in date_shift.items():
            text = text.replace(old, new)
        path.write_text(text)
    return project


def test_a_project_copied_and_re_exported_is_flagged_as_a_duplicate_and_counted_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before, the two imports were two trials: the fingerprint hashed the whole metrics file, whose
    `problems` name the project's folder ('<folder> holds 2 runs ...')."""
    first = copied_project(VIVADO, tmp_path, "jet_tagger", {})
    again = copied_project(
        VIVADO,
        tmp_path,
        "jet_tagger_reexport_2025",
        {
            "Sat Mar 18 22:59:37 2023": "Mon Jun  2 10:00:00 2025",
            "Sun Mar 19 07:48:36 2023": "Mon Jun  2 11:30:00 2025",
        },
    )
    spec, results = sweep_on(tmp_path), tmp_path / "results"
    assert main(["sweep", str(spec), "--results", str(results), "--trials", "0"]) == 0
    outs = []
    for project in (first, again):
        metrics = tmp_path / f"{project.name}.json"
        assert str(project) in metrics_of(capsys, project, metrics)["problems"][0]
        code, out = harness(capsys, "study", "add", spec, metrics, "--accuracy", "0.7", "--results", results)
        assert code == 0, out
        outs.append(out)
    assert "duplicate" not in outs[0] and "[study] warning: duplicate of trial 0" in outs[1]
    one, two = trials_of(spec, results)
    assert one.design_hash == two.design_hash

    # the report counts it once: the copy is marked a duplicate and only the first can be on the front
    report = tmp_path / "report"
    assert main(["report", str(spec), "--results", str(results), "--out", str(report), "--no-pdf"]) == 0
    rows = {row.split(",")[0]: row for row in (report / "trials.csv").read_text().splitlines()[1:]}
    assert set(rows) == {"0", "1"}
    pareto = [row.split(",")[0] for row in (report / "pareto.csv").read_text().splitlines()[1:]]
    assert "1" not in pareto


def test_a_report_names_the_part_of_vendor_points_built_for_another_device(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before, a study on the U55C with an xc7z020 point said nothing of it: the header showed the
    study's device only. The point on the study's own part gets no such note."""
    spec, results = sweep_on(tmp_path, "xcu55c-fsvh2892-2L-e"), tmp_path / "results"
    assert main(["sweep", str(spec), "--results", str(results), "--trials", "0"]) == 0
    for project, label in ((U55C, "u55c"), (VIVADO, "zynq")):
        metrics = tmp_path / f"{label}.json"
        metrics_of(capsys, project, metrics)
        args = ["study", "add", spec, metrics, "--accuracy", "0.7", "--label", label, "--results", results]
        code, out = harness(capsys, *args)
        assert code == 0, out
    assert "note: the point was measured on part xc7z020-clg400-1, not on the study's device xcu55c" in out
    report = tmp_path / "report"
    assert main(["report", str(spec), "--results", str(results), "--out", str(report), "--no-pdf"]) == 0
    notices = re.findall(r'<div class="notice">(.*?)</div>', (report / "index.html").read_text(), re.S)
    parts = [n for n in notices if "built for part" in n]
    assert parts == [
        "Vendor-measured trial 1 (zynq) was built for part xc7z020-clg400-1, not for the study&#39;s device "
        "xcu55c (see the header): its resources and latency are xc7z020-clg400-1&#39;s and compare with the "
        "other designs only as far as the two parts agree."
    ]


def test_a_point_imported_under_the_old_hash_still_recognises_its_duplicate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A study whose point was imported by a release that hashed the whole file (emulated by importing
    it with that hash): importing the same report now is flagged and takes the earlier point's hash."""
    from harness.report import vendor

    spec, results, metrics = sweep_on(tmp_path), tmp_path / "results", tmp_path / "vivado.json"
    metrics_of(capsys, VIVADO, metrics)
    assert main(["sweep", str(spec), "--results", str(results), "--trials", "0"]) == 0
    add = ["study", "add", spec, metrics, "--accuracy", "0.7", "--results", results]
    with monkeypatch.context() as old_release:
        old_release.setattr(vendor, "fingerprint", vendor.legacy_fingerprint)
        assert harness(capsys, *add)[0] == 0
    code, out = harness(capsys, *add)
    assert code == 0 and "[study] warning: duplicate of trial 0" in out, out
    one, two = trials_of(spec, results)
    assert one.design_hash == two.design_hash == vendor.legacy_fingerprint(json.loads(metrics.read_text()))
