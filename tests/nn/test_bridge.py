"""The hls4ml -> da4ml bridge against hls4ml's C simulation, across types and modes.

These run da4ml's own interpreter of the traced computation (the same graph its Verilog is written
from), so they check the bridge's semantics quickly; the RTL itself is checked on Verilator in
test_flow.py.
"""

import numpy as np
import pytest

from harness.fixed import FixedType
from harness.nn.bridge import trace
from harness.nn.types import UnsupportedModelError

from .conftest import small_hls_model

CASES = {
    # QKeras-like: exact accumulator, unsigned saturating round-half-even activations
    "qkeras_like": {
        "dense_0": {"weight": "fixed<6,1>", "bias": "fixed<6,1>", "result": "fixed<14,6>"},
        "relu_0": {"result": "ufixed<6,0,RND_CONV,SAT>"},
        "dense_1": {"weight": "fixed<6,1>", "bias": "fixed<6,1>", "result": "fixed<12,5,RND_CONV,SAT>"},
    },
    # hls4ml defaults for a float model: products truncated into a narrow wrapping accumulator
    "narrow_wrapping_accumulator": {
        name: {
            "weight": "fixed<10,3>",
            "bias": "fixed<10,3>",
            "accum": "fixed<12,4>",
            "result": "fixed<12,4>",
        }
        for name in ("dense_0", "dense_1")
    }
    | {"relu_0": {"result": "fixed<12,4>"}},
    # a saturating accumulator: order of accumulation matters
    "saturating_accumulator": {
        "dense_0": {
            "weight": "fixed<8,2>",
            "bias": "fixed<8,2>",
            "accum": "fixed<10,3,RND,SAT>",
            "result": "fixed<9,3,RND_ZERO,SAT_SYM>",
        },
        "relu_0": {"result": "ufixed<7,2,RND_INF,SAT>"},
        "dense_1": {
            "weight": "fixed<8,2>",
            "bias": "fixed<8,2>",
            "accum": "fixed<11,4,TRN,SAT>",
            "result": "fixed<8,3,RND_MIN_INF,WRAP>",
        },
    },
    # wrap-around results and toward-zero truncation
    "wrapping_results": {
        "dense_0": {"weight": "fixed<7,2>", "bias": "fixed<7,2>", "result": "fixed<6,2,TRN_ZERO,WRAP>"},
        "relu_0": {"result": "ufixed<5,1,RND,WRAP>"},
        "dense_1": {"weight": "fixed<7,2>", "bias": "fixed<7,2>", "result": "fixed<7,2,RND_CONV,WRAP>"},
    },
}


def _compare(hls_model, traced, x):
    from da4ml.trace import comb_trace

    x_codes = traced.input_type.quantize(x)
    x = np.ascontiguousarray(x, dtype=np.float32).astype(np.float64)  # float32 values, double outputs
    expected = np.asarray(hls_model.predict(x), dtype=np.float64)
    comb = comb_trace(traced.inputs, traced.outputs)
    got = np.asarray(comb.predict(traced.input_type.to_float(x_codes)), dtype=np.float64).reshape(
        expected.shape
    )
    scale = 2.0**traced.output_type.frac
    return np.round(expected * scale).astype(np.int64), np.round(got * scale).astype(np.int64)


@pytest.mark.parametrize("case", sorted(CASES))
def test_bridge_matches_hls4ml_c_simulation(case, tmp_path):
    seed = sorted(CASES).index(case)
    hls_model = small_hls_model(tmp_path, seed, (6, 12, 4), CASES[case])
    traced = trace(hls_model)
    x = np.random.default_rng(seed).normal(0, 3, size=(3000, 6)).astype(np.float32)
    expected, got = _compare(hls_model, traced, x)
    bad = np.flatnonzero((expected != got).any(axis=1))
    assert bad.size == 0, (
        f"{case}: {bad.size} vectors differ; first: inputs {x[bad[0]]} hls4ml {expected[bad[0]]} "
        f"bridge {got[bad[0]]}"
    )
    # the case really exercises its modes: outputs are not all equal, and some hit the type's range limits
    assert len(np.unique(expected)) > 10


def test_wrong_rounding_is_visible(tmp_path):
    """Truncating where hls4ml rounds half to even changes outputs: the comparison above has teeth."""
    hls_model = small_hls_model(tmp_path, 0, (6, 12, 4), CASES["qkeras_like"])
    x = np.random.default_rng(0).normal(0, 3, size=(3000, 6)).astype(np.float32)
    expected, got = _compare(hls_model, trace(hls_model, rounding_override="TRN"), x)
    assert (expected != got).any(axis=1).sum() > 10


def test_unsupported_layer_is_named(tmp_path):
    import hls4ml
    import tensorflow as tf

    model = tf.keras.Sequential(
        [
            tf.keras.layers.Dense(4, input_shape=(3,), name="d"),
            tf.keras.layers.Activation("softplus", name="act"),
        ]
    )
    hls_model = hls4ml.converters.convert_from_keras_model(
        model,
        hls_config=hls4ml.utils.config_from_keras_model(model, granularity="name"),
        output_dir=str(tmp_path / "h"),
        backend="Vitis",
        io_type="io_parallel",
    )
    with pytest.raises(UnsupportedModelError, match=r"layer act \(Activation 'softplus'\) is not supported"):
        trace(hls_model)


def test_output_type_recorded():
    assert FixedType.parse("fixed<12,5,RND_CONV,SAT>").rounding == "RND_CONV"
