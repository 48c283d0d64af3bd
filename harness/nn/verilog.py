"""Verilog text for hls4ml's fixed-point arithmetic: signal formats, constants and ap_fixed casts.

Used by the MAC generator (`harness.nn.mac`) and the element-wise layers it folds into its output
stage (`harness.nn.elementwise`). A cast (`cast_lines`) is ap_fixed assignment with the destination's
rounding and overflow modes, in plain Verilog wires.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from harness.fixed import FixedType

#: Rounding: the condition, on the dropped bits, for adding one LSB to the floor (as `fixed._round_shift`).
#: half: the first dropped bit; rest: any lower dropped bit; neg: the sign; lsb: the lowest kept bit.
_ROUND_UP = {
    "TRN": "1'b0",
    "RND": "half",
    "RND_CONV": "half & (rest | lsb)",
    "RND_ZERO": "half & (rest | neg)",
    "RND_INF": "half & (rest | ~neg)",
    "RND_MIN_INF": "half & rest",
    "TRN_ZERO": "neg & (half | rest)",
}


@dataclass(frozen=True)
class Fmt:
    """How a Verilog signal's bits encode a value: an integer code of `width` bits, times 2**-frac."""

    width: int
    frac: int
    signed: bool

    @classmethod
    def of(cls, t: FixedType) -> Fmt:
        return cls(t.width, t.frac, t.signed)

    @property
    def fixed(self) -> FixedType:
        """The ap_fixed type these bits hold (its code range, min_code/max_code, is the signal's)."""
        return FixedType(self.width, self.width - self.frac, self.signed)

    @property
    def signed_width(self) -> int:
        """Width of the signal as a signed operand (unsigned signals gain a zero sign bit)."""
        return self.width + (0 if self.signed else 1)


def lit(code: int, width: int) -> str:
    """A signed constant as its two's-complement bit pattern (valid for any code that fits `width`)."""
    return f"$signed({width}'h{code & ((1 << width) - 1):x})"


def bits(code: int, width: int) -> str:
    return f"{width}'h{code & ((1 << width) - 1):x}"


def signed_operand(name: str, expr: str, fmt: Fmt) -> str:
    """Declare `name` as the signed form of an element (unsigned ones get a zero sign bit)."""
    value = expr if fmt.signed else f"{{1'b0, {expr}}}"
    return f"    wire signed [{fmt.signed_width - 1}:0] {name} = {value};"


def cast_lines(out: str, src: str, fmt: Fmt, dst: FixedType) -> list[str]:
    """Verilog for `out = dst(src)`: ap_fixed assignment with dst's rounding and overflow modes.

    Declares `out` as a `dst.width`-bit wire holding dst's code; helper wires are prefixed `out_`.
    """
    lines = [signed_operand(f"{out}_v", src, fmt)]
    width, shift = fmt.signed_width, fmt.frac - dst.frac
    if shift <= 0:  # no bits dropped: exact, just scaled
        r_width = width - shift
        lines.append(
            f"    wire signed [{r_width - 1}:0] {out}_r = "
            + (f"{{{out}_v, {-shift}'d0}};" if shift < 0 else f"{out}_v;")
        )
    else:
        padded = max(width, shift + 2)  # keep a sign bit and one bit above the dropped ones
        lines.append(f"    wire signed [{padded - 1}:0] {out}_p = {out}_v;")
        floor_w = padded - shift
        terms = {
            "half": f"{out}_p[{shift - 1}]",
            "rest": f"(|{out}_p[{shift - 2}:0])" if shift >= 2 else "1'b0",
            "neg": f"{out}_p[{padded - 1}]",
            "lsb": f"{out}_p[{shift}]",
        }
        up_expr = re.sub(r"half|rest|neg|lsb", lambda m: terms[m.group(0)], _ROUND_UP[dst.rounding])
        r_width = floor_w + 1
        lines.append(
            f"    wire signed [{r_width - 1}:0] {out}_r = $signed({out}_p[{padded - 1}:{shift}]) + "
            f"$signed({{1'b0, {up_expr}}});"
        )
    lines.append(f"    wire [{dst.width - 1}:0] {out};")
    lines.append(f"    assign {out} = {_overflow(f'{out}_r', r_width, dst)};")
    return lines


def _overflow(r: str, r_width: int, dst: FixedType) -> str:
    """The expression taking signed `r` into dst's range by dst's overflow mode.

    Range checks look at the bits above dst's width (all copies of the sign for a signed dst, all zero
    for an unsigned one) rather than comparing with constants, which would cost a carry chain each.
    """
    w, neg = dst.width, f"{r}[{r_width - 1}]"
    low_bits = f"{r}[{w - 1}:0]" if r_width >= w else f"{{{{{w - r_width}{{{neg}}}}}, {r}}}"
    if dst.overflow == "WRAP":
        return low_bits
    if dst.signed:
        upper = f"{r}[{r_width - 1}:{w - 1}]"
        outside = f"~(&{upper} | ~|{upper})" if r_width > w else "1'b0"
    else:
        outside = f"({neg} | (|{r}[{r_width - 2}:{w}]))" if r_width - 1 > w else neg
    if dst.overflow == "SAT_ZERO":
        return f"{outside} ? {w}'d0 : {low_bits}"
    lo = dst.min_code
    if dst.overflow == "SAT_SYM" and dst.signed:  # the most negative code is out of range too
        outside, lo = f"({outside} | {low_bits} == {bits(dst.min_code, w)})", -dst.max_code
    return f"{outside} ? ({neg} ? {bits(lo, w)} : {bits(dst.max_code, w)}) : {low_bits}"
