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
from harness.nn.rtl import rtl
from harness.nn.types import UnsupportedModelError
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


def test_ternary_weights_are_bridged_exactly(tmp_path):
    """QKeras `ternary` weights become hls4ml int<2> with its `weight_ternary` product (0, -a or a), the
    same bits as a * w: bridged, and exact against the C simulation."""
    hls_model = _hls(_qkeras_model("ternary(alpha=1)"), tmp_path / "hls4ml", compile=True)
    fc1 = next(layer for layer in hls_model.get_layers() if layer.name == "fc1")
    assert str(fc1.weights["weight"].type.precision) == "int<2>"
    assert set(np.unique(fc1.weights["weight"].data)) <= {-1, 0, 1}
    x = np.random.default_rng(3).normal(0, 2, size=(3000, 6)).astype(np.float32)
    expected, got = _compare(hls_model, trace(hls_model), x)
    assert len(np.unique(expected)) > 30 and int((expected != got).sum()) == 0


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
