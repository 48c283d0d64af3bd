"""Sweep specifications (`sweeps/*.yaml`): the designs a study starts from, their search spaces, the
objectives and constraints, the sampler and the multi-fidelity promotion rule, as dataclasses; and the
design of one trial (`suggest_design`). Read by `harness.sweep.loader`, checked by
`harness.sweep.checks`.

A single-design sweep:

    name: jet_mlp                  # the study's name
    seed: 1                        # the sampler's seed (each design keeps its own `seed`)
    design: ../designs/jet_mlp.yaml
    set: {training.epochs: 8}      # fixed overrides for every trial
    space: {model.weight_bits: {type: int, low: 3, high: 8}}

Several designs competing on one front (the design is then a categorical parameter, and each
design's parameters exist only in its own trials):

    designs:
      mlp: {design: ../designs/jet_mlp.yaml, set: {...}, space: {...}}
      bdt: {design: ../designs/jet_bdt.yaml, space: {...}}
"""

from __future__ import annotations

import copy
import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.devices import Device, known_device
from harness.spec import DesignSpec, from_dict, set_path
from harness.sweep.objectives import Objective
from harness.sweep.space import Space

SAMPLERS = ("tpe", "nsga2", "gp", "random")
DEFAULT_OBJECTIVES = (
    Objective("accuracy.emulation", "maximize"),
    Objective("lut_equivalent", "minimize"),
    Objective("latency.ns", "minimize"),
)


@dataclass(frozen=True)
class Promotion:
    """Which estimate-fidelity trials go on to Yosys and RTL simulation within the same study."""

    fidelity: str = "verify"  # synth or verify
    near: float = 0.02  # promote trials within this fraction of the current front (each objective)
    max: int | None = None  # at most this many promotions (None: no limit)
    after: int = 5  # completed trials before the first promotion (a front of 1-2 random designs says little)
    verify_front: bool = True  # at the end, promote front designs that were not (e.g. after the cap)


@dataclass
class Candidate:
    """One design the study draws from: its raw spec (with the sweep's `set` applied) and space."""

    label: str
    path: Path
    raw: dict
    space: Space

    def build(self, values: dict[str, Any]) -> DesignSpec:
        """The design spec of one trial: the base design with the trial's values (dotted paths)."""
        raw = copy.deepcopy(self.raw)
        for key, value in values.items():
            set_path(raw, key, value, f"space.{key}")
        return from_dict(raw, base_dir=self.path.parent)

    @property
    def kind(self) -> str:
        return self.raw["kind"]


@dataclass
class SweepSpec:
    name: str
    seed: int
    candidates: dict[str, Candidate]
    objectives: tuple[Objective, ...] = DEFAULT_OBJECTIVES
    dsp_weight: float = 55.0
    budget_us: float | None = None
    device: Device | None = None  # None: each design's firmware.part
    limits: dict[str, float] = field(default_factory=dict)  # metric -> maximum
    sampler: str = "tpe"
    trials: int = 20
    batch_size: int = 2  # trials asked at a time and evaluated in parallel (at most this many workers)
    timeout_s: float | None = None
    promotion: Promotion = field(default_factory=Promotion)
    hypervolume_reference: tuple[float, ...] | None = None
    retries: int = (
        1  # re-runs of a trial whose worker died (heartbeat lapsed); failing stages are not retried
    )
    path: Path = Path(".")

    @property
    def directions(self) -> list[str]:
        return [o.direction for o in self.objectives]

    def settings(self) -> dict:
        """What a trial's values and constraints depend on (JSON-able), stored on the study; the
        sampler, trial count and promotion rule may change between runs of one study."""
        return json.loads(
            json.dumps(
                {
                    "designs": {
                        k: {"raw": c.raw, "space": [dataclasses.asdict(p) for p in c.space.params]}
                        for k, c in self.candidates.items()
                    },
                    "objectives": [dataclasses.asdict(o) for o in self.objectives],
                    "dsp_weight": self.dsp_weight,
                    "budget_us": self.budget_us,
                    "device": self.device.name if self.device else None,
                    "limits": self.limits,
                },
                default=str,
            )
        )

    def device_for(self, design: DesignSpec) -> Device | None:
        """The device whose capacity constrains the design: `device`, else its part's; None for a part
        not in the device table (its capacities are then the `constraints`, see `check_capacities`)."""
        return self.device or known_device(design.firmware.part)


def suggest_design(sweep: SweepSpec, trial: Any) -> tuple[str, DesignSpec]:
    """The design of one trial: its candidate (a categorical `design` when there are several) and spec."""
    labels = list(sweep.candidates)
    label = trial.suggest_categorical("design", labels) if len(labels) > 1 else labels[0]
    candidate = sweep.candidates[label]
    values = candidate.space.suggest(trial, lambda partial: _dense_layer_names(candidate, partial))
    return label, candidate.build(values)


def _dense_layer_names(candidate: Candidate, partial: dict[str, Any]) -> list[str] | None:
    """The layers a per-layer parameter can name in this trial, as the candidate's kind plans them."""
    from harness.kinds import stages_for

    layer_names = stages_for(candidate.kind).layer_names
    return None if layer_names is None else layer_names(candidate.build(partial))
