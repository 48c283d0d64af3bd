"""The types of the top's ports and the target clock, from the flags or what the project says.

Input and output types come from `--input-precision` / `--output-precision`, else the `input_t` and
`result_t` (hls4ml `defines.h`) or `score_t` (conifer `parameters.h`) typedefs, else
`hls4ml_config.yml`'s input layer or model precision, else hls4ml's default `ap_fixed<16,6>`. The clock
is `hls4ml_config.yml`'s ClockPeriod, else the Tcl project's clock period.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from harness.cosim.types import CosimError, Precision
from harness.fixed import FixedType
from harness.hls.build_plan import tcl_settings
from harness.hls.scan import HLS4ML_CONFIG, path_order
from harness.hls.tops import ConfigLoader

#: hls4ml's default precision (its `Model: Precision`), used where nothing in the project says otherwise.
DEFAULT_PRECISION = "ap_fixed<16,6>"
#: Header files whose typedefs name the top's types: hls4ml (`input_t`, `result_t`), conifer (`score_t`).
TYPE_HEADERS = ("defines.h", "parameters.h")
_INPUT_TYPEDEFS = ("input_t",)
_OUTPUT_TYPEDEFS = ("result_t", "score_t")


def _precision(text: str, source: str, flag: str) -> Precision:
    try:
        return Precision(FixedType.parse(text), source)
    except ValueError as exc:
        raise CosimError(f"{flag}: {exc}") from None


def _typedefs(project: Path) -> tuple[dict[str, str], Path | None]:
    """`typedef <type> <name>;` lines of the project's type header (shallowest first)."""
    headers = sorted((p for name in TYPE_HEADERS for p in project.rglob(name)), key=path_order)
    for header in headers:
        found = dict(
            (m[2], m[1])
            for m in re.finditer(
                r"^\s*typedef\s+(ap_u?(?:fixed|int)<[^;>]*>)\s+(\w+)\s*;", header.read_text(), re.M
            )
        )
        if found:
            return found, header
    return {}, None


def read_config(project: Path) -> tuple[dict[str, Any], Path | None]:
    """The project's hls4ml_config.yml (the shallowest) as a dict, and its path; empty when there is none."""
    configs = sorted(project.rglob(HLS4ML_CONFIG), key=path_order)
    if not configs:
        return {}, None
    try:
        data = yaml.load(configs[0].read_text(), Loader=ConfigLoader)
    except yaml.YAMLError as exc:
        raise CosimError(f"{configs[0]} is not readable YAML: {' '.join(str(exc).split())}") from None
    return (data if isinstance(data, dict) else {}), configs[0]


#: A type as written in a configuration, and the key it was written under.
_Configured = tuple[str, str] | None


def _config_precisions(config: dict[str, Any], input_layer: str) -> tuple[_Configured, _Configured]:
    """(input, model default) types in hls4ml_config.yml, each with the key it came from: the input
    layer's `LayerName.<layer>.Precision.result`, and `Model.Precision` (a type, or a dict with
    `default`). `auto` (hls4ml infers it at conversion) names no type."""
    hls = config.get("HLSConfig")
    if not isinstance(hls, dict):
        hls = {}

    def result(node: Any, key: str, *names: str) -> _Configured:
        value = node.get("Precision") if isinstance(node, dict) else None
        if isinstance(value, dict):
            name = next((n for n in names if isinstance(value.get(n), str)), None)
            value, key = (value[name], f"{key}.{name}") if name else (None, key)
        return (value, key) if isinstance(value, str) and value.strip() != "auto" else None

    layers = hls.get("LayerName")
    if not isinstance(layers, dict):
        layers = {}
    return (
        result(layers.get(input_layer), f"HLSConfig.LayerName.{input_layer}.Precision", "result"),
        result(hls.get("Model"), "HLSConfig.Model.Precision", "result", "default"),
    )


def find_precisions(
    project: Path, input_flag: str | None, output_flag: str | None, input_port: str
) -> tuple[Precision, Precision]:
    """Input and output types: the flags, else the header typedefs, else hls4ml_config.yml (the input
    layer, named like the input port, then the model default), else hls4ml's default."""
    typedefs, header = _typedefs(project)
    config, config_path = read_config(project)
    layer_type, model_type = _config_precisions(config, input_port.removesuffix("_V"))

    def pick(
        flag: str | None, option: str, names: tuple[str, ...], configured: list[_Configured]
    ) -> Precision:
        if flag is not None:
            return _precision(flag, f"--{option}", f"--{option}")
        for name in names:
            if name in typedefs:
                rel = header.relative_to(project)  # type: ignore[union-attr]
                return _precision(typedefs[name], f"{rel} ({name})", f"typedef {name} in {header}")
        for text, key in filter(None, configured):
            rel = config_path.relative_to(project)  # type: ignore[union-attr]
            return _precision(text, f"{rel} ({key})", f"{key} in {config_path}")
        return _precision(DEFAULT_PRECISION, "hls4ml's default (nothing in the project names it)", "default")

    return (
        pick(input_flag, "input-precision", _INPUT_TYPEDEFS, [layer_type, model_type]),
        pick(output_flag, "output-precision", _OUTPUT_TYPEDEFS, [model_type]),
    )


def find_clock_ns(project: Path, config: dict[str, Any]) -> float | None:
    """The target clock: hls4ml_config.yml's ClockPeriod, else project.tcl / conifer's hls_parameters.tcl."""
    if config.get("ClockPeriod") is not None:
        return float(config["ClockPeriod"])
    for name in ("project.tcl", "hls_parameters.tcl"):
        for path in sorted(project.rglob(name)):
            if (period := tcl_settings(path).get("clock_period")) is not None:
                return float(period)
    return None
