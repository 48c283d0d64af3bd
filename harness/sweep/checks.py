"""Checks of a sweep spec before the first trial, against the designs it draws from.

Everything decidable without training is checked: an empty or inverted range, a value the design
would refuse, a reuse factor hls4ml's rule forbids for a width in the space (each kind's
`Stages.check` with every shape the space allows), an objective known only after estimate, an input
file (data, pretrained model) that does not exist, a training field swept with a pretrained model,
a random sample of whole trials checked as the flow would, and (`check_capacities`, before trials
run) a device capacity for every part a trial can use. Each error names the key and what is valid.
"""

from __future__ import annotations

import itertools
from typing import Any

from harness.devices import CAPACITY_EXAMPLE, CAPACITY_METRICS, UnknownDeviceError, device_for_part
from harness.record import fidelity_rank
from harness.spec import SpecError, file_digest
from harness.sweep.objectives import METRICS
from harness.sweep.space import Param
from harness.sweep.spec import Candidate, SweepSpec, suggest_design

#: Random combinations drawn from the space at validation, each checked as the flow would check it.
VALIDATION_SAMPLES = 64


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
