"""What a Pareto design is made of, read from its metrics.json: its precisions and reuse factors (or
trees, depth and precisions), the generator's per-layer figures, the estimate beside the measured
values, and where its RTL and record are."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.record import Record
from harness.report.points import Point, Value

#: Design fields that decide a design's precisions and parallelism, by kind (params section).
DESIGN_FIELDS = {
    "nn": (
        "model.hidden",
        "model.weight_bits",
        "model.activation_bits",
        "model.pruning",
        "firmware.arithmetic",
        "firmware.strategy",
        "firmware.reuse_factor",
        "firmware.input_precision",
        "firmware.default_precision",
        "firmware.clock_ns",
        "firmware.part",
    ),
    "bdt": (
        "model.n_trees",
        "model.max_depth",
        "model.learning_rate",
        "firmware.threshold_precision",
        "firmware.score_precision",
        "firmware.pipeline_stages",
        "firmware.clock_ns",
        "firmware.part",
    ),
}


@dataclass(frozen=True)
class Comparison:
    """One quantity at estimate and as measured (Yosys or Verilator), each with its source."""

    quantity: str
    estimate: Value
    measured: Value

    @property
    def error(self) -> str:
        est, real = self.estimate.value, self.measured.value
        if est is None or real is None:
            return "unknown"
        if real == 0:
            return "exact" if est == 0 else "measured 0"
        return f"{100 * (est - real) / real:+.1f} %"


#: The roles of a layer's types, in table order (as harness.nn.convert.layer_precisions records them).
PRECISION_ROLES = ("weight", "bias", "accum", "result")


@dataclass(frozen=True)
class Precisions:
    """Per-layer types of an NN design as its metrics.json records them, with their source."""

    header: list[str]
    rows: list[list[str]]
    source: str


@dataclass(frozen=True)
class Details:
    design: list[tuple[str, Any]]
    per_layer: tuple[list[str], list[list[Any]]]
    precisions: Precisions | None
    model: list[tuple[str, Any]]
    comparison: list[Comparison]
    links: list[tuple[str, str]]


def per_layer(model: dict) -> tuple[list[str], list[list[Any]]]:
    """The generator's per-layer figures (every model entry keyed by layer name) as one table."""
    tables = {
        k: v
        for k, v in model.items()
        if isinstance(v, dict) and v and all(not isinstance(x, dict | list) for x in v.values())
    }
    layers = list(dict.fromkeys(name for table in tables.values() for name in table))
    header = ["layer", *tables]
    return header, [[layer, *(tables[k].get(layer, "unknown") for k in tables)] for layer in layers]


def precisions(model: dict) -> Precisions | None:
    """The per-layer precisions the flow recorded at conversion (`model.precisions`, NN designs); a
    role a layer does not have (an activation's weight) is shown as "-". None when not recorded."""
    table = model.get("precisions")
    if not isinstance(table, dict) or not table:
        return None
    roles = [r for r in PRECISION_ROLES if any(r in entry for entry in table.values())]
    rows = [[layer, *(entry.get(r, "-") for r in roles)] for layer, entry in table.items()]
    return Precisions(["layer", *roles], rows, str(model.get("precisions_source") or "metrics.json"))


def comparison(record: Record | None) -> list[Comparison]:
    """The generator's estimates beside Yosys and Verilator, where the design got that far (all
    unknown without a record)."""
    estimate = record.estimate if record else {}
    source, fidelity = estimate.get("source"), record.fidelity if record else None
    resources = record.resources.to_dict() if record else {}
    latency = record.latency.to_dict() if record else {}
    measured_res = fidelity in ("synth", "verify")
    measured_lat = fidelity == "verify"
    rows = []
    for quantity, est_key, section, key, known in (
        ("LUT", "lut", resources, "lut", measured_res),
        ("DSP", "dsp", resources, "dsp", measured_res),
        ("latency (cycles)", "latency_cycles", latency, "cycles", measured_lat),
        ("II (cycles)", "ii_cycles", latency, "ii_cycles", measured_lat),
    ):
        est_value = estimate.get(est_key)
        real = section.get(key) if known else None
        rows.append(
            Comparison(
                quantity,
                Value(est_value, source if est_value is not None else None),
                Value(real, section.get("source") if real is not None else None),
            )
        )
    return rows


def links(record: Record | None, record_path: str | None, out: Path) -> list[tuple[str, str]]:
    """(label, relative href) for the design's metrics.json and RTL sources."""
    result = []
    if record_path:
        result.append(("metrics.json", _href(record_path, out)))
    for source in (record.rtl.get("sources") if record else None) or []:
        result.append((Path(source).name, _href(source, out)))
    return result


def _href(path: str, out: Path) -> str:
    return Path(os.path.relpath(Path(path).resolve(), out.resolve())).as_posix()


def details(point: Point, out: Path) -> Details:
    record = point.view
    kind = point.origin if point.origin in DESIGN_FIELDS else None
    fields = DESIGN_FIELDS.get(kind or "", ())
    design = [(f, record.metric(f"params.{f}") if record else None) for f in fields]
    model = record.model if record else {}
    scalars = [(k, v) for k, v in model.items() if not isinstance(v, dict) and k != "precisions_source"]
    if point.origin == "vendor":
        vendor = (record.vendor if record else None) or {}
        scalars = [(k, v) for k, v in vendor.items() if not isinstance(v, dict)]
    return Details(
        design=[(f, "not set (the flow's default)" if v is None else v) for f, v in design],
        per_layer=per_layer(model),
        precisions=precisions(model) if point.origin != "vendor" else None,
        model=scalars,
        comparison=comparison(record) if point.origin != "vendor" else [],
        links=links(record, point.trial.record, out),
    )
