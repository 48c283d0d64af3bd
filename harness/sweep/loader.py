"""Reading sweep specs: YAML (safe_load), `key=value` overrides (`set.<design path>=value` for the
designs' fields), each key parsed into a `SweepSpec` with an error naming the key and what is valid,
then the whole checked (`harness.sweep.checks.validate`) before the first trial.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from harness.devices import CAPACITY_EXAMPLE, Device, UnknownDeviceError, device_for_part
from harness.spec import SpecError, apply_overrides, from_dict, read_mapping, set_path
from harness.sweep.checks import validate
from harness.sweep.objectives import METRICS, Objective
from harness.sweep.space import Space, parse_space
from harness.sweep.spec import DEFAULT_OBJECTIVES, SAMPLERS, Candidate, Promotion, SweepSpec

#: Every top-level key of a sweep spec and its documentation: the loader refuses any other, and the
#: docs' sweep-spec reference is generated from this table.
SWEEP_KEYS = {
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
    "batch_size": "trials asked of the sampler at a time and evaluated in parallel by up to that many "
    "--jobs (default 2); the trials of a seeded study depend on it, not on --jobs",
    "timeout_s": "wall-clock budget in seconds (null: none)",
    "promotion": "{fidelity: synth|verify, near, max, after, verify_front}: which trials go to Yosys and RTL",
    "hypervolume_reference": "reference point for hypervolumes, one value per objective",
    "retries": "times a trial whose worker died mid-trial is run again (default 1; 0: never)",
}
#: The keys of `promotion` and their documentation (the loader refuses any other).
PROMOTION_KEYS = {
    "fidelity": "synth or verify (default verify): how far a promoted trial goes",
    "near": "promote trials within this fraction of the current front, in each objective (default 0.02)",
    "max": "at most this many promotions (default null: no limit)",
    "after": "completed trials before the first promotion (default 5)",
    "verify_front": "at the end, promote the front designs that were not promoted (default true)",
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
    unknown = sorted(set(raw) - set(SWEEP_KEYS))
    if unknown:
        valid = "\n".join(f"  {k}: {v}" for k, v in SWEEP_KEYS.items())
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
        batch_size=_at_least_one(raw, "batch_size", 2),
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


def _at_least_one(raw: dict, key: str, default: int) -> int:
    value = _typed(raw, key, int, default)
    if value < 1:
        raise SpecError(f"{key}: {value!r} is not valid; must be an integer >= 1")
    return int(value)


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
    unknown = sorted(set(raw) - set(PROMOTION_KEYS)) if isinstance(raw, dict) else []
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
