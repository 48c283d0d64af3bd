"""The size guard's estimate (`harness.nn.size`) against da4ml's own, and its refusal.

The estimate is read from the converted model's weights and types in well under a second; da4ml's
`comb.cost` needs the whole network solved. On the small random networks here they agree within 1.5x
(measured: da4ml 1.20x and 1.14x the estimate); the calibration on full-size networks is in `ADDER_SHARE`'s
comment, and tests/nn/test_pretrained_onnx.py compares both numbers on a 16-64-32-32-5 model.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from harness.nn import size
from harness.nn.bridge import trace
from harness.spec import SpecError, from_dict

from .conftest import small_hls_model

#: The estimate is this close to da4ml's cost model on the networks below, either way.
FACTOR = 1.5


def test_csd_digits_are_the_fewest_signed_powers_of_two():
    """7 = 8 - 1 (2 digits), 11 = 16 - 4 - 1 (3), 0b1010101 (4, no two adjacent), signs ignored."""
    codes = np.array([0, 1, 2, 3, 5, 7, 11, 15, -15, 0b1010101, 0b1111111, -(2**20) + 1])
    assert size.csd_digits(codes).tolist() == [0, 1, 1, 2, 2, 2, 3, 2, 2, 4, 2, 2]


@pytest.mark.parametrize(
    ("sizes", "weight", "accum"),
    [
        ((16, 24, 8, 4), "fixed<8,3>", None),
        ((16, 32, 16, 5), "fixed<10,4>", None),
        ((16, 24, 8, 4), "fixed<8,3>", "fixed<12,5>"),
    ],
    ids=["16-24-8-4-w8", "16-32-16-5-w10", "16-24-8-4-w8-narrow-accumulator"],
)
def test_estimate_is_within_a_factor_of_da4mls_cost(tmp_path, toolchain, sizes, weight, accum):
    """Random float networks (ReLU, input fixed<12,4>): the estimate, from weights and types alone,
    within FACTOR of da4ml's `comb.cost` of the traced network, with hls4ml's inferred (exact)
    accumulators, which da4ml optimises layer by layer, and with narrow ones, traced product by
    product (4x the LUTs of the exact path on hls4ml's KERAS_3layer)."""
    from da4ml.trace import comb_trace

    precisions = {f"dense_{i}": {"weight": weight, "bias": weight} for i in range(len(sizes) - 1)}
    if accum is not None:
        for precision in precisions.values():
            precision["accum"] = accum
    hls_model = small_hls_model(tmp_path, 1, sizes, precisions, compile=False)
    start = time.monotonic()
    estimate = size.estimate_unrolled(hls_model)
    seconds = time.monotonic() - start
    traced = trace(hls_model, toolchain=toolchain)
    da4ml = float(comb_trace(traced.inputs, traced.outputs).cost)
    print(f"{sizes} {weight}: estimate {estimate} LUT in {seconds:.2f} s, da4ml {da4ml:.0f}")
    assert 1 / FACTOR < da4ml / estimate < FACTOR, (estimate, da4ml)
    assert seconds < 1


def spec(**verify) -> object:
    return from_dict(
        {"name": "big", "kind": "nn", "model": {"pretrained": "big.onnx"}, "verify": verify},
    )


def test_check_refuses_above_the_limit_only():
    """Up to the limit nothing happens; above it one SpecError names the estimate and its method, the
    limit (default or set) and the three ways to fit."""
    precisions = {"fc": {"weight": "ap_fixed<16,6>", "bias": "ap_fixed<16,6>", "accum": "ap_fixed<39,19>"}}
    size.check(spec(), 100_000, "estimate: test", precisions)
    size.check(spec(max_rtl_lut=200_000), 150_000, "estimate: test", precisions)
    with pytest.raises(SpecError) as refused:
        size.check(spec(), 128_014, "estimate: test", precisions)
    message = str(refused.value)
    assert "\n" not in message
    assert "design big: model.pretrained big.onnx at firmware.default_precision ap_fixed<16,6>" in message
    assert "(weights ap_fixed<16,6>, accumulators up to 39 bits), reuse factor 1 (da4ml" in message
    assert "~128014 LUT (estimate: test), above verify.max_rtl_lut 100000 (the default)" in message
    assert "firmware.reuse_factor" in message and "--set verify.max_rtl_lut=150000" in message
    with pytest.raises(SpecError, match=r"above verify.max_rtl_lut 1000: "):
        size.check(spec(max_rtl_lut=1000), 1001, "estimate: test", precisions)
