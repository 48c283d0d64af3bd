"""hls4ml's ap_fixed assignment on da4ml's traced values: exact rounding, then the overflow mode.

da4ml offers only truncation and round-half-up; every other ap_fixed rounding mode is built exactly
from truncations (see `_round_adjust`). Used by the RTL bridge (`harness.nn.bridge`) and the layers
it traces (`harness.nn.elementwise`, `harness.nn.softmax`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from harness.fixed import FixedType
from harness.nn.types import UnsupportedModelError

if TYPE_CHECKING:  # untyped libraries (Any to mypy): the names say what a value holds
    from da4ml.trace import FixedVariable, FixedVariableArray


def kif(t: FixedType) -> tuple[int, int, int]:
    """da4ml's (keep_negative, integer bits excluding sign, fractional bits) of an ap_fixed type."""
    return int(t.signed), t.integer - int(t.signed), t.frac


def cast(x: FixedVariableArray, t: FixedType) -> FixedVariableArray:
    """ap_fixed assignment `t(x)` on a da4ml array: exact rounding, then the overflow mode."""
    from da4ml.trace import FixedVariableArray

    return FixedVariableArray(
        np.array([cast_var(v, t) for v in np.ravel(x._vars)], dtype=object).reshape(np.shape(x._vars)),  # noqa: SLF001
        x.solver_options,
    )  # noqa: SLF001


def cast_var(v: FixedVariable, t: FixedType) -> FixedVariable:
    k, i, f = kif(t)
    return (v + _round_adjust(v, t.rounding, f)).quantize(k, i, f, t.overflow, "TRN")


def _round_adjust(v: FixedVariable, mode: str, f: int) -> FixedVariable | float:
    """What to add to `v` so that truncation to `f` fractional bits rounds by `mode`.

    With e the finest step of v and h half a step of the target grid:
      RND  +h;  RND_MIN_INF +h-e;  RND_CONV +h-e+lsb*e (lsb: the kept least significant bit, so ties
      go to even);  RND_INF +h-sign*e;  RND_ZERO +h-e+sign*e;  TRN_ZERO +sign*(2h-e).
    """
    _, i_v, f_v = (int(a) for a in v.kif)
    if mode == "TRN" or f_v <= f or v.low == v.high and frac_bits(float(v.low)) <= f:
        return 0.0
    half, eps = 2.0 ** -(f + 1), 2.0**-f_v
    if mode == "RND":
        return half
    if mode == "RND_MIN_INF":
        return half - eps
    if mode == "RND_CONV":
        lsb = v.quantize(0, 1 - f, f, "WRAP", "TRN")  # {0, 2**-f}: the bit that decides even/odd
        return lsb * (eps / 2.0**-f) + (half - eps)
    sign = v.quantize(1, i_v, -i_v, "WRAP", "TRN") * (-(2.0**-i_v)) if v.low < 0 else 0.0  # {0, 1}
    if mode == "RND_INF":
        return sign * (-eps) + half if v.low < 0 else half
    if mode == "RND_ZERO":
        return sign * eps + (half - eps) if v.low < 0 else half - eps
    if mode == "TRN_ZERO":
        return sign * (2 * half - eps) if v.low < 0 else 0.0
    raise UnsupportedModelError(f"rounding mode {mode} is not supported")


def frac_bits(value: float) -> int:
    """Fractional bits needed to hold `value` exactly."""
    f = 0
    while value != np.floor(value) and f < 64:
        value *= 2
        f += 1
    return f


def products_exact(acc: FixedType, x_frac: int, w: np.ndarray) -> bool:
    """Whether a dense layer's accumulator `acc` wraps and holds every product of an input with
    `x_frac` fractional bits and a weight of `w` exactly: then the bridge sums the layer whole in
    da4ml's constant-matrix optimiser, else product by product (`harness.nn.size` counts both)."""
    w_frac = max((frac_bits(v) for v in np.ravel(w)), default=0)
    return acc.overflow == "WRAP" and acc.frac >= x_frac + w_frac
