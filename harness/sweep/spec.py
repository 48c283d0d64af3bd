"""Sweep specifications (`sweeps/*.yaml`): the designs a study starts from, their search spaces, the
objectives and constraints, the sampler and the multi-fidelity promotion rule.

Everything is checked before the first trial: an unknown design path, an empty or inverted range, a
value the design would refuse, a reuse factor hls4ml's rule forbids for a width in the space, an
objective that is not a metric, an unknown device, an input file (data, pretrained model) that does
not exist. Each error names the key and what is valid.

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
import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from harness.devices import (
    CAPACITY_EXAMPLE,
    CAPACITY_METRICS,
    Device,
    UnknownDeviceError,
    device_for_part,
    known_device,
)
from harness.record import fidelity_rank
from harness.spec import (
    DesignSpec,
    SpecError,
    apply_overrides,
    file_digest,
    from_dict,
    read_mapping,
    set_path,
)
from harness.sweep.objectives import METRICS, Objective
from harness.sweep.space import Param, Space, parse_space

SAMPLERS = ("tpe", "nsga2", "gp", "random")
DEFAULT_OBJECTIVES = (
    Objective("accuracy.emulation", "maximize"),
    Objective("lut_equivalent", "minimize"),
    Objective("latency.ns", "minimize"),
)
#: Random combinations drawn from the space at validation, each checked as the flow would check it.
VALIDATION_SAMPLES = 64


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


_TOP_KEYS = {
    "name": "study name (also the default --study)",
    "seed": "seed of the sampler",
    "design": "design YAML the sweep starts from (relative to the sweep file)",
    "set": "fixed overrides of the design for every trial, {dotted.path: value}",
    "space": "search space, {dotted.path: parameter}",
    "designs": "several designs on one front: {label: {design, set, space}}",
    "objectives": "list of {metric, direction}; default: accuracy.emulation max, lut_equivalent min, "
    "latency.ns min",
    "dsp_weight": "LUTs per DSP in lut_equivalent (default 55)",
    "budget_us": "latency budget in microseconds (a constraint)",
    "device": "device whose capacity constrains LUT/FF/DSP/BRAM (default: each design's firmware.part)",
    "constraints": "further limits, {metric: maximum}",
    "sampler": f"one of {', '.join(SAMPLERS)}",
    "trials": "completed trials to stop at",
    "timeout_s": "wall-clock budget in seconds (null: none)",
    "promotion": "{fidelity: synth|verify, near, max, after, verify_front}: which trials go to Yosys and RTL",
    "hypervolume_reference": "reference point for hypervolumes, one value per objective",
    "retries": "times a trial whose worker died mid-trial is run again (default 1; 0: never)",
}


def load_sweep(path: str | Path, overrides: list[str] | None = None) -> SweepSpec:
    """Read a sweep YAML (safe_load), apply `key=value` overrides to it, and check it all.

    `set.<design path>=value` overrides go into the sweep's `set` (every design's, when it has
    several), so a design field can be fixed from the command line too.
    """
    path = Path(path)
    raw = read_mapping(path, "sweep")
    for item in overrides or []:
        if _is_design_override(item):
            key, _, text = item.partition("=")
            entries = raw.get("designs", {}).values() if "designs" in raw else [raw]
            for entry in entries:
                entry.setdefault("set", {})[key[len("set.") :]] = yaml.safe_load(text)
    sweep = parse(_apply_overrides(raw, [o for o in overrides or [] if not _is_design_override(o)]), path)
    validate(sweep)
    return sweep


def _apply_overrides(raw: dict, overrides: list[str]) -> dict:
    """`key=value` overrides of sweep fields. The keys of `space` are themselves dotted paths into the
    design, so `space.model.weight_bits.high=6` sets `high` of the parameter `model.weight_bits`: at
    each level the longest run of the key's parts that names an existing entry is taken as one key."""
    plain, data = [], copy.deepcopy(raw)
    for item in overrides:
        key, sep, text = item.partition("=")
        parts = _resolve(data, key.split(".")) if sep and key else None
        if parts is None:
            plain.append(item)
        else:
            node = data
            for part in parts[:-1]:
                node = node[part]
            node[parts[-1]] = yaml.safe_load(text)
    return apply_overrides(data, plain)


def _resolve(node: Any, parts: list[str]) -> list[str] | None:
    """The key path of `parts` through existing mappings, joining parts where an entry's name has dots
    (`model.weight_bits`) or adding a parameter to `space`; None when no dotted name is involved (plain
    dotted overrides apply)."""
    path: list[str] = []
    joined = False
    while parts:
        if not isinstance(node, dict):
            return None
        if len(parts) == 1:
            return path + parts if joined else None
        n = next((n for n in range(len(parts), 0, -1) if ".".join(parts[:n]) in node), None)
        if n is None:  # a new entry: in `space`, the rest is the new parameter's dotted design path
            return path + [".".join(parts)] if path and path[-1] == "space" else None
        key = ".".join(parts[:n])
        joined |= n > 1
        path.append(key)
        node, parts = node[key], parts[n:]
    return path if joined else None


def parse(raw: dict, path: Path) -> SweepSpec:
    unknown = sorted(set(raw) - set(_TOP_KEYS))
    if unknown:
        valid = "\n".join(f"  {k}: {v}" for k, v in _TOP_KEYS.items())
        raise SpecError(f"unknown sweep key(s) {', '.join(unknown)}; valid keys:\n{valid}")
    if ("design" in raw) == ("designs" in raw):
        raise SpecError("a sweep names exactly one of `design` (one design) or `designs` (several)")
    single = {"": {k: raw[k] for k in ("design", "set", "space") if k in raw}}
    entries = raw["designs"] if "designs" in raw else single
    if not isinstance(entries, dict) or not entries:
        raise SpecError("designs: expected a mapping {label: {design, set, space}} with at least one entry")
    multi = "designs" in raw
    candidates = {label: _candidate(label, entry, path, multi) for label, entry in entries.items()}
    return SweepSpec(
        name=str(raw.get("name") or path.stem),
        seed=_typed(raw, "seed", int, 0),
        candidates=candidates,
        objectives=_objectives(raw.get("objectives")),
        dsp_weight=float(_typed(raw, "dsp_weight", (int, float), 55.0)),
        budget_us=_positive_or_none(raw, "budget_us"),
        device=_device(raw.get("device")),
        limits=_limits(raw.get("constraints")),
        sampler=_sampler(raw.get("sampler", "tpe")),
        trials=_typed(raw, "trials", int, 20),
        timeout_s=_positive_or_none(raw, "timeout_s"),
        promotion=_promotion(raw.get("promotion")),
        hypervolume_reference=_reference(raw.get("hypervolume_reference"), raw.get("objectives")),
        retries=_typed(raw, "retries", int, 1),
        path=path,
    )


def _is_design_override(item: str) -> bool:
    return item.startswith("set.")


def _typed(raw: dict, key: str, types: type | tuple, default: Any) -> Any:
    value = raw.get(key, default)
    if value is None or isinstance(value, bool) or not isinstance(value, types):
        raise SpecError(f"{key}: {value!r} is not valid; expected {getattr(types, '__name__', 'a number')}")
    return value


def _positive_or_none(raw: dict, key: str) -> float | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise SpecError(f"{key}: {value!r} is not valid; must be a positive number or null")
    return float(value)


def _candidate(label: str, entry: Any, sweep_path: Path, multi: bool) -> Candidate:
    where = f"designs.{label}" if multi else "design"
    if not isinstance(entry, dict) or "design" not in entry:
        raise SpecError(f"{where}: expected {{design: path, set: {{...}}, space: {{...}}}}")
    unknown = sorted(set(entry) - {"design", "set", "space"})
    if unknown:
        raise SpecError(f"{where}: unknown key(s) {unknown}; valid: design, set, space")
    design_path = sweep_path.parent / entry["design"]
    try:
        raw = read_mapping(design_path, "design")
    except SpecError as exc:
        raise SpecError(f"{where}: {exc}") from None
    fixed = entry.get("set") or {}
    if not isinstance(fixed, dict):
        raise SpecError(f"{where}.set: expected a mapping {{dotted.path: value}}, got {fixed!r}")
    for key, value in fixed.items():
        set_path(raw, key, value, f"set.{key}")
    try:
        from_dict(raw, base_dir=design_path.parent)
    except SpecError as exc:
        raise SpecError(f"{where} ({design_path.name} with `set`): {exc}") from None
    try:
        space = parse_space(entry.get("space"))
    except SpecError as exc:
        raise SpecError(f"{where}.{exc}" if multi else str(exc)) from None
    if multi:
        space = Space(space.params, prefix=f"{label}/")
    return Candidate(label, design_path, raw, space)


def _objectives(raw: Any) -> tuple[Objective, ...]:
    if raw is None:
        return DEFAULT_OBJECTIVES
    if not isinstance(raw, list) or not raw:
        raise SpecError("objectives: expected a non-empty list of {metric, direction}")
    result = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict) or set(item) != {"metric", "direction"}:
            raise SpecError(f"objectives[{index}]: expected {{metric: ..., direction: minimize|maximize}}")
        _check_metric(f"objectives[{index}].metric", item["metric"])
        if item["direction"] not in ("minimize", "maximize"):
            raise SpecError(
                f"objectives[{index}].direction: {item['direction']!r}; must be minimize or maximize"
            )
        result.append(Objective(item["metric"], item["direction"]))
    return tuple(result)


def _check_metric(where: str, metric: Any) -> None:
    if metric not in METRICS:
        listing = "\n".join(f"  {name}: {doc} (from fidelity {fid})" for name, (doc, fid) in METRICS.items())
        raise SpecError(f"{where}: {metric!r} is not a metric; metrics:\n{listing}")


def _limits(raw: Any) -> dict[str, float]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise SpecError("constraints: expected a mapping {metric: maximum}")
    for metric, limit in raw.items():
        _check_metric(f"constraints.{metric}", metric)
        if isinstance(limit, bool) or not isinstance(limit, int | float):
            raise SpecError(f"constraints.{metric}: {limit!r} is not a number")
    return {k: float(v) for k, v in raw.items()}


def _device(raw: Any) -> Device | None:
    if raw is None:
        return None
    try:
        return device_for_part(str(raw))
    except UnknownDeviceError as exc:
        raise SpecError(
            f"device: {exc}. Name one of them, or leave `device` out and give the capacities under "
            f"`constraints`: {CAPACITY_EXAMPLE}"
        ) from None


def _sampler(raw: Any) -> str:
    if raw not in SAMPLERS:
        raise SpecError(f"sampler: {raw!r} is not valid; must be one of {', '.join(SAMPLERS)}")
    return raw


def _promotion(raw: Any) -> Promotion:
    if raw is None:
        return Promotion()
    unknown = (
        sorted(set(raw) - {"fidelity", "near", "max", "after", "verify_front"})
        if isinstance(raw, dict)
        else []
    )
    if not isinstance(raw, dict) or unknown:
        which = f"unknown key(s) {unknown}; " if unknown else ""
        raise SpecError(
            f"promotion: {which}expected {{fidelity: synth|verify, near: fraction, max: count|null, "
            "after: count, verify_front: true|false}"
        )
    promotion = Promotion(**raw)
    if promotion.fidelity not in ("synth", "verify"):
        raise SpecError(f"promotion.fidelity: {promotion.fidelity!r}; must be synth or verify")
    if not isinstance(promotion.near, int | float) or not 0 <= promotion.near < 1:
        raise SpecError(f"promotion.near: {promotion.near!r}; must be a fraction in [0, 1)")
    if promotion.max is not None and (not isinstance(promotion.max, int) or promotion.max < 0):
        raise SpecError(f"promotion.max: {promotion.max!r}; must be a count >= 0 or null")
    if not isinstance(promotion.after, int) or promotion.after < 0:
        raise SpecError(f"promotion.after: {promotion.after!r}; must be a count >= 0")
    return promotion


def _reference(raw: Any, objectives: Any) -> tuple[float, ...] | None:
    if raw is None:
        return None
    n = len(objectives) if isinstance(objectives, list) else len(DEFAULT_OBJECTIVES)
    if not isinstance(raw, list) or len(raw) != n or not all(isinstance(v, int | float) for v in raw):
        raise SpecError(f"hypervolume_reference: expected {n} numbers, one per objective")
    return tuple(float(v) for v in raw)


def validate(sweep: SweepSpec) -> None:
    """Everything decidable without training: paths and values, reuse factors per width, the
    objectives' fidelity, the devices, and a random sample of whole trials checked as the flow would."""
    if sweep.trials < 1:
        raise SpecError(f"trials: {sweep.trials} is not valid; must be >= 1")
    if sweep.retries < 0:
        raise SpecError(f"retries: {sweep.retries} is not valid; must be >= 0")
    for objective in sweep.objectives:
        first = METRICS[objective.metric][1]
        if fidelity_rank(first) > 0:
            raise SpecError(
                f"objectives: {objective.metric} is known only from fidelity {first}, but every trial is "
                "evaluated at estimate first; choose a metric known at estimate (or make it a constraint)"
            )
    for candidate in sweep.candidates.values():
        _check_files(candidate)
        _check_pretrained(candidate)
        for param in candidate.space.params:
            _check_values(candidate, param)
        _check_with_every_shape(candidate)
    _check_samples(sweep)


def check_capacities(sweep: SweepSpec) -> None:
    """Before trials run: each trial is checked against its device's capacity, so a design whose
    `firmware.part` is not in the device table needs the capacities given under `constraints` (any of
    `CAPACITY_METRICS`), or a `device` from the table. A study that runs no trial (vendor points only,
    or a report) needs neither: an imported point is checked against what its own report states.

    Raises SpecError naming the part (the design's, or one its space can choose) and both ways out.
    """
    if sweep.device is not None or any(metric in sweep.limits for metric in CAPACITY_METRICS):
        return
    for candidate in sweep.candidates.values():
        parts = [candidate.build({}).firmware.part]
        parts += [str(v) for p in candidate.space.params if p.name == "firmware.part" for v in p.values()]
        where = f"{candidate.label or 'design'} firmware.part"
        try:
            for part in parts:
                device_for_part(part)
        except UnknownDeviceError as exc:
            raise SpecError(
                f"{where}: {exc}. Its trials need a capacity to be "
                f"checked against: give the part's capacities under `constraints` in the sweep, e.g. "
                f"{CAPACITY_EXAMPLE}, or set `device:` to a listed device that stands in for it"
            ) from None


#: Design fields that name input files (the data file, a pretrained model's files): a space may choose
#: among files, and each one it can choose must exist.
FILE_FIELDS = ("data.path", "model.pretrained")


def _check_files(candidate: Candidate) -> None:
    """Every input file a trial can read exists: the design's own (data file, pretrained model files,
    by role) and each file a space parameter can choose. Hashing a design reads them (its hash covers
    their content), so a missing one would otherwise fail every trial at its first step."""
    where = f"designs.{candidate.label}" if candidate.label else "design"
    swept = [p for p in candidate.space.params if p.name.startswith(FILE_FIELDS)]
    base = candidate.build({})
    for role, path in base.input_files().items():
        field_name = "data.path" if role == "data" else "model.pretrained"
        if any(p.name.startswith(field_name) for p in swept):
            continue  # the space chooses this file: its values are checked below
        try:
            file_digest(base.resolve(path))
        except SpecError as exc:
            raise SpecError(
                f"{where} ({candidate.path.name} with `set`): the {role} file: {exc} (relative paths "
                f"are read from the design file's folder {candidate.path.parent.resolve()})"
            ) from None
    for param in swept:
        if param.type in ("list", "per_layer"):
            continue
        for value in param.values():
            try:
                candidate.build({param.name: value}).file_digests()
            except SpecError as exc:
                raise SpecError(
                    f"space.{param.name}: the value {value!r} names a missing file: {exc} (relative "
                    f"paths are read from the design file's folder {candidate.path.parent.resolve()})"
                ) from None


#: Design fields only training reads (with a pretrained model, sweeping them would change nothing).
TRAINING_FIELDS = ("model.", "training.")


def _check_pretrained(candidate: Candidate) -> None:
    """A pretrained model is fixed: its sweep varies the firmware (precisions, reuse factor, clock) and
    the data, never a field only training reads (a trial would silently be the same model)."""
    swept_model = any(p.name == "model.pretrained" for p in candidate.space.params)
    pretrained = candidate.build({}).model.pretrained
    if pretrained is None and not swept_model:
        return
    knobs = [
        p.name
        for p in candidate.space.params
        if p.name.startswith(TRAINING_FIELDS) and p.name != "model.pretrained"
    ]
    if knobs:
        what = (
            f"pretrained ({pretrained})" if pretrained is not None else "pretrained (space.model.pretrained)"
        )
        raise SpecError(
            f"space.{knobs[0]}: the model is {what}, so the training fields {', '.join(knobs)} change "
            "nothing; sweep the firmware (e.g. firmware.threshold_precision, score_precision, "
            "input_precision, reuse_factor, clock_ns) or the data instead"
        )


def _check_values(candidate: Candidate, param: Param) -> None:
    """Each value of the parameter on its own, applied to the base design, must pass the spec checks."""
    if param.type == "list":
        trial_values = [[item] * n for n in param.length_param.values() for item in param.item_param.values()]
    elif param.type == "per_layer":
        return  # checked per layer shape by _check_with_every_shape and the random sample
    else:
        trial_values = param.values()
    for value in trial_values:
        try:
            candidate.build({param.name: value})
        except SpecError as exc:
            raise SpecError(f"space.{param.name}: the value {value!r} would be refused: {exc}") from None


def _every_value(param: Param) -> list[Any]:
    """Every value a parameter can take: all item sequences of a list parameter (each length)."""
    if param.type == "list":
        items = param.item_param.values()
        return [list(c) for n in param.length_param.values() for c in itertools.product(items, repeat=n)]
    return param.values()


def _check_with_every_shape(candidate: Candidate) -> None:
    """Values whose validity depends on the layer shapes (the kind's `Stages.shape_checked_fields`, such
    as a reuse factor) checked by the kind's `Stages.check` with every shape the space allows (every
    combination of its `Stages.shape_fields`, such as the hidden widths). A per-layer parameter is
    checked with each of its item values on every layer the shape has."""
    from harness.kinds import stages_for

    stages = stages_for(candidate.kind)
    params = {p.name: p for p in candidate.space.params}
    checked = [params[name] for name in stages.shape_checked_fields if name in params]
    if stages.check is None or not checked:
        return
    shaping = [params[name] for name in stages.shape_fields if name in params]
    for combination in itertools.product(*(_every_value(p) for p in shaping)):
        shape = {p.name: value for p, value in zip(shaping, combination, strict=True)}
        for param in checked:
            if param.type == "per_layer":
                layers = stages.layer_names(candidate.build(shape)) if stages.layer_names else None
                values: list[Any] = (
                    [dict.fromkeys(layers, v) for v in param.item_param.values()] if layers else []
                )
            else:
                values = param.values()
            for value in values:
                try:
                    stages.check(candidate.build({**shape, param.name: value}))
                except SpecError as exc:
                    where = "".join(f" with {name}={v!r}" for name, v in shape.items())
                    raise SpecError(
                        f"space.{param.name}: the value {value!r} would be refused{where}: {exc}"
                    ) from None


def _check_samples(sweep: SweepSpec) -> None:
    """Draw whole trials at random from the space and check each design as the flow would."""
    import optuna

    from harness.kinds import stages_for

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=sweep.seed))
    for _ in range(VALIDATION_SAMPLES):
        trial = study.ask()
        try:
            label, design = suggest_design(sweep, trial)
            check = stages_for(design.kind).check
            if check is not None:
                check(design)
        except SpecError as exc:
            raise SpecError(
                f"the space contains designs the flow would refuse, e.g. {trial.params}: {exc}"
            ) from None
        study.tell(trial, state=optuna.trial.TrialState.PRUNED)


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
