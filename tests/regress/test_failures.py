"""`harness regress` on a golden design whose RTL genuinely mismatches its reference
(`HARNESS_INJECT_FAULT=rtl`, harness/faults.py): `--update` exits 1 and writes nothing, and the
`reference` row fails in the table and in the JUnit XML."""

from __future__ import annotations

import pytest
from junitparser import Failure, JUnitXml

from harness import faults
from harness.cli import main

from .conftest import GOLDEN, write_golden

pytestmark = pytest.mark.slow  # a tiny forest through the flow twice: about a minute


def test_update_refuses_a_mismatching_design_and_its_reference_row_fails(tmp_path, monkeypatch, capsys):
    golden = write_golden(tmp_path / "golden", {"bdt": GOLDEN["bdt"]})
    args = ["regress", "--update", "--golden", str(golden), "--out", str(tmp_path / "runs")]
    assert main(args) == 0  # the correct design's baseline
    written = {p.name: p.read_bytes() for p in (golden / "bdt").iterdir()}
    assert {"baseline.json", "words.csv"} <= set(written)
    capsys.readouterr()

    monkeypatch.setenv(faults.ENV, "rtl")
    junit = tmp_path / "junit.xml"
    assert main([*args, "--junit", str(junit)]) == 1
    out = capsys.readouterr().out
    assert "[regress] bdt: baseline NOT updated" in out and "bit-exact against its reference" in out
    assert "1 refused" in out and "0 baselines written" in out
    assert {p.name: p.read_bytes() for p in (golden / "bdt").iterdir()} == written  # nothing written

    cases = {case.name: case for suite in JUnitXml.fromfile(str(junit)) for case in suite}
    failures = [r for r in cases["reference"].result if isinstance(r, Failure)]
    assert failures and "the RTL no longer matches conifer" in failures[0].message
    assert "mismatched words" in failures[0].message
