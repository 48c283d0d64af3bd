"""Reading design specs: YAML (safe_load), `key.sub=value` overrides, and the checked build of the
spec dataclasses (`harness.spec.schema`) from the raw mapping.

Each value is checked against its field's type hint and its field's check (`harness.spec.fields`), so
an unknown key or a bad value is reported with the key's path and what would be valid.
"""

from __future__ import annotations

import copy
import dataclasses
import types
import typing
from pathlib import Path
from typing import Any

import yaml

from harness.errors import SpecError
from harness.spec.schema import BDTModelSpec, DesignSpec, NNModelSpec


def load(path: str | Path, overrides: list[str] | None = None) -> DesignSpec:
    """Read a design YAML (safe_load), apply `key.sub=value` overrides (values parsed as YAML), check."""
    path = Path(path)
    raw = read_mapping(path, "design")
    return from_dict(apply_overrides(raw, overrides or []), base_dir=path.parent)


def read_mapping(path: Path, what: str) -> dict:
    """A YAML file holding a mapping, read with safe_load; SpecError naming the file otherwise."""
    try:
        raw = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise SpecError(f"{what} file {path} does not exist") from None
    except yaml.YAMLError as exc:
        raise SpecError(f"{path} is not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise SpecError(f"{path} must hold a mapping of {what} fields")
    return raw


def apply_overrides(raw: dict, overrides: list[str]) -> dict:
    """`model.weight_bits=4` style overrides; each value is parsed as YAML (so lists and nulls work)."""
    data = copy.deepcopy(raw)
    for item in overrides:
        key, sep, text = item.partition("=")
        if not sep or not key:
            raise SpecError(f"override {item!r} must look like key.sub=value")
        set_path(data, key, yaml.safe_load(text), f"override {item!r}")
    return data


def set_path(raw: dict, key: str, value: Any, where: str | None = None) -> None:
    """Set dotted `key` (e.g. `model.weight_bits`) in a raw spec mapping, creating sections on the way."""
    node = raw
    parts = key.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise SpecError(f"{where or key}: {part!r} is not a section")
    node[parts[-1]] = value


def from_dict(raw: dict, base_dir: Path = Path(".")) -> DesignSpec:
    kind = raw.get("kind")
    models: dict[Any, type] = {"nn": NNModelSpec, "bdt": BDTModelSpec}
    model_cls = models.get(kind)
    if model_cls is None:
        raise SpecError(f"kind: {kind!r} is not valid; must be one of 'nn', 'bdt'")
    spec = _build(DesignSpec, {k: v for k, v in raw.items() if k != "base_dir"}, "", {"model": model_cls})
    spec.base_dir = base_dir
    return spec


def _build(cls: type, raw: Any, prefix: str, overrides: dict[str, type] | None = None) -> Any:
    if not isinstance(raw, dict):
        raise SpecError(f"{prefix.rstrip('.') or 'design'}: expected a mapping, got {raw!r}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.name != "base_dir"}
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        where = f" in {prefix.rstrip('.')}" if prefix else ""
        valid = "\n".join(f"  {name}: {f.metadata.get('doc', '')}" for name, f in fields.items())
        raise SpecError(
            f"unknown key{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(prefix + u for u in unknown)}; valid keys{where}:\n{valid}"
        )
    values = {}
    for name, value in raw.items():
        f = fields[name]
        key = prefix + name
        target = (overrides or {}).get(name, hints[name])
        values[name] = _convert(target, value, key)
        check = f.metadata.get("check")
        if check is not None and values[name] is not None and (problem := check(values[name])):
            raise SpecError(f"{key}: {value!r} is not valid; {problem}")
    try:
        return cls(**values)
    except TypeError as exc:
        missing = [
            n
            for n, f in fields.items()
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING and n not in raw
        ]
        raise SpecError(
            f"{prefix.rstrip('.') or 'design'}: missing required key(s) {', '.join(missing)}"
        ) from exc


def _convert(target: Any, value: Any, key: str) -> Any:
    """Check `value` against a type hint, building nested dataclasses."""
    origin = typing.get_origin(target)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(target)
        if value is None and type(None) in options:
            return None
        errors = []
        for option in options:
            if option is type(None):
                continue
            try:
                return _convert(option, value, key)
            except SpecError as exc:
                errors.append(str(exc))
        raise SpecError(
            errors[0] if len(errors) == 1 else f"{key}: {value!r} is not valid ({'; or '.join(errors)})"
        )
    if isinstance(target, type) and dataclasses.is_dataclass(target):
        return _build(target, value, key + ".")
    if origin is list:
        (item,) = typing.get_args(target)
        if not isinstance(value, list):
            raise SpecError(f"{key}: {value!r} is not valid; expected a list")
        return [_convert(item, v, f"{key}[{i}]") for i, v in enumerate(value)]
    if origin is dict:
        key_t, val_t = typing.get_args(target)
        if not isinstance(value, dict):
            raise SpecError(f"{key}: {value!r} is not valid; expected a mapping")
        return {_convert(key_t, k, key): _convert(val_t, v, f"{key}.{k}") for k, v in value.items()}
    if target is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if target is Path:
        return Path(value)
    if target is Any or (isinstance(value, target) and not (target is int and isinstance(value, bool))):
        return value
    raise SpecError(f"{key}: {value!r} is not valid; expected {getattr(target, '__name__', target)}")
