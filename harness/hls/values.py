"""Reading the text of a report: the file itself, `Name: value` header lines, and the numbers and
times in its cells, as every report family writes them."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from harness.errors import ReportError
from harness.hls.record import Number

_QUANTITY = re.compile(r"^([-+]?(?:\d+\.?\d*|\.\d+))\s*([a-z]*)$")
_NS_PER_UNIT = {
    "ps": Decimal("0.001"),
    "ns": Decimal(1),
    "us": Decimal(1000),
    "ms": Decimal(10**6),
    "s": Decimal(10**9),
}
_BRACKETED = re.compile(r"\[[^\]]*\]")


def parse_number(text: Any) -> Number | None:
    """'7969' -> 7969, '4520.0' -> 4520, '127.5' -> 127.5, '79512 [ 6.86%]' -> 79512; '-', '?', 'N/A' -> None.

    Integral values become ints so that counts print and compare as counts.
    """
    if isinstance(text, bool) or text is None:
        return None
    if isinstance(text, int | float):
        return int(text) if float(text).is_integer() else float(text)
    cleaned = _BRACKETED.sub("", str(text)).strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not value.is_finite():
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def parse_ns(text: str | None, default_unit: str = "ns") -> float | None:
    """A time such as '50.000 ns', '5.220 us' or '5.00' (unit from the table header) in nanoseconds.

    Decimal arithmetic keeps '6.307 us' at exactly 6307.0 ns rather than 6306.999999.
    """
    if text is None:
        return None
    match = _QUANTITY.match(text.strip().lower())
    if not match:
        return None
    unit = match.group(2) or default_unit
    if unit not in _NS_PER_UNIT:
        return None
    return float(Decimal(match.group(1)) * _NS_PER_UNIT[unit])


def read_text(path: Path) -> str:
    """The file's text; an unreadable file is a refusal that names it, not a traceback."""
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError as err:
        raise ReportError(f"{path}: cannot read ({err.strerror or err})") from err


def header_field(text: str, name: str) -> str | None:
    """Value of a `* Name: value` (HLS) or `| Name : value` (Vivado) header line."""
    match = re.search(rf"^\s*[*|]\s*{re.escape(name)}\s*:\s*(.+?)\s*$", text, re.MULTILINE)
    return match.group(1) if match else None
