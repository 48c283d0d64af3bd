"""Reading a study back: its trials as records, and the Pareto front the harness reports.

The reported front uses, for each design, its highest fidelity (Yosys resources and measured latency
where the design was promoted, the generator's estimates otherwise). Only completed, feasible trials
count (latency budget, device capacity, limits), and a design whose RTL mismatched its reference is
never on the front, whatever its numbers. Designs that were on the estimate-level front but whose
Yosys or simulation numbers pushed them off it are reported as `moved`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from harness.record import fidelity_rank
from harness.sweep.pareto import non_dominated


@dataclass
class TrialRecord:
    """One trial as the harness stored it (Optuna values plus the user attributes the sweep sets).

    Every field after `values` is an Optuna user attribute of the same name; this class owns those
    names: the sweep writes them with `store` (or `attributes` for a trial it creates or enqueues)
    and reads them back with `from_frozen`, so a misspelt name fails where it is written.
    """

    number: int
    state: str
    params: dict[str, Any]
    values: list[float] | None
    design: str | None = None
    kind: str | None = None
    design_hash: str | None = None
    fidelity: str | None = None
    estimate_values: list[float] | None = None
    feasible: bool | None = None
    feasible_estimate: bool | None = None
    promoted: bool = False
    verified: bool = False
    mismatches: int | None = None
    sources: dict[str, str | None] = field(default_factory=dict)
    constraints: dict[str, float | None] = field(default_factory=dict)
    cache: str | None = None
    record: str | None = None
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    worker: str | None = None  # host:pid of the worker process that ran it
    sampling_s: float | None = None  # seconds the sampler took to propose it (ask and parameters)
    force_promotion: bool = False  # enqueued to be promoted whatever its estimate
    imported_from: str | None = None  # a vendor point's metrics file (`harness study add`)
    duplicate_of: int | None = None  # the earlier import of the same vendor point
    seconds: float | None = None  # not stored: from Optuna's start and completion times

    @property
    def objective_values(self) -> list[float]:
        """`values` of a trial that has them (a completed one: the front and the report read only those)."""
        if self.values is None:
            raise ValueError(f"trial {self.number} ({self.state}) has no objective values")
        return self.values

    @property
    def estimate_objective_values(self) -> list[float]:
        """`estimate_values` of a trial that has them."""
        if self.estimate_values is None:
            raise ValueError(f"trial {self.number} ({self.state}) has no estimated objective values")
        return self.estimate_values

    @property
    def ran(self) -> bool:
        """A finished trial of the sweep itself. Vendor-measured points (`harness study add`) sit on the
        front beside them but do not count toward the sweep's trial target."""
        return self.state == "COMPLETE" and self.kind != "vendor"

    @classmethod
    def from_frozen(cls, trial: Any) -> TrialRecord:
        attrs = trial.user_attrs
        seconds = None
        if trial.datetime_start and trial.datetime_complete:
            seconds = (trial.datetime_complete - trial.datetime_start).total_seconds()
        return cls(
            number=trial.number,
            state=trial.state.name,
            params=dict(trial.params),
            values=list(trial.values) if trial.values is not None else None,
            seconds=seconds,
            **{k: attrs[k] for k in TRIAL_ATTRIBUTES if k in attrs},
        )

    @property
    def ok(self) -> bool:
        """Completed, feasible, and not a mismatched RTL: may be on the front."""
        return self.state == "COMPLETE" and bool(self.feasible) and not self.mismatches


#: The user attributes the sweep stores on a trial: `TrialRecord`'s fields after Optuna's own.
TRIAL_ATTRIBUTES = tuple(
    f.name for f in fields(TrialRecord) if f.name not in ("number", "state", "params", "values", "seconds")
)


def attributes(**values: Any) -> dict[str, Any]:
    """`values` checked to be trial attributes (for `optuna.trial.create_trial` or `enqueue_trial`).

    Raises:
        KeyError: a name that is not a `TrialRecord` attribute (a programming error, never input).
    """
    unknown = sorted(set(values) - set(TRIAL_ATTRIBUTES))
    if unknown:
        raise KeyError(f"not a trial attribute: {', '.join(unknown)} (valid: {', '.join(TRIAL_ATTRIBUTES)})")
    return values


def store(trial: Any, **values: Any) -> None:
    """Set user attributes on a running Optuna trial, each checked by `attributes`."""
    for name, value in attributes(**values).items():
        trial.set_user_attr(name, value)


def stored(trial: Any, name: str, default: Any = None) -> Any:
    """The user attribute `name` (checked by `attributes`) of an Optuna trial, frozen or running;
    `default` where the trial has none."""
    attributes(**{name: default})
    return trial.user_attrs.get(name, default)


def best_per_design(trials: list[TrialRecord]) -> list[TrialRecord]:
    """For each design hash, the trial that reached the highest fidelity (the earliest among equals)."""
    best: dict[str, TrialRecord] = {}
    for t in trials:
        current = best.get(t.design_hash or f"#{t.number}")
        if current is None or fidelity_rank(t.fidelity) > fidelity_rank(current.fidelity):
            best[t.design_hash or f"#{t.number}"] = t
    return sorted(best.values(), key=lambda t: t.number)


def pareto_front(trials: list[TrialRecord], directions: list[str]) -> list[TrialRecord]:
    """The reported front: non-dominated among the eligible trials at each design's best fidelity."""
    eligible = best_per_design([t for t in trials if t.ok and t.values is not None])
    return [eligible[i] for i in non_dominated([t.objective_values for t in eligible], directions)]


def moved_off_front(trials: list[TrialRecord], directions: list[str]) -> list[TrialRecord]:
    """Designs on the front of estimates that are not on the reported front after promotion."""
    estimated = [t for t in trials if t.state == "COMPLETE" and t.feasible_estimate and t.estimate_values]
    estimated = best_per_design(estimated)
    front_hashes = {t.design_hash for t in pareto_front(trials, directions)}
    indices = non_dominated([t.estimate_objective_values for t in estimated], directions)
    on_estimate_front = [estimated[i] for i in indices]
    return [t for t in on_estimate_front if t.design_hash not in front_hashes and t.promoted]
