"""Inputs the BDT flow must refuse with a clear error before any compiler or simulator runs."""

from __future__ import annotations

import numpy as np
import pytest
import xgboost as xgb
from conifer.converters import convert_from_xgboost

from harness.bdt import STAGES
from harness.bdt.backend import ConiferBackendError, conifer_config
from harness.bdt.checks import BDTModelError, PrecisionError
from harness.bdt.train import decision_function
from harness.data import load as load_data
from harness.fixed import FixedType
from harness.spec import SpecError, load
from harness.stages import Converted, Trained

from .conftest import DESIGNS

SMALL = ["data.n_samples=4000", "model.n_trees=10", "model.max_depth=3"]


@pytest.fixture(scope="module")
def small_track(tmp_path_factory):
    """A small track-quality forest (trained in a second) with its spec and data."""
    spec = load(DESIGNS / "track_quality_bdt.yaml", SMALL)
    dataset = load_data(spec.data, spec.seed)
    return spec, dataset, STAGES.train(spec, dataset, tmp_path_factory.mktemp("small_track"))


def _convert(spec_overrides, small_track, tmp_path, toolchain):
    spec, dataset, trained = small_track
    spec = load(DESIGNS / "track_quality_bdt.yaml", SMALL + spec_overrides)
    return STAGES.convert(spec, trained, dataset, tmp_path, toolchain)


def test_feature_index_beyond_the_inputs(small_track, tmp_path, toolchain):
    """A forest trained with a tenth feature cannot run on the 9-input track firmware."""
    spec, dataset, _ = small_track
    extra = dataset.y_train + np.random.default_rng(0).normal(0, 0.5, len(dataset.y_train))
    booster = (
        xgb.XGBClassifier(n_estimators=3, max_depth=2)
        .fit(np.column_stack([dataset.x_train, extra]), dataset.y_train)
        .get_booster()
    )
    x_test = np.column_stack([dataset.x_test, dataset.y_test.astype(np.float32)])
    trained = Trained(model=booster, float_scores=decision_function(booster, x_test))
    with pytest.raises(BDTModelError, match=r"feature index 9 is out of range.*valid indices are 0\.\.8"):
        STAGES.convert(spec, trained, dataset, tmp_path, toolchain)


def test_generator_rejects_a_corrupted_feature_index(small_track, tmp_path, toolchain):
    """The RTL stage re-checks the model it is given instead of trusting the conversion."""
    spec, dataset, trained = small_track
    threshold_type = FixedType.parse(spec.firmware.threshold_precision)
    config = conifer_config("cpp", threshold_type, threshold_type, tmp_path, "p")
    model = convert_from_xgboost(trained.model, config)
    model.trees[3][0].feature[0] = 12
    converted = Converted(model, [threshold_type] * dataset.n_features, [threshold_type], {})
    with pytest.raises(BDTModelError, match=r"tree 3 of class 0, node 0: feature index 12 is out of range"):
        STAGES.rtl(spec, converted, tmp_path / "rtl", toolchain)


def test_threshold_precision_that_holds_no_threshold(small_track, tmp_path, toolchain):
    with pytest.raises(PrecisionError, match=r"threshold_precision: ap_fixed<1,1> is too narrow") as error:
        _convert(["firmware.threshold_precision=ap_fixed<1,1>"], small_track, tmp_path, toolchain)
    assert isinstance(error.value, SpecError)
    print(error.value)


def test_score_precision_without_one(small_track, tmp_path, toolchain):
    with pytest.raises(PrecisionError, match=r"ap_fixed<8,1> cannot represent 1\.0"):
        _convert(["firmware.score_precision=ap_fixed<8,1>"], small_track, tmp_path, toolchain)


def test_overflow_mode_without_a_chain(small_track, tmp_path, toolchain):
    with pytest.raises(PrecisionError, match=r"ap_fixed<6,2,TRN,SAT_SYM> may overflow.*WRAP and SAT"):
        _convert(["firmware.score_precision=ap_fixed<6,2,TRN,SAT_SYM>"], small_track, tmp_path, toolchain)


def test_conifer_backend_names(tmp_path):
    t = FixedType.parse("ap_fixed<16,6>")
    with pytest.raises(ConiferBackendError, match=r"'verilog' does not exist; conifer has .*'cpp'"):
        conifer_config("verilog", t, t, tmp_path, "p")
    with pytest.raises(ConiferBackendError, match=r"'xilinxhls' is not supported .* usable: 'cpp'"):
        conifer_config("xilinxhls", t, t, tmp_path, "p")
    with pytest.raises(ConiferBackendError, match=r"vhdl backend needs one signed type"):
        conifer_config("vhdl", t, FixedType.parse("ap_fixed<10,4>"), tmp_path, "p")
    assert conifer_config("cpp", t, t, tmp_path, "p")["Backend"] == "cpp"
