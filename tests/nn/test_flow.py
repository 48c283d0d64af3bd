"""End-to-end NN design points on the open flow: zero mismatches on >= 10 000 vectors on Verilator.

The designs: the default jet design, a 4-bit 80 %-pruned variant (through `harness evaluate`, with
Yosys), and the two third-party models from hls4ml's example-models repository.
"""

import json

import numpy as np
import pytest

from harness.cli import main
from harness.flow import DesignPoint, prepare, simulate
from harness.nn.bridge import trace
from harness.nn.rtl import write_da
from harness.sim import SimJob, StreamVectors, VerilatorSimulator
from harness.spec import from_dict, load

from ..conftest import ROOT
from .conftest import small_hls_model

DESIGN = ROOT / "designs" / "jet_mlp.yaml"


def _assert_bit_exact(point: DesignPoint, toolchain) -> object:
    result = simulate(point, toolchain)
    assert result.comparison.vectors >= 10_000
    assert result.comparison.mismatched_words == 0, result.comparison.summary()
    assert result.testbench_passed
    assert result.ii_cycles == 1.0
    assert result.latency_cycles == result.latency_max_cycles == point.rtl.estimate["latency_cycles"]
    return result


def _pretrained(name: str, models_dir) -> dict:
    return {
        "name": name,
        "kind": "nn",
        "data": {"n_samples": 60000},
        "model": {
            "pretrained": {
                "architecture": str(models_dir / f"{name}.json"),
                "weights": str(models_dir / f"{name}_weights.h5"),
            }
        },
    }


@pytest.mark.slow
def test_default_jet_design_is_bit_exact(toolchain, tmp_path):
    spec = load(DESIGN)
    point = prepare(spec, tmp_path, toolchain)
    float_acc = float(np.mean(np.argmax(point.trained.float_scores, axis=1) == point.dataset.y_test))
    emulation_acc = float(np.mean(np.argmax(point.emulation.output_codes, axis=1) == point.dataset.y_test))
    assert 0.65 <= float_acc <= 0.85, "the synthetic jets must be neither trivial nor hopeless"
    assert abs(emulation_acc - float_acc) / float_acc < 0.01, "hls4ml emulation within 1 % of QKeras"
    _assert_bit_exact(point, toolchain)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["qkeras_3layer", "KERAS_3layer"])
def test_third_party_models_are_bit_exact(name, toolchain, tmp_path, models_dir):
    design = _pretrained(name, models_dir)
    if name == "KERAS_3layer":  # 16-bit accumulators, every product its own quantiser: ~229k LUT
        design["verify"] = {"max_rtl_lut": 250_000}  # above the default limit, simulated, not synthesised
    point = prepare(from_dict(design), tmp_path, toolchain)
    assert point.trained.info["trained"] is False
    if name == "KERAS_3layer":  # a float model: hls4ml's default precision everywhere
        assert point.converted.info["output_type"] == "ap_fixed<16,6>"
    _assert_bit_exact(point, toolchain)


@pytest.mark.slow
def test_evaluate_pruned_4bit_variant_writes_metrics(tmp_path, capsys):
    out = tmp_path / "run"
    code = main(
        [
            "evaluate",
            str(DESIGN),
            "--set",
            "model.weight_bits=4",
            "--set",
            "model.activation_bits=4",
            "--set",
            "model.pruning=0.8",
            "--set",
            "training.epochs=15",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["params"]["model"]["weight_bits"] == 4
    assert metrics["model"]["sparsity"] >= 0.75
    verification = metrics["verification"]
    assert verification["vectors"] >= 10_000 and verification["mismatches"] == 0
    assert "verilator" in verification["simulator"] and "hls4ml" in verification["reference"]
    latency = metrics["latency"]
    assert latency["ii_cycles"] == 1 and latency["cycles"] > 0 and "measured" in latency["source"]
    assert latency["ns"] == latency["cycles"] * 5.0
    resources = metrics["resources"]
    assert resources["lut"] > 0 and resources["ff"] > 0 and resources["source"].startswith("yosys")
    assert metrics["estimate"]["lut"] > 0 and metrics["estimate"]["source"].startswith("estimate: da4ml")
    accuracy = metrics["accuracy"]
    assert accuracy["rtl"] is not None and accuracy["rtl_vs_float_agreement"] > 0.9
    assert set(metrics["seconds"]) >= {"train", "convert", "emulate", "rtl", "synth", "sim"}
    assert len(metrics["design_hash"]) == 16
    assert '"mismatches": 0' in capsys.readouterr().out  # the printed summary says so too


def test_corrupted_bridge_is_caught_by_the_testbench(toolchain, tmp_path):
    """Truncating where hls4ml rounds half to even: the RTL testbench must count mismatches."""
    precisions = {
        "dense_0": {"weight": "fixed<6,1>", "bias": "fixed<6,1>", "result": "fixed<14,6>"},
        "relu_0": {"result": "ufixed<6,0,RND_CONV,SAT>"},
        "dense_1": {"weight": "fixed<6,1>", "bias": "fixed<6,1>", "result": "fixed<12,5>"},
    }
    hls_model = small_hls_model(tmp_path, 1, (6, 12, 4), precisions)
    x = np.random.default_rng(1).normal(0, 3, size=(2000, 6)).astype(np.float32)
    expected_float = np.asarray(hls_model.predict(x), dtype=np.float64)
    good, bad = trace(hls_model), trace(hls_model, rounding_override="TRN")
    vectors = StreamVectors(
        good.input_type.quantize(x),
        [good.input_type.width] * 6,
        [good.output_type.width] * 4,
        [True] * 4,
        np.round(expected_float * 2.0**good.output_type.frac).astype(np.int64),
    )
    results = {}
    for label, traced in (("good", good), ("corrupted", bad)):
        design = write_da(traced, f"small_{label}", tmp_path / label, clock_ns=5.0)
        results[label] = (
            VerilatorSimulator(toolchain)
            .run(SimJob(design.top, design.sources, tmp_path / label / "sim", vectors))
            .comparison
        )
    assert results["good"].mismatched_words == 0, results["good"].summary()
    assert results["corrupted"].mismatched_words > 0
    assert "expected=" in results["corrupted"].summary()
