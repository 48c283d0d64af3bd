"""Spec fields' metadata: each field's documentation and its value check, read by the loader.

A field of a spec dataclass carries `metadata=doc(text, check)`: the loader (`harness.spec.loader`)
lists `doc` for an unknown key and calls `check` on each given value; a check returns None for a valid
value, or what would be valid.
"""

from __future__ import annotations

import typing
from typing import Any


def doc(text: str, check: typing.Callable[[Any], str | None] | None = None) -> dict:
    return {"doc": text, "check": check}


def positive(value: Any) -> str | None:
    return None if value > 0 else "must be > 0"


def fraction(value: Any) -> str | None:
    return None if 0 <= value < 1 else "must be in [0, 1)"


def bits(value: Any) -> str | None:
    return None if 1 <= value <= 32 else "must be between 1 and 32"


def one_of(*choices: str) -> typing.Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        return None if value in choices else f"must be one of {', '.join(map(repr, choices))}"

    return check


def layer_widths(value: list[int]) -> str | None:
    return (
        None if value and all(v > 0 for v in value) else "must be a non-empty list of positive layer widths"
    )


def precision(value: str | None) -> str | None:
    if value is None:
        return None
    from harness.fixed import FixedType

    try:
        FixedType.parse(value)
    except ValueError as exc:
        return str(exc)
    return None


def column_names(value: list[str]) -> str | None:
    if not value or not all(isinstance(v, str) and v for v in value):
        return "must be a non-empty list of column (or branch) names"
    duplicates = sorted({v for v in value if value.count(v) > 1})
    return f"names {', '.join(duplicates)} more than once" if duplicates else None
