"""Generated Verilog against conifer's cpp emulation, integer for integer, on 10 000 test vectors:
the track-quality forest with saturating types, the 5-class jet forest at two precisions, and a
scikit-learn forest."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from .conftest import VECTORS, assert_bit_exact

pytestmark = pytest.mark.slow  # each point: conifer compile + Verilator build, 50-100 s


def test_track_quality_saturating_scores(track_saturating):
    point = track_saturating
    assert_bit_exact(point)
    score_type = point.converted.output_types[0]
    reference = point.emulation.output_codes[:VECTORS]
    at_max = int(np.sum(reference == score_type.max_code))
    at_min = int(np.sum(reference == score_type.min_code))
    print(
        f"{score_type}: {at_max} scores saturated at +{score_type.to_float(score_type.max_code)}, "
        f"{at_min} at {score_type.to_float(score_type.min_code)}"
    )
    assert at_max > 0 and at_min > 0  # conifer's sums really hit both limits of the type
    # Saturation in the middle of the sum depends on the order, so the generator chained the adders.
    assert point.rtl.info["rtl_accumulation"] == "saturating chain"
    assert point.sim.latency_cycles == point.rtl.estimate["latency_cycles"]
    assert point.sim.latency_cycles == point.rtl.info["pipeline"]["stages"]
    assert point.sim.ii_cycles == 1.0


def test_jet_forest_at_design_precision(jet_default):
    point = jet_default
    assert_bit_exact(point)
    assert point.emulation.output_codes.shape[1] == 5
    assert point.rtl.info["rtl_accumulation"] == "adder tree"
    assert point.sim.latency_cycles == point.sim.latency_max_cycles == 6  # firmware.pipeline_stages
    assert point.sim.ii_cycles == 1.0
    rtl_classes = np.argmax(point.sim.outputs.astype(np.int64), axis=1)
    accuracy = float(np.mean(rtl_classes == point.dataset.y_test[:VECTORS]))
    print(f"jet_bdt RTL accuracy {accuracy:.4f} on {VECTORS} events")
    assert accuracy > 0.6


def test_jet_forest_with_wrapping_scores(jet_wrapping, jet_default):
    """ap_fixed<13,3> has ap_fixed<16,6>'s grid but a +-4 range: conifer's sums wrap, and so does the RTL."""
    point = jet_wrapping
    assert_bit_exact(point)
    score_type = point.converted.output_types[0]
    wide = jet_default.emulation.output_codes
    wrapped = point.emulation.output_codes
    expected = (wide - score_type.min_code) % (1 << score_type.width) + score_type.min_code
    n_wrapped = int(np.sum(wrapped != wide))
    print(f"{score_type}: {n_wrapped} of {wide.size} conifer scores wrapped")
    assert np.array_equal(wrapped, expected)
    assert n_wrapped > 0
    # At 2.5 ns the generator derives a deeper pipeline than at the design's 5 ns.
    assert point.sim.latency_cycles == point.rtl.estimate["latency_cycles"] > 2
    assert point.sim.ii_cycles == 1.0


def test_scikit_learn_forest_splits_with_less_or_equal(track_sklearn):
    """scikit-learn trees send x <= threshold left; the generated comparators must follow."""
    point = track_sklearn
    assert_bit_exact(point)
    info = point.converted.info
    assert info["converter"] == "sklearn" and info["splitting"] == "<="
    verilog = point.rtl.sources[0].read_text()
    assert verilog.count(") <= $signed(") > 0 and ") < $signed(" not in verilog
    assert info["conifer_float_agreement"] > 0.99
    # No pickle anywhere: the forest is kept as conifer's JSON.
    saved = json.loads(Path(info["conifer_model_file"]).read_text())
    assert saved["library"] == "sklearn" and saved["n_trees"] == 10
