"""Search spaces: parameters as dotted paths into a design spec, suggested through an Optuna trial.

A parameter is one of

    {type: int, low, high, step: 1, log: false}       integers (with step, or on a log scale)
    {type: float, low, high, step: null, log: false}   floats (linear or log)
    {type: categorical, choices: [...]}                any YAML values (numbers, strings, null)
    {type: list, length: <int or categorical>, item: <parameter>}
        a list whose items exist only up to the trial's length, e.g. model.hidden: the widths
        `model.hidden[0]`, `model.hidden[1]`, ... are suggested only for the layers a trial has
    {type: per_layer, item: <parameter>}
        a mapping dense layer -> value (firmware.reuse_factor): one value for each dense layer the
        trial's network has (`firmware.reuse_factor[fc1]`, ..., `[output]`)

Conditional parameters are suggested in dependency order (lists before per-layer parameters), so the
layers a per-layer parameter sees are those of the trial's own network.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from harness.spec import SpecError

PARAM_TYPES = ("int", "float", "categorical", "list", "per_layer")


@dataclass(frozen=True)
class Param:
    """One dimension of the space. `name` is its dotted path in the design spec."""

    name: str
    type: str
    low: float | None = None
    high: float | None = None
    step: float | None = None
    log: bool = False
    choices: tuple | None = None
    length: Param | None = None  # list
    item: Param | None = None  # list, per_layer

    # The fields each type has (set by `_param` for that type; None for the others), or a TypeError.

    @property
    def bounds(self) -> tuple[float, float]:
        """(low, high) of an int or float parameter."""
        if self.low is None or self.high is None:
            raise TypeError(f"{self.name}: a {self.type} parameter has no range")
        return self.low, self.high

    @property
    def options(self) -> tuple:
        """The choices of a categorical parameter."""
        if self.choices is None:
            raise TypeError(f"{self.name}: a {self.type} parameter has no choices")
        return self.choices

    @property
    def item_param(self) -> Param:
        """The parameter of each item of a list or per_layer parameter."""
        if self.item is None:
            raise TypeError(f"{self.name}: a {self.type} parameter has no items")
        return self.item

    @property
    def length_param(self) -> Param:
        """The parameter of a list parameter's length."""
        if self.length is None:
            raise TypeError(f"{self.name}: a {self.type} parameter has no length")
        return self.length

    def suggest(self, trial: Any, name: str) -> Any:
        """A value for a scalar parameter (int, float, categorical) under Optuna name `name`."""
        if self.type == "int":
            step = int(self.step or 1)
            low, high = self.bounds
            return trial.suggest_int(name, int(low), int(high), step=step, log=self.log)
        if self.type == "float":
            low, high = self.bounds
            value = trial.suggest_float(name, low, high, step=self.step, log=self.log)
            return round(value, 12) if self.step else value  # 0.7, not 0.7000000000000001, in the spec
        if self.type == "categorical":
            return trial.suggest_categorical(name, list(self.options))
        raise TypeError(f"{self.name}: a {self.type} parameter has no scalar value")

    def values(self) -> list[Any]:
        """Every value a scalar parameter can take (the ends of a continuous range), for validation."""
        if self.type == "categorical":
            return list(self.options)
        if self.type == "int":
            step = int(self.step or 1)
            low, high = self.bounds
            if self.log or (high - low) / step > 64:
                return [int(low), int(high)]
            return list(range(int(low), int(high) + 1, step))
        if self.type == "float":
            return [*self.bounds]
        raise TypeError(f"{self.name}: a {self.type} parameter has no scalar values")


def parse_param(name: str, raw: Any) -> Param:
    """Read one parameter's YAML; raises SpecError naming `space.<name>` and what is valid."""
    where = f"space.{name}"
    if not isinstance(raw, dict) or "type" not in raw:
        raise SpecError(
            f"{where}: {raw!r} is not a parameter; expected a mapping with `type` (one of "
            f"{', '.join(PARAM_TYPES)}), e.g. {{type: int, low: 2, high: 8}}"
        )
    kind = raw["type"]
    allowed = {
        "int": {"low", "high", "step", "log"},
        "float": {"low", "high", "step", "log"},
        "categorical": {"choices"},
        "list": {"length", "item"},
        "per_layer": {"item"},
    }.get(kind)
    if allowed is None:
        raise SpecError(f"{where}.type: {kind!r} is not valid; must be one of {', '.join(PARAM_TYPES)}")
    unknown = sorted(set(raw) - allowed - {"type"})
    if unknown:
        raise SpecError(f"{where}: unknown key(s) {unknown} for a {kind} parameter; valid: {sorted(allowed)}")
    if kind in ("int", "float"):
        return _range(name, kind, raw)
    if kind == "categorical":
        choices = raw.get("choices")
        if not isinstance(choices, list) or not choices:
            raise SpecError(f"{where}.choices: {choices!r} is empty or not a list; give at least one value")
        return Param(name, kind, choices=tuple(choices))
    if "item" not in raw:
        raise SpecError(f"{where}: a {kind} parameter needs `item`, the parameter of each element")
    item = parse_param(f"{name}[]", raw["item"])
    if item.type not in ("int", "float", "categorical"):
        raise SpecError(f"{where}.item: must be an int, float or categorical parameter, not {item.type}")
    if kind == "per_layer":
        return Param(name, kind, item=item)
    if "length" not in raw:
        raise SpecError(f"{where}: a list parameter needs `length`, e.g. {{type: int, low: 1, high: 3}}")
    length = parse_param(f"{name}.length", raw["length"])
    if length.type not in ("int", "categorical") or any(
        not isinstance(v, int) or v < 1 for v in length.values()
    ):
        raise SpecError(f"{where}.length: must be an int or categorical parameter of positive integers")
    return Param(name, kind, length=length, item=item)


def _range(name: str, kind: str, raw: dict) -> Param:
    where = f"space.{name}"
    number = (int,) if kind == "int" else (int, float)
    for key in ("low", "high"):
        if key not in raw or not isinstance(raw[key], number) or isinstance(raw[key], bool):
            raise SpecError(f"{where}.{key}: {raw.get(key)!r} is not valid; a {kind} parameter needs {key}")
    low, high, step, log = raw["low"], raw["high"], raw.get("step"), bool(raw.get("log", False))
    if low > high:
        raise SpecError(f"{where}: the range is inverted (low {low} > high {high}); give low <= high")
    if step is not None and (not isinstance(step, number) or step <= 0):
        raise SpecError(f"{where}.step: {step!r} is not valid; must be a positive {kind}")
    if log and low <= 0:
        raise SpecError(f"{where}: a log range needs low > 0, got {low}")
    if log and step not in (None, 1):
        raise SpecError(f"{where}: log and step cannot be combined")
    if step and kind == "float" and not math.isclose(((high - low) / step) % 1, 0, abs_tol=1e-9):
        raise SpecError(f"{where}: the range {low}..{high} is not a whole number of steps {step}")
    return Param(name, kind, low=low, high=high, step=step, log=log)


@dataclass(frozen=True)
class Space:
    """The parameters of one design; `suggest` turns a trial into design-spec overrides."""

    params: tuple[Param, ...]
    prefix: str = ""  # Optuna name prefix, e.g. "mlp/" when a study holds several designs

    def suggest(self, trial: Any, layers_of: Callable[[dict[str, Any]], list[str] | None]) -> dict[str, Any]:
        """{dotted path: value} for one trial. `layers_of(overrides)` names the dense layers of the
        network those overrides give (None when unknown), for per-layer parameters."""
        values: dict[str, Any] = {}
        for param in sorted(self.params, key=lambda p: p.type == "per_layer"):
            name = self.prefix + param.name
            if param.type == "list":
                length = param.length_param.suggest(trial, f"{name}.length")
                values[param.name] = [param.item_param.suggest(trial, f"{name}[{i}]") for i in range(length)]
            elif param.type == "per_layer":
                layers = layers_of(values)
                if layers is None:
                    raise SpecError(f"space.{param.name}: the dense layers are not known before training")
                values[param.name] = {
                    layer: param.item_param.suggest(trial, f"{name}[{layer}]") for layer in layers
                }
            else:
                values[param.name] = param.suggest(trial, name)
        return values


def parse_space(raw: Any) -> Space:
    if raw is None:
        return Space(())
    if not isinstance(raw, dict):
        raise SpecError(f"space: expected a mapping of dotted design paths to parameters, got {raw!r}")
    return Space(tuple(parse_param(name, value) for name, value in raw.items()))
