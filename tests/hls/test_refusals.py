"""Every input `harness vendor-report` cannot use is refused with one `error:` line and exit status 2.

Each case is a file a user could plausibly point the command at (truncated, binary, the wrong JSON,
a baseline whose groups are not objects); before, several of them ended in a Python traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from harness.cli import main
from harness.hls.project import load_report

from .report_texts import csynth, write

Vendor = Callable[..., Path]

BAD_FILES = {
    "binary_csynth.rpt": b"\x00\x01\x02 not text",
    "no_top_csynth.xml": b"<profile>\n<UserAssignments>\n</UserAssignments>\n</profile>\n",
    "cut_csynth.xml": b"<profile>\n<UserAssignments>",
    "truncated_csynth.rpt": b"== Vivado HLS Report for 'myproject'\n* Date: Sat Mar 18 22:59:37 2023\n",
    "list.json": b"[1, 2]",
    "loop_attr.ndjson": b'{"loop_attributes": 1}\nnot json\n',
    "quartus.ndjson": b'{"quartusFitClockSummary": {}}',
    "util.rpt": b"| Tool Version : Vivado v.2020.1 (lin64)\n| Command : report_utilization\n",
    "power.rpt": b"| Tool Version : Vivado v.2020.1 (lin64)\n| Command : report_power -file power.rpt\n",
    "notes.txt": b"nothing to see",
}


def refused(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    """Run the command, check it refused as the README promises, return the one error line."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("harness vendor-report: error: "), err
    return lines[0]


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_unusable_file_is_one_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    path = tmp_path / name
    path.write_bytes(BAD_FILES[name])
    assert name in refused(capsys, ["vendor-report", str(path)])


@pytest.mark.parametrize(
    "baseline", ['{"tool": "x", "hls_resources": 5}', '{"tool": null, "hls_resources": {}, "clock": [1]}']
)
def test_malformed_baseline_is_one_error_line(
    vendor: Vendor, tmp_path: Path, capsys: pytest.CaptureFixture[str], baseline: str
) -> None:
    path = tmp_path / "baseline.json"
    path.write_text(baseline)
    folder = str(vendor("hls4ml-test_report", "Vivado"))
    assert "baseline.json: not a `harness vendor-report --json` output" in refused(
        capsys, ["vendor-report", folder, "--compare", str(path)]
    )


def test_missing_path_and_unknown_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "does not exist" in refused(capsys, ["vendor-report", str(tmp_path / "nowhere")])
    write(tmp_path, "myproject_csynth.rpt", csynth("Sat Mar 18 22:59:37 2023", "solution1", 42, 2532))
    assert "--run 'solution7' matches 0" in refused(
        capsys, ["vendor-report", str(tmp_path), "--run", "solution7"]
    )


def test_a_broken_run_beside_a_good_one_is_listed_not_fatal(tmp_path: Path) -> None:
    """In a folder, an unreadable C synthesis is one unused report; only if nothing is readable is it
    the refusal."""
    write(tmp_path, "good/myproject_csynth.rpt", csynth("Sat Mar 18 22:59:37 2023", "solution1", 42, 2532))
    write(tmp_path, "bad/myproject_csynth.rpt", BAD_FILES["truncated_csynth.rpt"].decode())
    report = load_report(tmp_path)
    assert report.hls_resources.dsp == 42
    assert report.unused == {
        "bad/myproject_csynth.rpt": "no timing summary table (expected after a '+ Timing' line)"
    }
