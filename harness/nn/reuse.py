"""Reuse factors: which ones are valid for a dense layer, checked before any work starts.

The rule is hls4ml's own (`FPGABackend.get_valid_reuse_factors`, the one its Resource strategy
enforces): hls4ml is called rather than re-implemented, so the open flow accepts exactly the values
an hls4ml user may choose. hls4ml silently replaces an invalid reuse factor with the closest valid
one and prints a warning; here an invalid one is an error that lists the valid values, because a
silently different design point would be recorded under the spec the user asked for.

The layer shapes are known from the spec for models the harness trains (data set features ->
hidden widths -> classes, named as `harness.nn.train` names them), so `check_spec` can reject a bad
reuse factor before training; for a pretrained model the shapes come from the converted model.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from harness.spec import DesignSpec, SpecError


@dataclass(frozen=True)
class DenseShape:
    """A dense layer as the reuse-factor rule sees it."""

    name: str
    n_in: int
    n_out: int


@cache
def valid_reuse_factors(n_in: int, n_out: int) -> tuple[int, ...]:
    """hls4ml 1.3.0's valid reuse factors for an n_in x n_out dense layer (Vitis = Vivado rule)."""
    from hls4ml.backends import get_backend

    return tuple(get_backend("Vitis").get_valid_reuse_factors(n_in, n_out))


def reuse_for(reuse_factor: int | dict[str, int], layer: str) -> int:
    """One layer's reuse factor: the model-wide value, or the mapping's entry (absent: 1, as convert.py)."""
    return reuse_factor.get(layer, 1) if isinstance(reuse_factor, dict) else reuse_factor


def is_time_multiplexed(reuse_factor: int | dict[str, int]) -> bool:
    values = reuse_factor.values() if isinstance(reuse_factor, dict) else [reuse_factor]
    return any(v != 1 for v in values)


def planned_dense_layers(spec: DesignSpec) -> list[DenseShape] | None:
    """The dense layers `harness.nn.train` will build for this spec, or None if unknown (a pretrained
    model, or a data file whose features and classes are known only once it is read)."""
    from harness.data import known_shape

    shape = known_shape(spec.data)
    if spec.kind != "nn" or spec.model.pretrained is not None or shape is None:
        return None
    hidden = spec.nn_model.hidden
    widths = [shape[0], *hidden, shape[1]]
    names = [f"fc{i}" for i in range(1, len(hidden) + 1)] + ["output"]
    return [DenseShape(*shape) for shape in zip(names, widths[:-1], widths[1:], strict=True)]


def planned_layer_names(spec: DesignSpec) -> list[str] | None:
    """The names of the dense layers `planned_dense_layers` finds, or None if unknown."""
    layers = planned_dense_layers(spec)
    return None if layers is None else [layer.name for layer in layers]


def check(spec: DesignSpec, layers: list[DenseShape]) -> None:
    """Reject reuse factors hls4ml's rule does not allow, and time multiplexing with da4ml arithmetic."""
    check_arithmetic(spec)
    rf = spec.firmware.reuse_factor
    if isinstance(rf, dict):
        unknown = sorted(set(rf) - {layer.name for layer in layers})
        if unknown:
            raise SpecError(
                f"firmware.reuse_factor names {unknown}, which are not dense layers; "
                f"dense layers: {[layer.name for layer in layers]}"
            )
    for layer in layers:
        check_layer(layer, reuse_for(rf, layer.name))


def check_layer(layer: DenseShape, reuse: int) -> None:
    """One layer's reuse factor against hls4ml's rule; the error lists the valid values."""
    valid = valid_reuse_factors(layer.n_in, layer.n_out)
    if reuse not in valid:
        raise SpecError(
            f"firmware.reuse_factor: {reuse} is not valid for layer {layer.name} "
            f"({layer.n_in} inputs x {layer.n_out} outputs); hls4ml's rule allows "
            f"{', '.join(map(str, valid))}"
        )


def resolve_arithmetic(arithmetic: str, reuse_factor: int | dict[str, int]) -> str:
    """The RTL generator a spec asks for: `auto` is da4ml at reuse factor 1, the MAC generator above."""
    if arithmetic != "auto":
        return arithmetic
    return "mac" if is_time_multiplexed(reuse_factor) else "da"


def check_arithmetic(spec: DesignSpec) -> None:
    """A reuse factor above 1 needs the multiplier generator: da4ml is fully unrolled."""
    rf = spec.firmware.reuse_factor
    if is_time_multiplexed(rf) and spec.firmware.arithmetic == "da":
        raise SpecError(
            f"firmware.reuse_factor: {rf!r} needs firmware.arithmetic: auto or mac; da4ml's distributed "
            "arithmetic is fully unrolled (reuse factor 1 only)"
        )


def check_spec(spec: DesignSpec) -> None:
    """Everything `check` can decide from the spec alone, so a bad value fails before training."""
    if spec.kind != "nn":
        return
    layers = planned_dense_layers(spec)
    if layers is None:
        check_arithmetic(spec)
    else:
        check(spec, layers)
