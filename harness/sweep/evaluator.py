"""One trial of a sweep (`Evaluator`, Optuna's objective): the design evaluated at fidelity `estimate`
and, when its estimate lies on or near (`promotion.near`) the front of the trials finished so far and
inside the constraints, promoted in the same trial up the ladder (`synth`, `verify`), reusing what the
estimate computed. Its objective values are its highest-fidelity ones, each with its source; its
constraints are stored with it, and a failure is stored as its reason (`error`)."""

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
from harness.sweep.spec import SweepSpec, suggest_design
from harness.sweep.storage import worker_id
from harness.sweep.trials import store, stored
from harness.toolchain import Toolchain


@dataclass
class Evaluator:
    """The trial objective: estimate, maybe promote, report values with their sources and constraints."""

    sweep: SweepSpec
    cache: ResultsCache
    toolchain: Toolchain
    started: set[int] = field(default_factory=set)  # trial numbers this process worked on

    def __call__(self, trial: Any) -> list[float]:
        self.started.add(trial.number)
        # a retry of a killed worker's trial inherits its user attributes: it has not promoted yet
        store(trial, worker=worker_id(), promoted=False)
        try:
            return self._evaluate(trial)
        except KeyboardInterrupt:
            store(trial, error="interrupted (Ctrl-C)")
            raise
        except Exception as exc:
            stage = next((n for n in getattr(exc, "__notes__", []) if n.startswith("stage:")), "")
            reason = f"{stage + ': ' if stage else ''}{type(exc).__name__}: {exc}"
            store(trial, error=reason[:2000])
            print(f"[sweep] trial {trial.number} failed: {reason.splitlines()[0][:300]}", flush=True)
            raise

    def _evaluate(self, trial: Any) -> list[float]:
        label, design = suggest_design(self.sweep, trial)
        store(trial, design=label or design.name, kind=design.kind, design_hash=design.design_hash())
        with self.cache.lock(design) as folder:
            cached = self.cache.load(design)
            store(trial, cache="hit" if cached else "miss")
            evaluation = Evaluation(design, folder, self.toolchain, cached)
            estimate = evaluation.climb("estimate").as_estimate()
            est_values = self._values(estimate)
            est_feasible = satisfied(self._constraints(estimate, design))
            store(trial, estimate_values=est_values, feasible_estimate=est_feasible)
            if stored(trial, "force_promotion") or self._promote(trial, est_values, est_feasible):
                store(trial, promoted=True)
                record = evaluation.climb(self.sweep.promotion.fidelity)
            else:
                record = evaluation.climb("estimate")
        return self._report(trial, design, record, folder)

    def _values(self, record: Record) -> list[float]:
        values = []
        for objective in self.sweep.objectives:
            measured = measure(record, objective.metric, self.sweep.dsp_weight)
            if measured.value is None:
                raise RuntimeError(
                    f"objective {objective.metric} is unknown at fidelity {record.fidelity} "
                    f"for design {record.design} (null in its metrics.json)"
                )
            values.append(measured.value)
        return values

    def _constraints(self, record: Record, design: DesignSpec) -> dict[str, float | None]:
        """Constraint name -> value (see `harness.sweep.constraints`) on the record's numbers."""
        device = self.sweep.device_for(design)
        bounds = Bounds(
            budget_us=self.sweep.budget_us,
            devices={} if device is None else {device.name: {r: device.capacity(r) for r in RESOURCES}},
            limits=self.sweep.limits,
        )
        weight = self.sweep.dsp_weight
        return evaluate(bounds, lambda m: measure(record, m, weight).value, record.verification.mismatches)

    def _promote(self, trial: Any, values: list[float], inside: bool) -> bool:
        """On or near the front of the finished trials' estimates, inside the constraints (`inside`),
        and under the cap."""
        if not inside:
            return False
        from optuna.trial import TrialState

        trials = trial.study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.RUNNING))
        promotion = self.sweep.promotion
        promoted = sum(1 for t in trials if stored(t, "promoted") and t.number != trial.number)
        if promotion.max is not None and promoted >= promotion.max:
            return False
        complete = [t for t in trials if t.state == TrialState.COMPLETE]
        if len(complete) < promotion.after:
            return False
        others = [stored(t, "estimate_values") for t in complete if stored(t, "feasible_estimate")]
        return near_front(values, others, self.sweep.directions, promotion.near)

    def _report(self, trial: Any, design: DesignSpec, record: Record, folder: Path) -> list[float]:
        values = self._values(record)
        constraints = self._constraints(record, design)
        for name, value in constraints.items():
            trial.set_constraint(name, 0.0 if value is None else value)  # unknown: not (yet) violated
        mismatches = constraints[RTL_MISMATCHES]
        weight = self.sweep.dsp_weight
        store(
            trial,
            fidelity=record.fidelity,
            constraints=constraints,
            feasible=satisfied(constraints),
            mismatches=None if mismatches is None else int(mismatches),
            verified=record.fidelity == "verify" and mismatches == 0,
            sources={o.metric: measure(record, o.metric, weight).source for o in self.sweep.objectives},
            record=str(folder / "metrics.json"),
            warnings=record.warnings,
        )
        if mismatches:
            print(f"[sweep] trial {trial.number}: RTL MISMATCHES its reference ({int(mismatches)} words)")
        return values
