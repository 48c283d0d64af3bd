"""Which study a report (or a vendor import) is about, and what the study optimised.

A study is named either by its sweep spec (which states the objectives, the budget, the device and
the DSP weight) or by its name and storage alone. Optuna keeps only the objectives' directions, so
without the spec the rest is read back from what the sweep stored on its trials: the objectives are
the keys of each trial's `sources` (written in the spec's order), the budget follows from a trial's
`latency_budget` constraint and its measured latency, the device from its constraint names. Values
that cannot be read back are None and shown as unknown.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.record import Record
from harness.spec import SpecError
from harness.sweep.constraints import LATENCY_BUDGET, device_of, limit_constraint, limit_metric
from harness.sweep.objectives import Objective, measure
from harness.sweep.trials import TrialRecord

#: The sweeps' default LUTs per DSP; used for a study named without its spec only when no trial shows it.
DEFAULT_DSP_WEIGHT = 55.0


@dataclass(frozen=True)
class StudyInfo:
    """What a study optimised and where it lives."""

    name: str
    storage: str
    results: Path
    objectives: tuple[Objective, ...]
    dsp_weight: float
    dsp_weight_source: str
    budget_us: float | None
    devices: tuple[str, ...]
    designs: dict[str, str] = field(default_factory=dict)  # label -> kind
    limits: dict[str, float] = field(default_factory=dict)  # metric -> maximum (the spec's `constraints`)
    spec_path: str | None = None
    spec_name: str | None = None  # the `name` in the spec (the default study name)
    #: the `harness sweep` commands run on the study, as the sweep stored them (empty for a study
    #: made before the sweep stored them)
    sweep_commands: tuple[str, ...] = ()

    @property
    def directions(self) -> list[str]:
        return [o.direction for o in self.objectives]

    def metric_index(self, metric: str) -> int | None:
        return next((i for i, o in enumerate(self.objectives) if o.metric == metric), None)

    def reproduce(self) -> list[str]:
        """The commands that re-run this study and this report: the sweep commands stored on the study
        (spec, `--set` values, trials, seed); for an older study without them, the spec's sweep
        command when the spec is known (its options beyond these were not stored)."""
        if not self.spec_path:
            report = f"harness report --study {self.name} --storage {self.storage}"
            return [*self.sweep_commands, report]
        where = f"--results {self.results}"
        if self.name != self.spec_name:
            where += f" --study {self.name}"
        if self.storage != str(self.results / "studies" / f"{self.name}.journal"):
            where += f" --storage {self.storage}"
        sweeps = list(self.sweep_commands) or [f"harness sweep {self.spec_path} {where}"]
        return [*sweeps, f"harness report {self.spec_path} {where}"]


def open_named(name: str, storage: str, spec: str | None = None, results: Path | None = None) -> Any:
    """The existing study `name` in `storage` (an Optuna URL or a journal file).

    Raises SpecError when it is absent, saying what the storage holds (no file, or the studies in it)
    and the command that creates the study: the sweep, or `--trials 0` for a study of imported points
    only (`spec` and `results` make that command exact; without them SPEC stands for the sweep YAML)."""
    import shlex

    import optuna

    from harness.sweep.storage import open_storage

    create = ["harness", "sweep", spec or "SPEC"]
    create += ["--results", str(results)] if results is not None else []
    create += ["--study", name, "--storage", storage, "--trials", "0"]
    how = (
        "Create it by running the sweep, or without running a trial (for points imported with "
        f"`harness study add`): {shlex.join(create)}"
    )
    if "://" not in storage and not Path(storage).exists():
        raise SpecError(f"no study {name!r}: the storage {storage} does not exist. {how}")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        return optuna.load_study(study_name=name, storage=open_storage(storage))
    except KeyError:
        names = [s.study_name for s in optuna.get_all_study_summaries(open_storage(storage))]
        raise SpecError(
            f"no study {name!r} in {storage}; studies there: {', '.join(names) or 'none'}. {how}"
        ) from None


def from_spec(spec: str, results: Path, study: str | None, storage: str | None) -> tuple[StudyInfo, Any]:
    """The study of a sweep spec (as `harness sweep SPEC --results --study --storage` names it)."""
    from harness.sweep import SweepOptions, load_sweep

    sweep = load_sweep(spec)
    options = SweepOptions(results=results, storage=storage, study=study)
    devices = {sweep.device.name} if sweep.device else set()
    if not devices:
        from harness.devices import device_name

        devices = {device_name(c.build({}).firmware.part) for c in sweep.candidates.values()}
    info = StudyInfo(
        name=options.study_name(sweep),
        storage=options.storage_url(sweep),
        results=results,
        objectives=sweep.objectives,
        dsp_weight=sweep.dsp_weight,
        dsp_weight_source=f"sweep spec {spec}",
        budget_us=sweep.budget_us,
        devices=tuple(sorted(devices)),
        designs={label or c.raw["name"]: c.kind for label, c in sweep.candidates.items()},
        limits=dict(sweep.limits),
        spec_path=spec,
        spec_name=sweep.name,
    )
    study = open_named(info.name, info.storage, spec, results)
    return _as_run(info, study), study


def _as_run(info: StudyInfo, study: Any) -> StudyInfo:
    """`info` with what the study's trials were evaluated against, as the sweep stored it on the study
    (`harness.sweep.provenance.SETTINGS`): a sweep run with `--set budget_us=...` (or another DSP weight,
    objectives, limits or device) is reported with those, not with the spec file's values."""
    import dataclasses

    from harness.devices import device_name
    from harness.sweep.provenance import SETTINGS, sweep_commands

    info = dataclasses.replace(info, sweep_commands=tuple(sweep_commands(study)))
    stored = study.user_attrs.get(SETTINGS)
    if not isinstance(stored, dict):
        return info
    devices = {stored["device"]} if stored.get("device") else set()
    try:
        devices = devices or {device_name(d["raw"]["firmware"]["part"]) for d in stored["designs"].values()}
    except (KeyError, TypeError, AttributeError):
        devices = set(info.devices)
    weight = float(stored.get("dsp_weight", info.dsp_weight))
    return dataclasses.replace(
        info,
        objectives=tuple(Objective(o["metric"], o["direction"]) for o in stored["objectives"]),
        dsp_weight=weight,
        dsp_weight_source=info.dsp_weight_source
        if weight == info.dsp_weight and info.spec_path
        else f"the sweep's settings stored on study {info.name}",
        budget_us=stored.get("budget_us"),
        devices=tuple(sorted(devices)),
        limits=dict(stored.get("limits") or {}),
    )


def from_storage(name: str, storage: str, results: Path) -> tuple[StudyInfo, Any]:
    """The study `name` without its spec: objectives, budget and device read back from its trials."""
    from harness.sweep import records

    study = open_named(name, storage)
    trials = [t for t in records(study) if t.kind != "vendor"]
    metrics = next((list(t.sources) for t in trials if t.sources), None)
    if metrics is None or len(metrics) != len(study.directions):  # no trial completed: names unknown
        metrics = [f"objective {i} (metric unknown)" for i in range(len(study.directions))]
    directions = ["maximize" if d.name == "MAXIMIZE" else "minimize" for d in study.directions]
    weight, weight_source = _dsp_weight(trials)
    info = StudyInfo(
        name=name,
        storage=storage,
        results=results,
        objectives=tuple(Objective(m, d) for m, d in zip(metrics, directions, strict=True)),
        dsp_weight=weight,
        dsp_weight_source=weight_source,
        budget_us=None if (ns := _read_back(trials, LATENCY_BUDGET, "latency.ns")) is None else ns / 1000,
        devices=tuple(sorted({d for t in trials for k in t.constraints if (d := device_of(k)) is not None})),
        designs={str(t.design): str(t.kind) for t in trials if t.design},
        limits={
            metric: limit
            for metric in {m for t in trials for m in map(limit_metric, t.constraints) if m is not None}
            if (limit := _read_back(trials, limit_constraint(metric), metric)) is not None
        },
    )
    return _as_run(info, study), study


def read_record(trial: TrialRecord) -> Record | None:
    """The trial's metrics.json, or None when it has none or it cannot be read as a record. A vendor
    point imported before its record carried a design hash takes the trial's (the two are one)."""
    if not trial.record:
        return None
    try:
        raw = json.loads(Path(trial.record).read_text())
        if isinstance(raw, dict) and trial.design_hash is not None:
            raw.setdefault("design_hash", trial.design_hash)
        return Record.from_dict(raw)
    except (OSError, ValueError, TypeError, SpecError):
        return None


def _read_back(trials: list[TrialRecord], constraint: str, metric: str) -> float | None:
    """The limit behind a constraint: the sweep stores constraint = value - limit, so limit = value -
    constraint on any trial whose record is at the trial's own fidelity and knows the value."""
    for t in trials:
        slack, record = t.constraints.get(constraint), read_record(t)
        if slack is None or record is None or record.fidelity != t.fidelity:
            continue
        value = measure(record, metric, DEFAULT_DSP_WEIGHT).value
        if value is not None:
            return round(value - slack, 9)
    return None


def _dsp_weight(trials: list[TrialRecord]) -> tuple[float, str]:
    """lut_equivalent = LUT + w x DSP solved on a trial that used DSPs; the default when none did."""
    for t in trials:
        record = read_record(t)
        if record is None or "lut_equivalent" not in t.sources or record.fidelity != t.fidelity:
            continue
        lut, dsp = record.resources.lut, record.resources.dsp
        if lut is not None and dsp:
            value = t.objective_values[list(t.sources).index("lut_equivalent")]
            return round((value - lut) / dsp, 6), f"read back from trial {t.number}"
    return DEFAULT_DSP_WEIGHT, "the sweeps' default (no trial used a DSP, so the study does not show it)"
