"""One trial of a sweep, evaluated in a worker process (`evaluate_trial`): the design at fidelity
`estimate` and, when the promotion rule the runner decided for it allows (`Promotion` below), promoted
in the same job up the ladder (`synth`, `verify`), reusing what the estimate computed. The result is an
`Outcome`: the objective values at its highest fidelity, each with its source, its constraints, and the
trial attributes the runner stores before telling the study; a failure is an `Outcome` with its reason
(`error`).

The job takes plain data (the design spec, the results folder, the rule) and never touches the
Optuna study: the runner asks, decides and tells in one process, which makes a seeded study the same
whatever the number of workers and their timing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.devices import RESOURCES
from harness.ladder import Evaluation
from harness.record import Record
from harness.spec import DesignSpec
from harness.sweep.cache import ResultsCache
from harness.sweep.constraints import RTL_MISMATCHES, Bounds, evaluate, satisfied
from harness.sweep.objectives import measure
from harness.sweep.pareto import near_front
from harness.sweep.spec import SweepSpec
from harness.sweep.storage import worker_id
from harness.toolchain import Toolchain


@dataclass(frozen=True)
class PromotionRule:
    """Whether a trial goes up the ladder after its estimate, as the runner decided it before the job.

    `force`: whatever its estimate (front designs verified at the end). Otherwise only if `allowed`
    (under the cap, enough completed trials) and its estimate is inside the constraints and on or near
    (`near`) the front of `others` (the estimates of the feasible trials completed before its batch).
    """

    force: bool = False
    allowed: bool = False
    others: tuple[tuple[float, ...], ...] = ()
    near: float = 0.0

    def promotes(self, values: list[float], feasible: bool, directions: list[str]) -> bool:
        if self.force:
            return True
        if not (self.allowed and feasible):
            return False
        return near_front(values, [list(o) for o in self.others], directions, self.near)


@dataclass(frozen=True)
class TrialJob:
    """What a worker process needs to evaluate one trial (picklable)."""

    number: int
    sweep: SweepSpec
    design: DesignSpec
    results: Path
    rule: PromotionRule


@dataclass
class Outcome:
    """A trial's result: `values` (objective values at its highest fidelity) and the trial attributes
    (`harness.sweep.trials.TrialRecord` fields) to store; `values` None and `attributes['error']` set
    when the trial failed."""

    values: list[float] | None
    attributes: dict[str, Any] = field(default_factory=dict)
    constraints: dict[str, float | None] = field(default_factory=dict)


def evaluate_trial(job: TrialJob) -> Outcome:
    """Evaluate one trial (in a worker process, or in the runner's own with one job).

    Never raises for a failing design: the failure is the Outcome's `error`, with its stage. Raises
    KeyboardInterrupt (Ctrl-C) as it comes.
    """
    attributes: dict[str, Any] = {"worker": worker_id(), "promoted": False}
    try:
        return _evaluate(job, attributes)
    except Exception as exc:
        stage = next((n for n in getattr(exc, "__notes__", []) if n.startswith("stage:")), "")
        reason = f"{stage + ': ' if stage else ''}{type(exc).__name__}: {exc}"
        print(f"[sweep] trial {job.number} failed: {reason.splitlines()[0][:300]}", flush=True)
        return Outcome(None, {**attributes, "error": reason[:2000]})


def _evaluate(job: TrialJob, attributes: dict[str, Any]) -> Outcome:
    sweep, design = job.sweep, job.design
    cache = ResultsCache(job.results)
    with cache.lock(design) as folder:
        cached = cache.load(design)
        attributes["cache"] = "hit" if cached else "miss"
        evaluation = Evaluation(design, folder, Toolchain.discover(), cached)
        estimate = evaluation.climb("estimate").as_estimate()
        est_values = objective_values(sweep, estimate)
        est_feasible = satisfied(constraints_of(sweep, estimate, design))
        attributes.update(estimate_values=est_values, feasible_estimate=est_feasible)
        if job.rule.promotes(est_values, est_feasible, sweep.directions):
            attributes["promoted"] = True
            record = evaluation.climb(sweep.promotion.fidelity)
        else:
            record = evaluation.climb("estimate")
    values = objective_values(sweep, record)
    constraints = constraints_of(sweep, record, design)
    mismatches = constraints[RTL_MISMATCHES]
    weight = sweep.dsp_weight
    attributes.update(
        fidelity=record.fidelity,
        constraints=constraints,
        feasible=satisfied(constraints),
        mismatches=None if mismatches is None else int(mismatches),
        verified=record.fidelity == "verify" and mismatches == 0,
        sources={o.metric: measure(record, o.metric, weight).source for o in sweep.objectives},
        record=str(folder / "metrics.json"),
        warnings=record.warnings,
    )
    if mismatches:
        print(f"[sweep] trial {job.number}: RTL MISMATCHES its reference ({int(mismatches)} words)")
    return Outcome(values, attributes, constraints)


def objective_values(sweep: SweepSpec, record: Record) -> list[float]:
    """The sweep's objectives measured on `record`. Raises RuntimeError for one unknown (null)."""
    values = []
    for objective in sweep.objectives:
        measured = measure(record, objective.metric, sweep.dsp_weight)
        if measured.value is None:
            raise RuntimeError(
                f"objective {objective.metric} is unknown at fidelity {record.fidelity} "
                f"for design {record.design} (null in its metrics.json)"
            )
        values.append(measured.value)
    return values


def constraints_of(sweep: SweepSpec, record: Record, design: DesignSpec) -> dict[str, float | None]:
    """Constraint name -> value (see `harness.sweep.constraints`) on the record's numbers."""
    device = sweep.device_for(design)
    bounds = Bounds(
        budget_us=sweep.budget_us,
        devices={} if device is None else {device.name: {r: device.capacity(r) for r in RESOURCES}},
        limits=sweep.limits,
    )
    weight = sweep.dsp_weight
    return evaluate(bounds, lambda m: measure(record, m, weight).value, record.verification.mismatches)
