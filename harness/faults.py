"""Deliberate faults in the generated RTL: proof that verification catches a wrong design.

`HARNESS_INJECT_FAULT=rtl` makes the RTL generator of every design commit one realistic error, of the
kind a generator bug makes, while the bit-accurate reference (hls4ml's or conifer's C simulation)
stays as it is:

    nn, da4ml and MAC generators   every quantiser truncates (TRN) where hls4ml rounds
                                   (RND_CONV, RND, ...): a 1-LSB error on the ties and halves
    bdt                            every node splits with the other convention (`<=` where conifer
                                   uses `<`, or the reverse): wrong where a feature equals a threshold

With it, `harness evaluate` reports the mismatches and exits 1, a sweep never counts the design as
verified or puts it on the Pareto front, and `harness regress --update` refuses the baseline. Use it
to see the harness's failure paths work on your own designs (the tests do). The setting is part of
the design hash (so no cache mixes faulty and correct results), recorded in metrics.json as
`injected_fault`, and printed as a warning. Any other value is refused before any work.
"""

from __future__ import annotations

import os

from harness.errors import SpecError

#: The environment variable, and the faults it can name.
ENV = "HARNESS_INJECT_FAULT"
FAULTS = ("rtl",)


def injected() -> str | None:
    """The fault `HARNESS_INJECT_FAULT` asks for, or None (unset or empty).

    Raises SpecError naming the variable and the valid values for anything else.
    """
    value = os.environ.get(ENV) or None
    if value is not None and value not in FAULTS:
        raise SpecError(f"{ENV}={value!r} is not a fault; valid: {', '.join(FAULTS)} (or unset)")
    return value


def rounding_override() -> str | None:
    """The rounding mode the NN generators use instead of hls4ml's: TRN under the fault, else None."""
    return "TRN" if injected() == "rtl" else None


def split_convention(split: str) -> str:
    """The BDT comparison the generator writes for conifer's `split` (`<` or `<=`): the other one
    under the fault."""
    if injected() != "rtl":
        return split
    return {"<": "<=", "<=": "<"}[split]


def warning() -> str | None:
    """The metrics.json warning of a faulty design, or None."""
    fault = injected()
    if fault is None:
        return None
    return (
        f"{ENV}={fault}: this RTL was generated with a deliberate fault and must not match its reference "
        "(a test of the verification, not a design)"
    )
