"""Every precision type hls4ml can produce is either bridged exactly or refused naming layer and type.

A QDense with `quantized_po2` weights crashed the RTL stage with `AttributeError:
'APExponentPrecisionType' object has no attribute 'integer'`; an XNOR binary type has `width` and
`integer` attributes, so reading it as ap_fixed would have been silently wrong (its code 0 means -1).
ap_fixed and ap_int (which includes the int<2> of QKeras `ternary` weights) are bridged; exponent
(power-of-two), XNOR binary, float and unspecified types are refused before any RTL is written.
"""

from __future__ import annotations

import numpy as np
import pytest

from harness.fixed import FixedType
from harness.nn.bridge import trace
from harness.nn.rtl import rtl, write_da
from harness.nn.types import UnsupportedModelError
from harness.sim import SimJob, StreamVectors, VerilatorSimulator
from harness.spec import load
from harness.stages import Converted

from ..conftest import ROOT
from .conftest import convert
from .test_bridge import _compare


def _qkeras_model(kernel: object):
    """6 -> 8 -> 3 QKeras MLP whose first layer (fc1) has the weight quantizer under test."""
    import tensorflow as tf
    from qkeras import QActivation, QDense

    tf.keras.utils.set_random_seed(0)
    q = "quantized_bits(6,0,alpha=1)"
    return tf.keras.Sequential(
        [
            tf.keras.Input((6,), name="inp"),
            QDense(8, kernel_quantizer=kernel, bias_quantizer=q, name="fc1"),
            QActivation("quantized_relu(6,0)", name="relu1"),
            QDense(3, kernel_quantizer=q, bias_quantizer=q, name="fc2"),
        ]
    )


def _hls(model, out, compile: bool = False):
    import hls4ml

    config = hls4ml.utils.config_from_keras_model(model, granularity="name", backend="Vitis")
    return convert(model, config, out, compile=compile)


@pytest.mark.parametrize(
    ("quantizer", "words"),
    [
        ("quantized_po2(4)", r"int<4> \(APExponentPrecisionType\) is a power-of-two weight"),
        ("binary(alpha=1)", r"uint<1> \(APXnorPrecisionType\) is an XNOR binary value"),
    ],
)
def test_power_of_two_and_xnor_weights_are_refused_naming_layer_and_type(quantizer, words, tmp_path):
    """Both generators refuse, naming the layer (fc1), the role (weight) and the type, and write nothing."""
    hls_model = _hls(_qkeras_model(quantizer), tmp_path / "hls4ml")
    pattern = rf"layer fc1 \(Dense\): weight type: hls4ml precision {words}.*only ap_fixed/ap_int"
    with pytest.raises(UnsupportedModelError, match=pattern):
        trace(hls_model)
    for arithmetic, reuse in (("da", 1), ("mac", 2)):
        spec = load(
            ROOT / "designs" / "jet_mlp.yaml",
            [f"firmware.arithmetic={arithmetic}", f"firmware.reuse_factor={reuse}"],
        )
        out = tmp_path / f"rtl-{arithmetic}"
        with pytest.raises(UnsupportedModelError, match=pattern):
            rtl(spec, Converted(model=hls_model, input_types=[], output_types=[]), out, None)
        assert not out.exists()


@pytest.fixture(scope="module")
def ternary_hls(tmp_path_factory):
    """The MLP with `ternary(alpha=1)` fc1 weights, converted by hls4ml and its C simulation compiled."""
    return _hls(
        _qkeras_model("ternary(alpha=1)"), tmp_path_factory.mktemp("ternary") / "hls4ml", compile=True
    )


def test_ternary_weights_are_bridged_exactly(ternary_hls):
    """QKeras `ternary` weights become hls4ml int<2> with its `weight_ternary` product (0, -a or a), the
    same bits as a * w: bridged, and exact against the C simulation."""
    hls_model = ternary_hls
    fc1 = next(layer for layer in hls_model.get_layers() if layer.name == "fc1")
    assert str(fc1.weights["weight"].type.precision) == "int<2>"
    assert set(np.unique(fc1.weights["weight"].data)) <= {-1, 0, 1}
    x = np.random.default_rng(3).normal(0, 2, size=(3000, 6)).astype(np.float32)
    expected, got = _compare(hls_model, trace(hls_model), x)
    assert len(np.unique(expected)) > 30 and int((expected != got).sum()) == 0


@pytest.mark.slow
def test_ternary_weights_are_bit_exact_on_verilator(ternary_hls, toolchain, tmp_path):
    """The ternary model's generated RTL (da4ml's Verilog in the stream wrapper) run on Verilator, its
    output words compared integer for integer with hls4ml's C simulation of the same inputs."""
    hls_model = ternary_hls
    traced = trace(hls_model)
    x = np.random.default_rng(5).normal(0, 2, size=(400, 6)).astype(np.float32)
    c_sim = np.asarray(hls_model.predict(x.astype(np.float64)), dtype=np.float64)
    expected = np.round(c_sim * 2.0**traced.output_type.frac).astype(np.int64)
    assert np.array_equal(expected / 2.0**traced.output_type.frac, c_sim)  # the codes are exact
    vectors = StreamVectors(
        traced.input_type.quantize(x),
        [traced.input_type.width] * 6,
        [traced.output_type.width] * 3,
        [traced.output_type.signed] * 3,
        expected,
    )
    design = write_da(traced, "ternary", tmp_path / "rtl", clock_ns=5.0)
    result = VerilatorSimulator(toolchain).run(SimJob(design.top, design.sources, tmp_path / "sim", vectors))
    rtl_words = np.asarray(result.outputs, dtype=np.int64)
    differ = int((rtl_words != expected).sum())
    print(
        f"ternary fc1 on Verilator vs hls4ml C simulation: {len(x)} vectors x 3 outputs, {differ} "
        f"mismatched words, {len(np.unique(expected))} distinct values; {result.comparison.summary()}"
    )
    assert rtl_words.shape == expected.shape == (400, 3)
    assert differ == 0 and result.comparison.mismatched_words == 0, result.comparison.summary()
    assert len(np.unique(expected)) > 30 and all(len(np.unique(column)) > 5 for column in expected.T)


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("ExponentPrecisionType", "power-of-two"),
        ("XnorPrecisionType", "XNOR binary"),
        ("FloatPrecisionType", "floating-point"),
        ("StandardFloatPrecisionType", "floating-point"),
        ("UnspecifiedPrecisionType", "unspecified precision"),
    ],
)
def test_every_non_fixed_hls4ml_type_is_named(kind, words):
    """hls4ml's own type objects, plain and as its Vitis backend wraps them (APExponentPrecisionType ...)."""
    from hls4ml.backends.fpga.fpga_types import APTypeConverter
    from hls4ml.model import types

    plain = getattr(types, kind)()
    variants = [plain]
    if kind not in ("StandardFloatPrecisionType", "UnspecifiedPrecisionType"):
        variants.append(APTypeConverter().convert(getattr(types, kind)()))
    for precision in variants:
        with pytest.raises(ValueError, match=rf"\({type(precision).__name__}\) is (a|an) {words}"):
            FixedType.from_hls4ml(precision)


def test_fixed_and_integer_types_still_read():
    from hls4ml.backends.fpga.fpga_types import APTypeConverter
    from hls4ml.model.types import FixedPrecisionType, IntegerPrecisionType

    ternary = APTypeConverter().convert(IntegerPrecisionType(2, signed=True))
    assert FixedType.from_hls4ml(ternary) == FixedType(2, 2, True)
    fixed = APTypeConverter().convert(FixedPrecisionType(10, 4, signed=False))
    assert FixedType.from_hls4ml(fixed) == FixedType(10, 4, False)
