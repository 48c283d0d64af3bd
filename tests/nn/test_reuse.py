"""Reuse factors: hls4ml's validity rule, checked from the spec (before training) and in the RTL stage."""

from pathlib import Path

import pytest

from harness.data import tracks
from harness.nn.reuse import DenseShape, check_spec, planned_dense_layers, valid_reuse_factors
from harness.nn.rtl import rtl
from harness.spec import SpecError, load
from harness.stages import Converted

from .conftest import small_hls_model

JET = Path(__file__).resolve().parents[2] / "designs" / "jet_mlp.yaml"


def _spec(*overrides: str):
    return load(JET, list(overrides))


def test_valid_values_are_hls4mls():
    """The rule is hls4ml's: these are the values its Resource strategy accepts for the jet layers."""
    assert valid_reuse_factors(16, 64) == (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
    assert valid_reuse_factors(32, 5) == (1, 2, 4, 8, 16, 32, 160)
    assert valid_reuse_factors(6, 12) == (1, 2, 3, 6, 12, 18, 24, 36, 72)


def test_layers_are_known_from_the_spec():
    assert planned_dense_layers(_spec()) == [
        DenseShape("fc1", 16, 64),
        DenseShape("fc2", 64, 32),
        DenseShape("fc3", 32, 32),
        DenseShape("output", 32, 5),
    ]
    assert planned_dense_layers(_spec("data.name=tracks-synthetic", "model.hidden=[20]")) == [
        DenseShape("fc1", len(tracks.FEATURES), 20),
        DenseShape("output", 20, len(tracks.CLASSES)),
    ]


@pytest.mark.parametrize("value", [2, 4, 8, 16, {"fc1": 4, "fc2": 8, "fc3": 2, "output": 1}])
def test_valid_reuse_factors_pass(value):
    check_spec(_spec("firmware.arithmetic=mac", f"firmware.reuse_factor={value}"))


def test_invalid_model_wide_value_lists_the_valid_ones():
    with pytest.raises(
        SpecError,
        match=r"firmware.reuse_factor: 3 is not valid for layer fc1 \(16 inputs x 64 "
        r"outputs\); hls4ml's rule allows 1, 2, 4, 8, 16, 32, 64",
    ):
        check_spec(_spec("firmware.arithmetic=mac", "firmware.reuse_factor=3"))


def test_invalid_per_layer_value_names_the_layer():
    # 64 is valid for fc1..fc3 but not for the 32 x 5 output layer
    with pytest.raises(
        SpecError, match=r"64 is not valid for layer output \(32 inputs x 5 outputs\).*16, 32, 160$"
    ):
        check_spec(_spec("firmware.arithmetic=mac", "firmware.reuse_factor={fc1: 64, output: 64}"))


def test_per_layer_mapping_must_name_dense_layers():
    with pytest.raises(
        SpecError, match=r"names \['relu1'\], which are not dense layers; dense layers: \['fc1'"
    ):
        check_spec(_spec("firmware.arithmetic=mac", "firmware.reuse_factor={relu1: 2}"))


def test_time_multiplexing_refused_only_with_explicit_da():
    """A reuse factor alone is sweepable (auto is the default); only an explicit `da` refuses it."""
    assert _spec().firmware.arithmetic == "auto"
    check_spec(_spec("firmware.reuse_factor=4"))
    check_spec(_spec("firmware.reuse_factor={fc2: 4}"))
    with pytest.raises(
        SpecError, match="needs firmware.arithmetic: auto or mac; da4ml's distributed arithmetic is fully"
    ):
        check_spec(_spec("firmware.arithmetic=da", "firmware.reuse_factor=4"))
    check_spec(_spec("firmware.arithmetic=da", "firmware.reuse_factor=1"))


@pytest.mark.parametrize(
    ("arithmetic", "reuse", "expected"),
    [
        ("auto", 1, "da"),
        ("auto", 2, "mac"),
        ("auto", {"dense_1": 2}, "mac"),
        ("mac", 1, "mac"),
        ("da", 1, "da"),
    ],
)
def test_auto_arithmetic_picks_and_records_the_generator(tmp_path, arithmetic, reuse, expected):
    """The RTL stage on a real converted model: auto writes da4ml's core at RF 1 and the MAC generator
    above, and the record says which (and what was asked for)."""
    hls_model = small_hls_model(tmp_path, 1, (6, 12, 4), {})
    spec = _spec(f"firmware.arithmetic={arithmetic}", f"firmware.reuse_factor={reuse}")
    design = rtl(spec, Converted(model=hls_model, input_types=[], output_types=[]), tmp_path / "rtl", None)
    assert design.info["arithmetic"] == expected
    assert design.info["arithmetic_requested"] == arithmetic
    assert (tmp_path / "rtl" / "da4ml").is_dir() == (expected == "da")


def test_rtl_stage_rejects_before_writing(tmp_path):
    """With a real converted model (layer names dense_0, dense_1) the RTL stage refuses an invalid value
    (4 is not valid for a 6 x 12 layer) and writes nothing."""
    hls_model = small_hls_model(tmp_path, 0, (6, 12, 4), {})
    spec = _spec("firmware.arithmetic=mac", "firmware.reuse_factor={dense_0: 4}")
    converted = Converted(model=hls_model, input_types=[], output_types=[])
    with pytest.raises(
        SpecError, match=r"4 is not valid for layer dense_0 \(6 inputs x 12 outputs\).*1, 2, 3, 6, 12"
    ):
        rtl(spec, converted, tmp_path / "rtl", None)
    assert not (tmp_path / "rtl").exists()
