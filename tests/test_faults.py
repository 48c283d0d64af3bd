"""`HARNESS_INJECT_FAULT=rtl`: a genuinely wrong RTL (the generator truncates where hls4ml rounds, or
splits BDT nodes with the other comparison) followed through `harness evaluate`: exit 1, the mismatch
count and the first mismatching vectors printed, metrics.json saying so. The reference is untouched, so
the same design without the fault verifies bit-exact (tests/test_flow.py, tests/bdt, tests/nn)."""

from __future__ import annotations

import json

import pytest

from harness import faults
from harness.cli import main

from .conftest import ROOT

#: Tiny designs (seconds to train) whose RTL simulation sees enough vectors to hit the fault.
TINY = {
    "nn-da": ("jet_mlp.yaml", ["model.hidden=[8]", "data.n_samples=3000", "training.epochs=2"]),
    "nn-mac": (
        "jet_mlp.yaml",
        ["model.hidden=[8]", "data.n_samples=3000", "training.epochs=2", "firmware.reuse_factor=2"],
    ),
    "bdt": ("track_quality_bdt.yaml", ["data.n_samples=3000", "model.n_trees=4", "model.max_depth=3"]),
}


def _evaluate(design: str, sets: list[str], out, *extra: str) -> int:
    args = ["evaluate", str(ROOT / "designs" / design), "--out", str(out), *extra]
    for item in [*sets, "verify.vectors=500"]:
        args += ["--set", item]
    return main(args)


@pytest.mark.slow  # train, Yosys and Verilator on a tiny design: about a minute each
@pytest.mark.parametrize("case", list(TINY))
def test_evaluate_of_a_wrong_rtl_exits_1_naming_the_mismatches(case, tmp_path, monkeypatch, capsys):
    design, sets = TINY[case]
    monkeypatch.setenv(faults.ENV, "rtl")
    assert _evaluate(design, sets, tmp_path) == 1
    out = capsys.readouterr().out
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    verification = metrics["verification"]
    print(f"{case}: {verification['mismatches']} mismatched words in {verification['mismatched_vectors']}")
    assert verification["vectors"] == 500 and verification["mismatches"] > 0
    assert metrics["fidelity"] == "verify" and metrics["injected_fault"] == "rtl"
    assert any(w.startswith(f"{faults.ENV}=rtl") for w in metrics["warnings"])
    # the first mismatching vectors, then the count as the one `error:` line (a VerificationError)
    first = verification["first_mismatches"]
    error = (
        f"error: RTL MISMATCHES its reference ({verification['reference']}): {verification['mismatches']} "
        f"output words differ in {verification['mismatched_vectors']} of 500 vectors; first vector "
        f"{first[0]['index']}: "
    )
    assert [line for line in out.splitlines() if line.startswith("error:")][0].startswith(error), out
    assert out.index("first mismatching vectors:") < out.index("error:")
    # each with its inputs and both outputs, as metrics.json keeps them
    assert len(first) == min(5, verification["mismatched_vectors"])
    for m in first:
        assert f"  vector {m['index']}: inputs={m['inputs']} expected={m['expected']} rtl={m['got']}" in out
        assert m["expected"] != m["got"]


def test_the_fault_is_part_of_the_design_hash(monkeypatch):
    from harness.spec import load

    spec = load(ROOT / "designs" / "track_quality_bdt.yaml")
    correct = spec.design_hash()
    monkeypatch.setenv(faults.ENV, "rtl")
    assert spec.design_hash() != correct  # no cache hands a faulty result to a correct design
    monkeypatch.setenv(faults.ENV, "")
    assert spec.design_hash() == correct


@pytest.mark.parametrize("command", [["evaluate", "designs/track_quality_bdt.yaml"], ["regress"]])
def test_an_unknown_fault_is_refused_before_any_work(command, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv(faults.ENV, "rounding")
    assert main([*command, "--out", str(tmp_path)]) == 2
    out = capsys.readouterr().out
    assert out == "error: HARNESS_INJECT_FAULT='rounding' is not a fault; valid: rtl (or unset)\n"
    assert not any(tmp_path.iterdir())
