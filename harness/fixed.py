"""Xilinx `ap_fixed` semantics in Python: types, and quantisation with every rounding/overflow mode.

hls4ml, conifer and the generated RTL all compute in ap_fixed arithmetic, so the harness needs the
exact same rules to drive the RTL with the codes hls4ml would see and to read its outputs back.
Values are held as integer codes: value = code * 2**-frac.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:  # untyped libraries (Any to mypy): the names say what a value holds
    from hls4ml.model.types import PrecisionType


ROUNDING_MODES = ("TRN", "TRN_ZERO", "RND", "RND_ZERO", "RND_INF", "RND_MIN_INF", "RND_CONV")
OVERFLOW_MODES = ("WRAP", "SAT", "SAT_ZERO", "SAT_SYM")

_PATTERN = re.compile(
    r"^\s*(?:ap_)?(?P<kind>u?fixed|u?int)\s*<\s*(?P<width>\d+)\s*(?:,\s*(?P<integer>-?\d+)\s*)?"
    r"(?:,\s*(?P<rounding>\w+)\s*)?(?:,\s*(?P<overflow>\w+)\s*)?(?:,\s*(?P<sat_bits>\d+)\s*)?>\s*$"
)


@dataclass(frozen=True)
class FixedType:
    """ap_fixed<width, integer, rounding, overflow> (integer bits include the sign bit when signed)."""

    width: int
    integer: int
    signed: bool = True
    rounding: str = "TRN"
    overflow: str = "WRAP"

    def __post_init__(self) -> None:
        if not 1 <= self.width <= 64:
            raise ValueError(f"fixed-point width {self.width} is not valid; must be 1..64")
        if self.rounding not in ROUNDING_MODES:
            raise ValueError(
                f"rounding mode {self.rounding!r} is not valid; must be one of {', '.join(ROUNDING_MODES)}"
            )
        if self.overflow not in OVERFLOW_MODES:
            raise ValueError(
                f"overflow mode {self.overflow!r} is not valid; must be one of {', '.join(OVERFLOW_MODES)}"
            )

    @classmethod
    def parse(cls, text: str) -> FixedType:
        """Parse hls4ml/Xilinx spellings.

        ap_fixed<16,6>, fixed<8,3,RND_CONV,SAT>, ap_ufixed<6,0,AP_RND,AP_SAT>, ap_int<8>, uint<4>.
        """
        match = _PATTERN.match(re.sub(r"\bAP_", "", str(text)))
        if not match:
            raise ValueError(
                f"precision {text!r} is not valid; write e.g. ap_fixed<16,6>, "
                "ap_fixed<8,3,RND_CONV,SAT>, ap_ufixed<6,0>, ap_int<8> or ap_uint<4>"
            )
        kind, width = match["kind"], int(match["width"])
        is_int = kind.endswith("int")
        if is_int and match["integer"] is not None and match["rounding"] is None:
            raise ValueError(f"precision {text!r} is not valid: ap_int/ap_uint take only a width")
        integer = width if is_int else int(match["integer"] if match["integer"] is not None else width)
        return cls(
            width,
            integer,
            signed=not kind.startswith("u"),
            rounding=match["rounding"] or "TRN",
            overflow=match["overflow"] or "WRAP",
        )

    @classmethod
    def from_hls4ml(cls, precision: PrecisionType) -> FixedType:
        """From an hls4ml FixedPrecisionType/IntegerPrecisionType (its modes may be enums or None).

        Any other hls4ml precision type (power-of-two exponent, XNOR binary, float, unspecified) is a
        ValueError naming it: several carry `width`/`integer` attributes whose codes mean something else
        (an XNOR bit 0 is -1), so reading them as ap_fixed would be silently wrong.
        """
        kinds = {c.__name__ for c in type(precision).__mro__}
        if not kinds & {"FixedPrecisionType", "IntegerPrecisionType"} or kinds & set(NOT_FIXED):
            raise ValueError(_not_fixed(precision, kinds))

        def mode(value: object, default: str) -> str:
            if value is None:
                return default
            return getattr(value, "name", str(value)).upper()

        return cls(
            int(precision.width),
            int(precision.integer),
            bool(precision.signed),
            mode(getattr(precision, "rounding_mode", None), "TRN"),
            mode(getattr(precision, "saturation_mode", None), "WRAP"),
        )

    @property
    def frac(self) -> int:
        return self.width - self.integer

    @property
    def min_code(self) -> int:
        return -(1 << (self.width - 1)) if self.signed else 0

    @property
    def max_code(self) -> int:
        return (1 << (self.width - 1)) - 1 if self.signed else (1 << self.width) - 1

    def __str__(self) -> str:
        base = f"ap_{'' if self.signed else 'u'}fixed<{self.width},{self.integer}"
        if (self.rounding, self.overflow) != ("TRN", "WRAP"):
            base += f",{self.rounding},{self.overflow}"
        return base + ">"

    def to_float(self, codes: npt.ArrayLike) -> np.ndarray:
        return np.asarray(codes, dtype=np.float64) * 2.0**-self.frac

    def quantize(self, values: np.ndarray) -> np.ndarray:
        """Float values -> integer codes, as `ap_fixed<...>(double)` does (exact for |code| < 2**52)."""
        scaled = np.asarray(values, dtype=np.float64) * 2.0**self.frac
        return self.overflow_codes(_round_scaled(scaled, self.rounding))

    def requantize(self, codes: np.ndarray, frac: int) -> np.ndarray:
        """Integer codes with `frac` fractional bits -> codes of this type (exact integer arithmetic)."""
        codes = np.asarray(codes, dtype=np.int64)
        shift = frac - self.frac
        if shift <= 0:
            return self.overflow_codes(codes << -shift)
        return self.overflow_codes(_round_shift(codes, shift, self.rounding))

    def overflow_codes(self, codes: np.ndarray) -> np.ndarray:
        codes = np.asarray(codes, dtype=np.int64)
        lo, hi = self.min_code, self.max_code
        if self.overflow == "WRAP":
            span = 1 << self.width
            return ((codes - lo) % span) + lo
        if self.overflow == "SAT":
            return np.clip(codes, lo, hi)
        if self.overflow == "SAT_SYM":
            return np.clip(codes, -hi if self.signed else 0, hi)
        return np.where((codes < lo) | (codes > hi), 0, codes)  # SAT_ZERO


#: hls4ml precision types that are not ap_fixed/ap_int, and what their codes mean (why none is ap_fixed).
NOT_FIXED = {
    "ExponentPrecisionType": "a power-of-two weight (QKeras quantized_po2/quantized_relu_po2): hls4ml stores "
    "a sign bit and an exponent and multiplies by shifting",
    "XnorPrecisionType": "an XNOR binary value (QKeras binary/stochastic_binary with 1 bit): code 0 means -1 "
    "and products are XNORs",
    "FloatPrecisionType": "a floating-point type",
    "StandardFloatPrecisionType": "a floating-point type",
    "UnspecifiedPrecisionType": "an unspecified precision that hls4ml did not infer; give the layer an "
    "explicit precision in the hls4ml configuration",
}


def _not_fixed(precision: PrecisionType, kinds: set[str]) -> str:
    name = type(precision).__name__
    meaning = next((NOT_FIXED[k] for k in NOT_FIXED if k in kinds), "not a fixed-point type")
    return (
        f"hls4ml precision {precision} ({name}) is {meaning}; only ap_fixed/ap_int types "
        "(hls4ml FixedPrecisionType, IntegerPrecisionType) are supported"
    )


def _round_scaled(scaled: np.ndarray, mode: str) -> np.ndarray:
    """Round real values (already scaled to the target grid) to integers by an ap_fixed rounding mode."""
    floor = np.floor(scaled)
    frac = scaled - floor
    half = frac == 0.5
    if mode == "TRN":
        out = floor
    elif mode == "TRN_ZERO":
        out = np.trunc(scaled)
    elif mode == "RND":
        out = np.floor(scaled + 0.5)
    elif mode == "RND_CONV":
        out = np.where(half, floor + (floor % 2), np.floor(scaled + 0.5))
    elif mode == "RND_ZERO":
        out = np.where(half, np.where(scaled < 0, floor + 1, floor), np.floor(scaled + 0.5))
    elif mode == "RND_INF":
        out = np.where(half, np.where(scaled < 0, floor, floor + 1), np.floor(scaled + 0.5))
    else:  # RND_MIN_INF
        out = np.where(half, floor, np.floor(scaled + 0.5))
    return out.astype(np.int64)


def _round_shift(codes: np.ndarray, shift: int, mode: str) -> np.ndarray:
    """Drop `shift` low bits of integer codes with an ap_fixed rounding mode (exact)."""
    floor = codes >> shift
    rem = codes - (floor << shift)
    half = 1 << (shift - 1)
    up = rem > half
    tie = rem == half
    if mode == "TRN":
        return floor
    if mode == "TRN_ZERO":
        return np.where((codes < 0) & (rem != 0), floor + 1, floor)
    tie_up = {
        "RND": tie,
        "RND_CONV": tie & (floor % 2 == 1),
        "RND_ZERO": tie & (codes < 0),
        "RND_INF": tie & (codes >= 0),
        "RND_MIN_INF": np.zeros_like(tie),
    }[mode]
    return floor + (up | tie_up)
