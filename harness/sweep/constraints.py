"""The constraints a study's trials carry: named, computed and decoded in this module only.

Each constraint is stored on its trial as value - limit (Optuna's `constraints`, feasible when <= 0;
and the trial's `constraints` attribute, where None means the record does not know the value yet,
which is not a violation):

- `latency_budget`: the latency in ns minus the budget (µs x 1000);
- `<device>_<resource>`: the design's use of `resource` (lut, ff, dsp; bram in 18 Kb blocks) minus
  the device's capacity;
- `limit_<metric>`: a metric (any name `harness.sweep.objectives.measure` knows) minus the sweep's
  limit on it;
- `rtl_mismatches`: the RTL's output words that differ from the reference (any is a violation).

The sweep's trials (`harness.sweep.evaluator`) and imported vendor points (`harness.report.vendor`)
compute them with `evaluate`; `satisfied` says whether a point is inside them all; the report
(`harness.report.study`) reads the study's devices and limits back from the names with `device_of`
and `limit_metric`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from harness.devices import RESOURCES

LATENCY_BUDGET = "latency_budget"
RTL_MISMATCHES = "rtl_mismatches"
_LIMIT = "limit_"


def device_constraint(device: str, resource: str) -> str:
    """The name of the constraint of `resource` (one of `harness.devices.RESOURCES`) on `device`."""
    return f"{device}_{resource}"


def limit_constraint(metric: str) -> str:
    """The name of the constraint of the sweep's limit on `metric`."""
    return f"{_LIMIT}{metric}"


def limit_metric(name: str) -> str | None:
    """The metric a `limit_<metric>` constraint limits; None for any other constraint."""
    return name[len(_LIMIT) :] if name.startswith(_LIMIT) else None


def device_of(name: str) -> str | None:
    """The device a `<device>_<resource>` constraint is on; None for any other constraint."""
    device, _, resource = name.rpartition("_")
    return device if device and resource in RESOURCES and limit_metric(name) is None else None


@dataclass(frozen=True)
class Bounds:
    """What a study constrains: the latency budget in µs (None: none), each device's capacity per
    resource (None for a device whose capacity is unknown: its constraints are then unknown too; a
    resource missing from the mapping is unknown likewise) and the limits per metric."""

    budget_us: float | None = None
    devices: Mapping[str, Mapping[str, float | None] | None] = field(default_factory=dict)
    limits: Mapping[str, float] = field(default_factory=dict)


def evaluate(
    bounds: Bounds, value: Callable[[str], float | None], mismatches: int | None
) -> dict[str, float | None]:
    """Constraint name -> value - limit (feasible when <= 0; None when the value or the limit is
    unknown). `value(metric)` gives a metric of the design point (`latency.ns`, `resources.<resource>`,
    each limited metric) or None when the point does not know it; `mismatches` is None before the RTL
    was simulated."""
    result: dict[str, float | None] = {}
    if bounds.budget_us is not None:
        ns = value("latency.ns")
        result[LATENCY_BUDGET] = None if ns is None else ns - 1000.0 * bounds.budget_us
    for device, capacity in bounds.devices.items():
        for resource in RESOURCES:
            used, limit = value(f"resources.{resource}"), (capacity or {}).get(resource)
            name = device_constraint(device, resource)
            result[name] = None if used is None or limit is None else used - limit
    for metric, limit in bounds.limits.items():
        measured = value(metric)
        result[limit_constraint(metric)] = None if measured is None else measured - limit
    result[RTL_MISMATCHES] = None if mismatches is None else float(mismatches)
    return result


def satisfied(constraints: Mapping[str, float | None], ignore: Iterable[str] = ()) -> bool:
    """Inside every constraint but those named in `ignore` (an unknown value is not a violation)."""
    skipped = set(ignore)
    return all(v is None or v <= 0 for k, v in constraints.items() if k not in skipped)
