"""The regression run on real flows: changes caught with the numbers that locate them, a tool-version
change alone passing with a note, JUnit XML a JUnit reader accepts, and --update saying what changed."""

from __future__ import annotations

import os
import re
import shutil
import signal
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import replace

import numpy as np
import yaml
from junitparser import Failure, JUnitXml

from harness.regress.baseline import load_baseline
from harness.regress.compare import compare
from harness.regress.golden import FIELDS, discover
from harness.regress.session import conclude

from ..conftest import ROOT, start_interruptible
from .conftest import FLIPPED_BIT, OLD_ESTIMATE_SOURCE, OLD_YOSYS, VECTORS


def _differing(changed, name: str) -> int:
    """Vectors whose words differ, counted here from the baseline's CSV and the new run's words."""
    base, obs = changed.baselines[name], changed.observations[name]
    return int(np.any(base.words != obs.words, axis=1).sum())


def _section(text: str, name: str) -> str:
    """The design's table and messages in the printed output."""
    return name + ": " + text.split(f"\n{name}: ", 1)[1].split("\n\n", 1)[0]


def _first_vectors(section: str) -> list[tuple[int, list[int], list[int], list[int]]]:
    """The `vector i: inputs=[..] baseline=[..] new=[..]` lines under a design's failure."""
    pattern = r"vector (\d+): inputs=\[([-\d, ]*)\] baseline=\[([-\d, ]*)\] new=\[([-\d, ]*)\]"
    return [
        (int(i), *([int(v) for v in part.split(",")] for part in parts))
        for i, *parts in re.findall(pattern, section)
    ]


def _check_caught(changed, capsys, name: str) -> None:
    code = conclude(changed.goldens, changed.baselines, changed.observations, update=False)
    out = capsys.readouterr().out
    assert code == 1
    differ, obs = _differing(changed, name), changed.observations[name]
    assert 0 < differ < VECTORS
    section = _section(out, name)
    print(section)
    assert section.startswith(f"{name}: REGRESSION")
    assert f"regression: {name}: {differ} of {VECTORS} vectors differ" in section
    shown = _first_vectors(section)
    assert len(shown) == min(5, differ)
    base = changed.baselines[name]
    for index, inputs, old, new in shown:
        assert inputs == obs.inputs[index].tolist()
        assert old == [int(w) for w in base.words[index]] and new == [int(w) for w in obs.words[index]]
        assert old != new
    # the RTL still matches its own (changed) reference: only the comparison with the baseline sees it
    assert obs.metrics["reference_mismatches"] == 0
    assert "regress: 3 golden designs, 2 regressed (bdt, nn)" in out


def test_flipped_weight_bit_of_the_mlp_is_a_regression(changed, capsys):
    old, new = changed.flipped["nn"]
    assert old ^ new == 1 << FLIPPED_BIT  # one bit of the weight's two's-complement code
    _check_caught(changed, capsys, "nn")


def test_moved_threshold_of_the_bdt_is_a_regression(changed, capsys):
    _check_caught(changed, capsys, "bdt")


def test_tool_version_change_alone_passes_with_a_note(changed, capsys):
    obs = changed.observations["bdt_tools"]
    result = compare(
        next(g for g in changed.goldens if g.name == "bdt_tools"), changed.baselines["bdt_tools"], obs
    )
    assert not result.failed
    rows = {r.field: r for r in result.rows}
    assert rows["words"].verdict == "pass" and rows["words"].change == "same"
    assert rows["design"].verdict == "note"  # same spec, other design hash
    assert rows["tools"].verdict == "note"
    assert f"yosys: '{OLD_YOSYS}' -> '{obs.tools['yosys']}'" in rows["tools"].message
    # the estimate's source was reworded (`estimate: ` first): shown as a note, the numbers still judged
    assert rows["sources"].verdict == "note" and rows["lut"].verdict == "pass"
    assert f"estimate: '{OLD_ESTIMATE_SOURCE}' -> 'estimate: harness.bdt.rtl" in rows["sources"].message
    conclude(changed.goldens, changed.baselines, changed.observations, update=False)
    out = capsys.readouterr().out
    assert "bdt_tools: pass (with notes)" in out and "note: tool versions changed: yosys" in out
    assert "note: sources changed: estimate: " in out
    # trained model and Yosys both came from the cache, and the bits are the uncached run's
    log = (obs.record.parent / "flow.log").read_text()
    assert "trained model from the cache" in log and "Yosys result from the cache" in log


def test_junit_xml_is_read_by_a_junit_reader_and_lists_every_design_and_field(changed, tmp_path):
    path = tmp_path / "junit.xml"
    conclude(changed.goldens, changed.baselines, changed.observations, update=False, junit=path)
    assert ET.parse(path).getroot().tag == "testsuites"
    suites = {suite.name: suite for suite in JUnitXml.fromfile(str(path))}
    assert set(suites) == {"regress.nn", "regress.bdt", "regress.bdt_tools"}
    fields = {"design", "vectors", "words", "reference", "tools", "sources", *FIELDS}
    for name, suite in suites.items():
        cases = {case.name: case for case in suite}
        assert set(cases) == fields, name
        failed = {n for n, c in cases.items() if any(isinstance(r, Failure) for r in c.result)}
        if name == "regress.bdt_tools":
            assert failed == set() and suite.failures == 0
        else:
            assert "words" in failed and suite.failures == len(failed)
            failure = next(r for r in cases["words"].result if isinstance(r, Failure))
            assert re.match(rf"{name.split('.')[1]}: \d+ of {VECTORS} vectors differ", failure.message)
            assert "baseline=[" in failure.text


def test_numeric_tolerance_is_per_design_and_field(changed):
    """A baseline LUT count 20 % below the new one fails at the default 10 % and passes at 25 %."""
    golden = next(g for g in changed.goldens if g.name == "bdt_tools")
    obs = changed.observations["bdt_tools"]
    base = changed.baselines["bdt_tools"]
    base = replace(base, metrics={**base.metrics, "lut": round(obs.metrics["lut"] / 1.2)})
    row = next(r for r in compare(golden, base, obs).rows if r.field == "lut")
    assert row.verdict == "FAIL" and "tolerance ±10 %" in row.message
    looser = replace(golden, tolerances={"lut": 25.0})
    assert next(r for r in compare(looser, base, obs).rows if r.field == "lut").verdict == "pass"


def test_update_rewrites_the_baselines_and_prints_what_changed(changed, tmp_path, capsys):
    golden = tmp_path / "golden"
    shutil.copytree(changed.goldens[0].folder.parent, golden)
    goldens = discover(golden)
    assert conclude(goldens, changed.baselines, changed.observations, update=True) == 0
    out = capsys.readouterr().out
    assert re.search(r"\[regress\] nn: updated baseline .*: \d+ fields changed", out)
    assert f"({_differing(changed, 'nn')} vectors differ)" in out
    assert re.search(r"\[regress\] bdt_tools: updated baseline .*: 3 fields changed", out)
    assert f"(tool versions changed: yosys: '{OLD_YOSYS}' -> " in out
    for g in goldens:  # the new baselines are the new run: judged against them, everything passes
        assert not compare(g, load_baseline(g), changed.observations[g.name]).failed


def test_ctrl_c_stops_cleanly_without_writing_anything(tmp_path):
    """A terminal's Ctrl-C (SIGINT to the process group) while a golden design runs: exit 130, one line
    saying what was and was not done, no JUnit XML, the baseline untouched. It runs `--update` on a copy
    of the golden design: CI's `nox -s regress` reads the committed regress/ folder at the same time."""
    golden = tmp_path / "golden" / "track_quality_bdt"
    shutil.copytree(ROOT / "regress" / "track_quality_bdt", golden)
    spec = yaml.safe_load((golden / "golden.yaml").read_text())
    spec["design"] = str((ROOT / "regress" / "track_quality_bdt" / spec["design"]).resolve())
    (golden / "golden.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    kept = {name: (golden / name).read_bytes() for name in ("baseline.json", "words.csv")}
    junit = tmp_path / "junit.xml"
    command = [sys.executable, "-m", "harness.cli", "regress", "--only", "track_quality_bdt", "--update"]
    command += ["--golden", str(golden.parent), "--out", str(tmp_path / "runs"), "--junit", str(junit)]
    # a session of its own: the Ctrl-C goes to its process group, the design's worker process too
    proc = start_interruptible(command, env={**os.environ, "HARNESS_CACHE": "off"}, start_new_session=True)
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if "track_quality_bdt: queued" in line:
            time.sleep(3)  # inside the design's flow
            os.killpg(proc.pid, signal.SIGINT)
            break
    rest, _ = proc.communicate(timeout=120)
    out = "".join(lines) + rest
    assert proc.returncode == 130, out
    assert "[regress] interrupted (Ctrl-C) after" in out and "no baseline was written" in out
    assert f"(log: {tmp_path / 'runs' / 'track_quality_bdt' / 'flow.log'})" in out  # it ran the copy
    assert not junit.exists()
    assert sorted(p.name for p in golden.iterdir()) == ["baseline.json", "golden.yaml", "words.csv"]
    assert {name: (golden / name).read_bytes() for name in kept} == kept
