"""`harness evaluate` on the track-quality design: metrics.json, measured latency against conifer's
estimates, a deliberately broken generator output, and conifer's own VHDL under GHDL."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from harness.bdt.emulate import vhdl_reference
from harness.fixed import FixedType
from harness.sim import StreamVectors
from harness.stages import RTLDesign

from .conftest import VECTORS, simulate

pytestmark = pytest.mark.slow  # Yosys + Verilator + conifer compile: about 80 s for the shared run


def test_evaluate_writes_bit_exact_metrics(track_flow):
    record, out = track_flow
    assert json.loads((out / "metrics.json").read_text())["design_hash"] == record["design_hash"]
    verification = record["verification"]
    print(
        f"track_quality_bdt: {verification['vectors']} vectors, {verification['mismatches']} mismatches "
        f"against {verification['reference']}; accuracy {record['accuracy']}"
    )
    assert verification["vectors"] >= VECTORS
    assert verification["mismatches"] == 0
    assert verification["reference"].startswith("conifer 1.11 cpp backend")
    assert record["accuracy"]["rtl_events"] == verification["vectors"]
    for stage in ("float", "emulation", "rtl"):
        assert 0.80 <= record["accuracy"][stage] <= 0.95, stage
    resources = record["resources"]
    print(f"Yosys: {resources}")
    assert resources["source"].startswith("yosys") and resources["lut"] > 0 and resources["ff"] > 0
    assert resources["dsp"] == 0


def test_measured_latency_is_reported_with_conifers_estimates(track_flow):
    record, _ = track_flow
    latency, model = record["latency"], record["model"]
    conifer = model["conifer_estimates"]
    print(
        f"latency: measured {latency['cycles']} cycles at {latency['clock_ns']} ns "
        f"(II {latency['ii_cycles']}); "
        f"generator plan {record['estimate']['latency_cycles']}; conifer estimates: VHDL "
        f"{conifer['vhdl']['latency']}, HLS {conifer['xilinxhls']['latency']} cycles"
    )
    assert latency["source"].endswith("(measured)")
    assert latency["ii_cycles"] == 1.0
    assert latency["cycles"] == latency["max_cycles"] == record["estimate"]["latency_cycles"]
    assert latency["cycles"] == model["pipeline"]["stages"]
    assert model["pipeline"]["meets_clock"]
    # conifer's VHDL estimate is analytic: 2 + depth + ceil(log2(trees)).
    assert conifer["vhdl"]["latency"] == 2 + model["max_depth"] + int(np.ceil(np.log2(model["n_trees"])))
    assert conifer["xilinxhls"]["latency"] > 0
    assert "performance_estimates" in conifer["source"]


def test_corrupted_comparison_is_caught(track_flow, toolchain, tmp_path):
    """The same vectors through a copy of the design whose nodes split with <= instead of conifer's <."""
    record, out = track_flow
    source = record["rtl"]["sources"][0]
    verilog = open(source).read()
    assert record["model"]["splitting"] == "<"
    broken, n = re.subn(r"\) < \$signed\(", ") <= $signed(", verilog)
    assert n > 100
    path = tmp_path / "broken.v"
    path.write_text(broken)
    saved = np.load(out / "sim" / "vectors.npz")
    vectors = StreamVectors(
        saved["inputs"],
        saved["in_widths"].tolist(),
        saved["out_widths"].tolist(),
        saved["out_signed"].tolist(),
        saved["expected"],
    )
    rtl = RTLDesign(sources=[path], top=record["rtl"]["top"], estimate={})
    result = simulate(rtl, vectors, tmp_path / "sim", toolchain)
    print(result.comparison.summary())
    assert result.comparison.vectors == VECTORS
    assert result.comparison.mismatched_words > 0
    assert not result.testbench_passed


def test_conifer_vhdl_agrees_with_verilog(request, toolchain, tmp_path):
    """conifer's own VHDL backend, simulated by GHDL on the same vectors, gives our Verilog's outputs.
    Without GHDL the cross-check fails (it must not pass by being skipped), before the shared flow runs."""
    assert toolchain["ghdl"].found, (
        "GHDL is needed to simulate conifer's VHDL (Debian: apt-get install ghdl; .ci/run installs it)"
    )
    record, out = request.getfixturevalue("track_flow")
    model = record["model"]
    inputs = np.load(out / "sim" / "vectors.npz")["inputs"]
    outputs = json.loads((out / "sim" / "outputs.json").read_text())["outputs"]
    verilog = np.array(outputs, dtype=np.int64)
    vhdl = vhdl_reference(
        model["conifer_model_file"],
        FixedType.parse(model["threshold_precision"]),
        FixedType.parse(model["score_precision"]),
        inputs,
        tmp_path,
        toolchain,
        record["params"]["firmware"]["part"],
    )
    differ = int(np.sum(vhdl != verilog))
    print(
        f"conifer VHDL (GHDL) vs generated Verilog (Verilator): {len(inputs)} vectors, {differ} differences"
    )
    assert vhdl.shape == verilog.shape == (VECTORS, 1)
    assert differ == 0
