"""Vendor-measured points in a study: a metrics.json written by `harness vendor-report --metrics` on a
machine with Vivado (or Vitis HLS, or oneAPI), added to the study as a completed Optuna trial.

The trial carries the user attributes `harness.sweep.trials.TrialRecord.from_frozen` reads, with kind
`vendor` and fidelity `vendor`, its objective values with their sources (the vendor report's, and
for the accuracy the value given at import, which no harness tool measured), and the study's
constraints evaluated on it, so the report's Pareto computation treats it like any other point. It
carries no `feasible` flag: the sweep's own front (from which a resumed sweep re-runs unverified
designs) reads that flag, and a resumed sweep cannot re-run a vendor point (it does not know the
fidelity `vendor`); the report reads feasibility from the constraints instead. Its design
hash is a fingerprint of the report with every timestamp removed, so a second import of the same
report (re-run, re-exported) gets the same hash and is flagged as a duplicate.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.devices import DEVICES
from harness.report.study import StudyInfo
from harness.spec import SpecError
from harness.sweep.objectives import measure

#: Keys whose values are timestamps, and string values that look like dates: ignored in the fingerprint.
_TIME_KEY = re.compile(r"date|time(?!out)|timestamp|created|generated|modified|_at$", re.IGNORECASE)
_TIME_VALUE = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}|\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \w{3} +\d{1,2} \d{2}:\d{2}:\d{2}"
)
#: 18 Kb block RAMs per unit the vendor report counts in (the devices table counts 18 Kb halves).
BRAM_18K_PER_UNIT = {"BRAM_18K": 1, "RAMB36 tile": 2}


@dataclass(frozen=True)
class Imported:
    number: int
    label: str
    values: list[float]
    violated: dict[str, float]  # constraint name -> amount over its limit (empty: inside every constraint)
    duplicate_of: int | None
    record: Path


def strip_timestamps(node: Any) -> Any:
    """The report without timestamps: keys named like dates dropped, date-like strings blanked."""
    if isinstance(node, dict):
        return {k: strip_timestamps(v) for k, v in node.items() if not _TIME_KEY.search(str(k))}
    if isinstance(node, list):
        return [strip_timestamps(v) for v in node]
    if isinstance(node, str) and _TIME_VALUE.search(node):
        return _TIME_VALUE.sub("<timestamp>", node)
    return node


def fingerprint(metrics: dict) -> str:
    canonical = json.dumps(strip_timestamps(metrics), sort_keys=True, separators=(",", ":"))
    return "vendor-" + hashlib.sha256(canonical.encode()).hexdigest()[:16]


def read_metrics(path: Path) -> dict:
    """A `vendor-report --metrics` file, checked for the sections a point needs."""
    try:
        metrics = json.loads(path.read_text())
    except FileNotFoundError:
        raise SpecError(f"{path} does not exist") from None
    except ValueError as exc:
        raise SpecError(f"{path} is not JSON: {exc}") from None
    if not isinstance(metrics, dict) or not all(
        isinstance(metrics.get(k), dict) for k in ("latency", "resources")
    ):
        raise SpecError(
            f"{path} has no latency and resources sections; expected the output of "
            "`harness vendor-report PROJECT --metrics OUT.json`"
        )
    return metrics


def vendor_record(metrics: dict, label: str, accuracy: float | None, source: Path) -> dict:
    """The imported point as a harness record: the vendor's numbers and the stated accuracy. Its
    verification is kept only where the harness itself simulated the vendor RTL (`harness cosim`:
    a simulator is named); a vendor report alone leaves it unknown, never zero."""
    record = dict(metrics)
    verification = metrics.get("verification") or {}
    if not verification.get("simulator"):
        verification = {"vectors": None, "mismatches": None, "reference": None, "simulator": None}
    record.update(
        design=label,
        kind="vendor",
        fidelity="vendor",
        accuracy={
            "emulation": accuracy,
            "source": None if accuracy is None else "stated at import (harness study add --accuracy)",
        },
        verification=verification,
        imported={"from": str(source.resolve()), "at": datetime.datetime.now().astimezone().isoformat()},
    )
    return record


def objective_values(info: StudyInfo, record: dict) -> tuple[list[float], dict[str, str | None]]:
    """The study's objectives on the point, with their sources; SpecError naming any unknown one."""
    values, sources = [], {}
    for objective in info.objectives:
        if objective.metric.startswith("accuracy."):
            value, source = record["accuracy"]["emulation"], record["accuracy"]["source"]
        else:
            measured = measure(record, objective.metric, info.dsp_weight)
            value, source = measured.value, measured.source
        if value is None:
            hint = (
                " (pass --accuracy, the accuracy measured for this firmware)"
                if "accuracy" in objective.metric
                else ""
            )
            raise SpecError(f"objective {objective.metric} is unknown for this vendor point{hint}")
        values.append(float(value))
        sources[objective.metric] = source
    return values, sources


def constraints(info: StudyInfo, record: dict) -> dict[str, float | None]:
    """The study's constraints on the point (None where the report does not state the value). As for the
    sweep's own trials, the RTL's mismatched words are one: known where `harness cosim` simulated it."""
    result: dict[str, float | None] = {}
    if info.budget_us is not None:
        ns = record["latency"].get("ns")
        result["latency_budget"] = None if ns is None else ns - 1000.0 * info.budget_us
    for name in info.devices:
        device = DEVICES.get(name)
        if device is None:  # not a known part: no capacity to compare with
            continue
        for resource in ("lut", "ff", "dsp", "bram"):
            used = record["resources"].get(resource)
            if resource == "bram" and used is not None:
                per_unit = BRAM_18K_PER_UNIT.get(record["resources"].get("bram_unit"))
                used = None if per_unit is None else used * per_unit
            result[f"{name}_{resource}"] = None if used is None else used - device.capacity(resource)
    for metric, limit in info.limits.items():
        value = measure(record, metric, info.dsp_weight).value
        result[f"limit_{metric}"] = None if value is None else value - limit
    mismatches = record["verification"].get("mismatches")
    result["rtl_mismatches"] = None if mismatches is None else float(mismatches)
    return result


def add_point(
    info: StudyInfo, study: Any, metrics_path: Path, accuracy: float | None, label: str | None
) -> Imported:
    """Add the vendor point to the study (Optuna's `create_trial` + `add_trial`); its record is copied
    beside the sweep's results so the report can link it."""
    import optuna

    metrics = read_metrics(metrics_path)
    design_hash = fingerprint(metrics)
    label = label or f"vendor:{metrics_path.stem}"
    record = vendor_record(metrics, label, accuracy, metrics_path)
    values, sources = objective_values(info, record)
    limits = constraints(info, record)
    trials = study.get_trials(deepcopy=False)
    earlier = [t.number for t in trials if t.user_attrs.get("design_hash") == design_hash]
    folder = info.results / "vendor" / design_hash / str(len(earlier))  # one folder per import
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "metrics.json").write_text(json.dumps(record, indent=2) + "\n")
    shutil.copyfile(metrics_path, folder / "vendor-metrics.json")
    violated = {name: v for name, v in limits.items() if v is not None and v > 0}
    trial = optuna.trial.create_trial(
        values=values,
        user_attrs={
            "design": label,
            "kind": "vendor",
            "design_hash": design_hash,
            "fidelity": "vendor",
            # co-simulated by `harness cosim`: bit-exact vendor RTL is verified; a mismatch keeps it off
            # the front
            "verified": record["verification"].get("bit_exact") is True,
            "mismatches": record["verification"].get("mismatches"),
            "sources": sources,
            "constraints": limits,
            "record": str((folder / "metrics.json").resolve()),
            "imported_from": str(metrics_path.resolve()),
            "duplicate_of": earlier[0] if earlier else None,
        },
        constraints={k: 0.0 if v is None else v for k, v in limits.items()},
    )
    study.add_trial(trial)
    number = study.get_trials(deepcopy=False)[-1].number
    return Imported(number, label, values, violated, earlier[0] if earlier else None, folder / "metrics.json")
