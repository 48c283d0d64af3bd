"""Compare a build's reports against a stored baseline with hls4ml's CI tolerances.

hls4ml's synthesis tests keep one `build()` result per test as a baseline and fail when a new build
drifts beyond relative tolerances. The same check is useful for any design point, so this module
applies it to two normalised `VendorReport`s, whichever files they came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from harness.hls.build_dict import is_build_dict, load_json, parse_build_dict
from harness.hls.record import MalformedReportError, VendorReport

CLOCK_TOLERANCE = 0.01
LATENCY_TOLERANCE = 0.02
RESOURCE_TOLERANCE = 0.10
# Float noise allowance, so that a change of exactly the tolerance is still within it.
_EPSILON = 1e-9


class Direction(Enum):
    LOWER_IS_BETTER = "lower is better"  # a larger value is a regression, a smaller one an improvement
    MUST_MATCH = "must match"  # a setting (target clock, device capacity): any drift is a regression


@dataclass(frozen=True)
class Rule:
    group: str
    key: str | None  # None: every value of the group that the baseline has
    tolerance: float
    direction: Direction


RULES = (
    Rule("clock", "target_ns", CLOCK_TOLERANCE, Direction.MUST_MATCH),
    Rule("clock", "estimated_ns", CLOCK_TOLERANCE, Direction.LOWER_IS_BETTER),
    Rule("latency", None, LATENCY_TOLERANCE, Direction.LOWER_IS_BETTER),
    Rule("ii", None, LATENCY_TOLERANCE, Direction.LOWER_IS_BETTER),
    Rule("hls_resources", None, RESOURCE_TOLERANCE, Direction.LOWER_IS_BETTER),
    Rule("available", None, RESOURCE_TOLERANCE, Direction.MUST_MATCH),
    Rule("synth_resources", None, RESOURCE_TOLERANCE, Direction.LOWER_IS_BETTER),
)


@dataclass(frozen=True)
class FieldComparison:
    field: str
    baseline: Any
    new: Any
    change: float | None  # (new - baseline) / baseline; None if not numeric or from 0 to non-zero
    tolerance: float | None
    verdict: str  # ok / regression / improvement / missing


def load_baseline(path: Path) -> VendorReport:
    """A baseline is an hls4ml build() result dict or the output of `harness vendor-report --json`."""
    data = load_json(path)
    if is_build_dict(data):
        return parse_build_dict(data, path)
    if isinstance(data, dict) and {"tool", "hls_resources"} <= data.keys():
        try:
            return VendorReport.from_dict(data)
        except (TypeError, AttributeError, ValueError) as err:  # a group that is not an object
            raise MalformedReportError(path, f"not a `harness vendor-report --json` output ({err})") from err
    raise MalformedReportError(
        path,
        "neither an hls4ml build() result ('CSynthesisReport' or 'report' key) "
        "nor a `harness vendor-report --json` output ('tool' and 'hls_resources' keys)",
    )


def _compare_number(name: str, old: float, new: float | None, rule: Rule) -> FieldComparison:
    if new is None:
        return FieldComparison(name, old, None, None, rule.tolerance, "missing")
    diff = new - old
    change = diff / abs(old) if old else (0.0 if diff == 0 else None)
    if abs(diff) <= rule.tolerance * abs(old) + _EPSILON:
        verdict = "ok"
    elif rule.direction is Direction.MUST_MATCH or diff > 0:
        verdict = "regression"
    else:
        verdict = "improvement"
    return FieldComparison(name, old, new, change, rule.tolerance, verdict)


def _compare_cosim(old: str, new: str | None) -> FieldComparison:
    if new is None:
        verdict = "missing"
    elif new == old:
        verdict = "ok"
    else:
        verdict = "regression" if new == "fail" else "improvement"
    return FieldComparison("cosim.status", old, new, None, None, verdict)


def compare_reports(baseline: VendorReport, new: VendorReport) -> list[FieldComparison]:
    """One comparison per value the baseline states (as hls4ml iterates over the baseline's keys)."""
    old_data, new_data = baseline.to_dict(), new.to_dict()
    rows = []
    for rule in RULES:
        old_group = old_data.get(rule.group) or {}
        new_group = new_data.get(rule.group) or {}
        for key in [rule.key] if rule.key else list(old_group):
            old = old_group.get(key)
            if old is not None:
                rows.append(_compare_number(f"{rule.group}.{key}", old, new_group.get(key), rule))
    if baseline.cosim.status is not None:
        rows.append(_compare_cosim(baseline.cosim.status, new.cosim.status))
    return rows


def has_regression(rows: list[FieldComparison]) -> bool:
    return any(row.verdict == "regression" for row in rows)
