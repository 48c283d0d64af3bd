"""The study's trials as report points: every value with its source, the report's Pareto front, the
recommendation and the failures.

The report's front is stricter than the sweep's: a design is Pareto-optimal here only when the
harness proved its RTL bit-exact (`verify`, 0 mismatches) or when its numbers are a vendor tool's own
(imported with `harness study add`), and only inside every constraint (latency budget, device,
limits). Designs known only from estimates or Yosys are plotted as unverified and never called
optimal; a design whose RTL mismatched its reference is never a candidate. Each design counts once,
at its highest fidelity, and equal points are all kept (ties do not dominate each other).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from harness.record import Record
from harness.report.study import StudyInfo, read_record
from harness.sweep.constraints import LATENCY_BUDGET, satisfied
from harness.sweep.objectives import measure
from harness.sweep.pareto import non_dominated
from harness.sweep.trials import TrialRecord, best_per_design

#: metric -> column title, in table order. Every one is shown with its source, or as unknown.
TABLE_METRICS: dict[str, str] = {
    "accuracy.float": "accuracy float",
    "accuracy.emulation": "accuracy emulation",
    "accuracy.rtl": "accuracy RTL",
    "resources.lut": "LUT",
    "resources.ff": "FF",
    "resources.dsp": "DSP",
    "resources.bram": "BRAM",
    "lut_equivalent": "LUT-equivalent",
    "latency.cycles": "latency cycles",
    "latency.ns": "latency ns",
    "latency.ii_cycles": "II",
    "verification.vectors": "vectors",
    "verification.mismatches": "mismatches",
}

ACCURACY = "accuracy.emulation"
COST = "lut_equivalent"
#: The recommendation's "within one percentage point" of the most accurate design.
NEAR_ACCURACY = 0.01


@dataclass(frozen=True)
class Value:
    """One number and where it came from; None (unknown) is never shown as 0."""

    value: float | None
    source: str | None

    def text(self) -> str:
        if self.value is None:
            return "unknown"
        if float(self.value).is_integer():
            return str(int(self.value))
        return f"{self.value:.4f}" if abs(self.value) < 10 else f"{self.value:.1f}"

    @property
    def plain(self) -> float | int | None:
        """The value for a CSV: whole numbers as integers (a count of 66 DSPs is not 66.0)."""
        if self.value is not None and float(self.value).is_integer():
            return int(self.value)
        return self.value


@dataclass
class Point:
    """One trial with its metrics.json and what the report makes of it."""

    trial: TrialRecord
    info: StudyInfo
    record: Record | None
    on_front: bool = False
    duplicate_of: int | None = None

    @property
    def number(self) -> int:
        return self.trial.number

    @property
    def origin(self) -> str:
        """nn, bdt or vendor (a point imported from a vendor tool's report)."""
        return self.trial.kind or "unknown"

    @property
    def status(self) -> str:
        """failed | mismatch | verified | vendor | unverified (estimate or Yosys only)."""
        t = self.trial
        if t.state != "COMPLETE" or t.values is None:
            return "failed" if t.state == "FAIL" else t.state.lower()
        if t.mismatches:
            return "mismatch"
        if t.kind == "vendor":
            return "vendor"
        return "verified" if t.verified else "unverified"

    @property
    def within_budget(self) -> bool | None:
        slack = self.trial.constraints.get(LATENCY_BUDGET)
        return None if slack is None else slack <= 0

    @property
    def feasible(self) -> bool:
        """Inside every constraint the trial stores (unknown values are not violations, as in the
        sweep). Read from the constraints rather than the sweep's `feasible` flag, which imported
        vendor points do not carry (see harness.report.vendor)."""
        return satisfied(self.trial.constraints)

    @property
    def eligible(self) -> bool:
        """Complete, inside every constraint, and not a mismatched RTL."""
        return self.trial.state == "COMPLETE" and self.feasible and not self.trial.mismatches

    @property
    def feasible_without_budget(self) -> bool:
        """Inside every constraint but the latency budget (unknown values are not violations)."""
        return satisfied(self.trial.constraints, ignore=[LATENCY_BUDGET])

    @cached_property
    def view(self) -> Record | None:
        """The record as of this trial's fidelity (a later promotion may have raised the file's); None
        when the trial has no readable record."""
        if self.record is not None and self.trial.fidelity == "estimate":
            return self.record.as_estimate()
        return self.record

    def value(self, metric: str) -> Value:
        """The metric with its source: the trial's own objective value where it is one."""
        index = self.info.metric_index(metric)
        if index is not None and self.trial.values is not None:
            return Value(self.trial.values[index], self.trial.sources.get(metric))
        view = self.view
        if view is None:
            return Value(None, None)
        section, _, key = metric.partition(".")
        if self.origin == "vendor" and section in ("accuracy", "verification"):
            values = view.metric(section) or {}
            raw = values.get(key)
            return Value(raw, values.get("source") if raw is not None else None)
        measured = measure(view, metric, self.info.dsp_weight)
        source = measured.source
        events = view.accuracy.rtl_events
        if metric == "accuracy.rtl" and source and events:  # fewer events than the emulation's test split
            source = f"{source} on the first {events} test events"
        return Value(measured.value, source)

    @property
    def label(self) -> str:
        return f"trial {self.number} ({self.trial.design or self.origin})"

    @property
    def parameters(self) -> dict[str, Any]:
        return {k: v for k, v in self.trial.params.items() if k != "design"}


@dataclass
class Recommendation:
    """Which design to put into the firmware, and what the latency budget costs in accuracy."""

    best: Point | None
    cheapest: Point | None
    best_without_budget: Point | None
    reason: str = ""
    #: the most accurate design inside the budget among the same designs as `best_without_budget`
    #: (any fidelity): the budget's cost compares like with like, not verified with unverified
    best_inside_budget: Point | None = None

    @property
    def budget_cost(self) -> float | None:
        """Accuracy given up to the budget, in percentage points (None when either side is unknown)."""
        if self.best_inside_budget is None or self.best_without_budget is None:
            return None
        return 100 * (
            (self.best_without_budget.value(ACCURACY).value or 0)
            - (self.best_inside_budget.value(ACCURACY).value or 0)
        )


@dataclass
class FailureGroup:
    reason: str
    trials: list[int]
    example: str


@dataclass
class StudyPoints:
    """All of a study's trials as points, with the report's front computed."""

    info: StudyInfo
    points: list[Point]
    front: list[Point] = field(default_factory=list)

    @property
    def complete(self) -> list[Point]:
        return [p for p in self.points if p.status not in ("failed", "running", "waiting", "pruned")]

    @property
    def failed(self) -> list[Point]:
        return [p for p in self.points if p.trial.state != "COMPLETE"]

    @property
    def designs(self) -> list[Point]:
        """One point per design (its highest fidelity), the points the plots show."""
        return best_designs(self.complete)

    def count(self, what: str) -> int:
        return {
            "run": len(self.points),
            "complete": len(self.complete),
            "failed": sum(p.trial.state == "FAIL" for p in self.points),
            "promoted": sum(p.trial.promoted for p in self.points),
            "verified": sum(p.status == "verified" for p in self.points),
            "mismatch": sum(p.status == "mismatch" for p in self.points),
            "vendor": sum(p.origin == "vendor" for p in self.points),
        }[what]

    @property
    def unverified_not_dominated(self) -> list[Point]:
        """Feasible designs without verification that no front design dominates: they need verifying."""
        front = [p.trial.objective_values for p in self.front]
        result = []
        for p in self.designs:
            if p.status == "unverified" and p.feasible:
                indices = non_dominated([p.trial.objective_values, *front], self.info.directions)
                if 0 in indices:
                    result.append(p)
        return result


def best_designs(points: list[Point]) -> list[Point]:
    """Each design once, at the highest fidelity any of its trials reached."""
    by_trial = {id(p.trial): p for p in points}
    return [by_trial[id(t)] for t in best_per_design([p.trial for p in points])]


def candidates(points: list[Point]) -> list[Point]:
    """The points that may be Pareto-optimal: verified or vendor-measured, inside every constraint."""
    eligible = [
        p for p in points if p.status in ("verified", "vendor") and p.eligible and p.duplicate_of is None
    ]
    return best_designs(eligible)


def report_front(points: list[Point], directions: list[str]) -> list[Point]:
    """Non-dominated among the candidates (ties all kept)."""
    eligible = candidates(points)
    return [eligible[i] for i in non_dominated([p.trial.objective_values for p in eligible], directions)]


def load_points(info: StudyInfo, trials: list[TrialRecord]) -> StudyPoints:
    """Points for the trials, duplicates among imported vendor points flagged, the front marked."""
    points = [Point(t, info, read_record(t)) for t in sorted(trials, key=lambda t: t.number)]
    first: dict[str, int] = {}
    for p in points:
        if p.origin == "vendor" and p.trial.design_hash:
            p.duplicate_of = first.setdefault(p.trial.design_hash, p.number)
            if p.duplicate_of == p.number:
                p.duplicate_of = None
    study = StudyPoints(info, points)
    study.front = report_front(points, info.directions)
    for p in study.front:
        p.on_front = True
    return study


def _accuracy(point: Point) -> float:
    return point.value(ACCURACY).value or 0.0


def _cost(point: Point) -> tuple[float, float]:
    cost, ns = point.value(COST).value, point.value("latency.ns").value
    return (float("inf") if cost is None else cost, float("inf") if ns is None else ns)


def recommend(study: StudyPoints) -> Recommendation:
    """The most accurate verified design inside the budget and every constraint, the cheapest verified
    one within one percentage point of it, and what the budget costs: the most accurate design of any
    fidelity inside every constraint against the same when only the budget is lifted."""
    verified = [p for p in study.designs if p.status == "verified" and p.eligible]
    unbounded = [p for p in study.designs if p.status in ("verified", "unverified", "vendor")]
    unbounded = [p for p in unbounded if p.feasible_without_budget and p.value(ACCURACY).value is not None]
    without = max(unbounded, key=_accuracy, default=None)
    inside = max((p for p in unbounded if p.eligible), key=_accuracy, default=None)
    if not verified:
        return Recommendation(None, None, without, _no_recommendation(study), inside)
    best = max(verified, key=_accuracy)
    near = [p for p in verified if _accuracy(p) >= _accuracy(best) - NEAR_ACCURACY]
    return Recommendation(best, min(near, key=_cost), without, "", inside)


def _no_recommendation(study: StudyPoints) -> str:
    if not study.complete:
        return "no trial completed, so there is no design to recommend"
    verified = [p for p in study.designs if p.status == "verified"]
    if not verified:
        return "no design was verified bit-exact, so none can be recommended"
    return (
        "no verified design lies inside the latency budget and the other constraints, "
        "so none can be recommended"
    )


def failure_groups(study: StudyPoints) -> list[FailureGroup]:
    """Failed and unfinished trials grouped by their reason (numbers and paths made generic)."""
    groups: dict[str, list[Point]] = defaultdict(list)
    for p in study.failed:
        groups[_reason_key(p)].append(p)
    return [
        FailureGroup(reason, [p.number for p in members], members[0].trial.error or reason)
        for reason, members in sorted(groups.items(), key=lambda item: -len(item[1]))
    ]


def _reason_key(point: Point) -> str:
    if point.trial.state != "FAIL":
        return f"not finished (state {point.trial.state})"
    error = (point.trial.error or "").strip()
    if not error:
        return "no reason stored (interrupted, or the worker was killed)"
    line = error.splitlines()[0]
    line = re.sub(r"(/[\w.+-]+)+", "<path>", line)
    return re.sub(r"\d+(\.\d+)?", "N", line)[:200]


def notices(study: StudyPoints) -> list[str]:
    """What a reader must know first: a degenerate study (too few trials, only failures, no design
    inside the budget, nothing verified) and vendor points measured on another part than the study's
    device."""
    return [*_degenerate(study), *part_notices(study)]


def part_notices(study: StudyPoints) -> list[str]:
    """One notice per part that vendor-measured points were built for when it is not the study's device
    (the header's): the reader must not take their resources and latency for the device's."""
    from harness.devices import device_name

    devices = study.info.devices
    by_part: dict[str, list[Point]] = defaultdict(list)
    for p in study.points:
        part = (p.record.vendor or {}).get("part") if p.origin == "vendor" and p.record else None
        if devices and part and device_name(str(part)) not in devices:
            by_part[str(part)].append(p)
    return [
        f"Vendor-measured {_trials(points)} {'was' if len(points) == 1 else 'were'} built for part {part}, "
        f"not for the study's device {', '.join(devices)} (see the header): "
        f"{'its' if len(points) == 1 else 'their'} resources and latency are {part}'s and compare with "
        "the other designs only as far as the two parts agree."
        for part, points in sorted(by_part.items())
    ]


def _trials(points: list[Point]) -> str:
    named = ", ".join(f"{p.number} ({p.trial.design})" for p in points)
    return f"trial {named}" if len(points) == 1 else f"trials {named}"


def _degenerate(study: StudyPoints) -> list[str]:
    info, complete = study.info, study.complete
    if not study.points:
        return ["The study has no trials yet: there is nothing to plot or recommend."]
    if not complete:
        return [
            f"No trial completed: all {len(study.points)} trial(s) failed (reasons below). "
            "There is nothing to plot, no Pareto front and no recommendation."
        ]
    result = []
    if len(study.designs) == 1:
        result.append("The study has one completed design: a single point, not a trade-off; shown as it is.")
    if info.budget_us is not None and not any(p.within_budget for p in study.designs):
        timed = [(ns, p) for p in study.designs if (ns := p.value("latency.ns").value) is not None]
        fastest = min(timed, key=lambda timed_point: timed_point[0], default=(None, None))[1]
        where = (
            f"; the fastest is {fastest.label} at {fastest.value('latency.ns').text()} ns" if fastest else ""
        )
        result.append(f"No design lies inside the latency budget of {info.budget_us:g} µs{where}.")
    if not study.front:
        result.append(
            "No design is Pareto-optimal in this report: only designs verified bit-exact (or measured by a "
            "vendor tool) inside every constraint can be, and there are none."
        )
    return result
