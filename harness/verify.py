"""Bit-exact comparison of RTL outputs with a reference emulation.

Both sides are integer codes (the fixed-point value times 2**fractional_bits). Bit-exact means
equal integers, so there is no tolerance here; tolerances belong only to comparisons with the float
model and live where those comparisons are made.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Mismatch:
    """One vector whose RTL output differs from the reference in at least one element."""

    index: int
    inputs: list[int]
    expected: list[int]
    got: list[int]

    def describe(self) -> str:
        return f"vector {self.index}: inputs={self.inputs} expected={self.expected} rtl={self.got}"


@dataclass
class Comparison:
    vectors: int
    mismatched_vectors: int
    mismatched_words: int
    first: list[Mismatch] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        return self.mismatched_words == 0 and self.vectors > 0

    def summary(self) -> str:
        head = (
            f"{self.mismatched_words} mismatched output words in {self.mismatched_vectors} of "
            f"{self.vectors} vectors"
        )
        return "\n".join([head, *("  " + m.describe() for m in self.first)])


def compare(inputs: np.ndarray, expected: np.ndarray, got: np.ndarray, keep: int = 5) -> Comparison:
    """Count mismatching output words between two integer arrays of shape (vectors, outputs)."""
    expected = np.asarray(expected, dtype=object)
    got = np.asarray(got, dtype=object)
    if expected.shape != got.shape:
        raise ValueError(f"shape mismatch: reference {expected.shape} vs RTL {got.shape}")
    diff = expected != got
    bad_rows = np.flatnonzero(diff.any(axis=1))
    first = [
        Mismatch(int(i), [int(v) for v in inputs[i]], [int(v) for v in expected[i]], [int(v) for v in got[i]])
        for i in bad_rows[:keep]
    ]
    return Comparison(
        vectors=int(expected.shape[0]),
        mismatched_vectors=int(bad_rows.size),
        mismatched_words=int(diff.sum()),
        first=first,
    )
