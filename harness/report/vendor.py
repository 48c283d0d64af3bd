"""Vendor-measured points in a study: a metrics.json written by `harness vendor-report --metrics` on a
machine with Vivado (or Vitis HLS, or oneAPI), added to the study as a completed Optuna trial.

The trial carries the user attributes `harness.sweep.trials.TrialRecord.from_frozen` reads, with kind
`vendor` and fidelity `vendor`, its objective values with their sources (the vendor report's, and
for the accuracy the value given at import, which no harness tool measured), and the study's
constraints evaluated on it, so the report's Pareto computation treats it like any other point. It
carries no `feasible` flag: the sweep's own front (from which a resumed sweep re-runs unverified
designs) reads that flag, and a resumed sweep cannot re-run a vendor point (it does not know the
fidelity `vendor`); the report reads feasibility from the constraints instead. Its design
hash is a fingerprint of what determines the design in the report (`design_content`: its numbers, the
tool and part, the co-simulated RTL's content hash), never of where its files were or when they were
written, so a second import of the same design (re-run, re-exported, copied to another folder) gets
the same hash and is flagged as a duplicate.
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

from harness.devices import CAPACITY_EXAMPLE, DEVICES, RESOURCES, device_name
from harness.record import Record
from harness.report.study import StudyInfo
from harness.spec import SpecError
from harness.sweep.constraints import Bounds, evaluate
from harness.sweep.objectives import measure
from harness.sweep.trials import attributes, stored

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
    notes: tuple[str, ...] = ()  # where the device's capacity came from, or why it is unknown


def strip_timestamps(node: Any) -> Any:
    """The report without timestamps: keys named like dates dropped, date-like strings blanked."""
    if isinstance(node, dict):
        return {k: strip_timestamps(v) for k, v in node.items() if not _TIME_KEY.search(str(k))}
    if isinstance(node, list):
        return [strip_timestamps(v) for v in node]
    if isinstance(node, str) and _TIME_VALUE.search(node):
        return _TIME_VALUE.sub("<timestamp>", node)
    return node


#: Absolute paths inside strings (a co-simulation's latency source names the RTL folder it simulated).
_PATH = re.compile(r"(?<![\w.])/[^\s,;()]+")
#: The vendor section's fields that say what was built and by which tool (not `sources`: file names).
_IDENTITY = ("tool", "tool_version", "part", "top", "synth_tool", "available")
#: The co-simulation's results (not its paths, timings or the simulator's own versions).
_VERIFIED = ("vectors", "mismatches", "mismatched_vectors", "bit_exact", "testbench_passed", "simulator")


def _scalars(node: Any) -> Any:
    """A section's numbers and words: nested sections kept, lists dropped, paths and dates blanked."""
    if isinstance(node, dict):
        return {k: _scalars(v) for k, v in node.items() if not isinstance(v, list)}
    if isinstance(node, str):
        return _PATH.sub("<path>", strip_timestamps(node))
    return node


def design_content(metrics: dict) -> dict:
    """What determines a vendor point: latency and resources (numbers, units, which tool and stage
    gave them), the tool, part and top, the capacity the report states, and for a co-simulated point
    the content hash of the RTL and vectors (`harness cosim`'s `design_hash`) with its result. Never the
    report's file names or folders, timestamps, problems (which name the folder), run times or where
    it was imported from: a copied, re-exported or re-dated project is the same design."""
    vendor = metrics.get("vendor") or {}
    verification = metrics.get("verification") or {}
    simulated = bool(verification.get("simulator"))
    return {
        "latency": _scalars(metrics.get("latency") or {}),
        "resources": _scalars(metrics.get("resources") or {}),
        "vendor": {k: _scalars(vendor.get(k)) for k in _IDENTITY},
        "rtl": metrics.get("design_hash") if simulated else None,
        "verification": {k: verification.get(k) for k in _VERIFIED} if simulated else None,
    }


def fingerprint(metrics: dict) -> str:
    """The design hash of an imported point: sha256 of `design_content`, 16 hex digits."""
    canonical = json.dumps(design_content(metrics), sort_keys=True, separators=(",", ":"))
    return "vendor-" + hashlib.sha256(canonical.encode()).hexdigest()[:16]


def legacy_fingerprint(metrics: dict) -> str:
    """The hash imports made before `design_content` (the whole file without timestamps): a study
    holding such a point still recognises its duplicate."""
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


def vendor_record(
    metrics: dict, label: str, accuracy: float | None, source: Path, design_hash: str
) -> Record:
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
        design_hash=design_hash,
        imported={"from": str(source.resolve()), "at": datetime.datetime.now().astimezone().isoformat()},
    )
    return Record.from_dict(record)


def objective_values(info: StudyInfo, record: Record) -> tuple[list[float], dict[str, str | None]]:
    """The study's objectives on the point, with their sources; SpecError naming any unknown one."""
    values, sources = [], {}
    for objective in info.objectives:
        if objective.metric.startswith("accuracy."):
            value, source = record.accuracy.emulation, record.accuracy.extra.get("source")
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


def _in_18k(counts: dict, resource: str) -> float | None:
    """A count of `counts` (a metrics resources or available section); BRAM in 18 Kb blocks, None when
    its unit does not convert."""
    value = counts.get(resource)
    if resource == "bram" and value is not None:
        per_unit = BRAM_18K_PER_UNIT.get(str(counts.get("bram_unit")))
        value = None if per_unit is None else value * per_unit
    return value


def vendor_part(record: Record) -> str | None:
    """The part the vendor point was built for, as its report states it."""
    part = (record.vendor or {}).get("part")
    return str(part) if part else None


def capacity(name: str, record: Record) -> tuple[dict[str, float | None], str] | None:
    """The capacity of the study's device `name` and where it comes from: the device table, else, for a
    point built on that device, what its own report states (`vendor.available`); None when neither
    knows it (a part not in the table whose report states no capacity, or a point on another part)."""
    device = DEVICES.get(name)
    if device is not None:
        return {r: float(device.capacity(r)) for r in RESOURCES}, device.source
    available = (record.vendor or {}).get("available")
    part = vendor_part(record)
    if isinstance(available, dict) and part and device_name(part) == name:
        return {r: _in_18k(available, r) for r in RESOURCES}, f"the vendor report ({available.get('source')})"
    return None


def constraints(info: StudyInfo, record: Record) -> dict[str, float | None]:
    """The study's constraints on the point (`harness.sweep.constraints`; None where the report does
    not state the value). As for the sweep's own trials, the RTL's mismatched words are one: known
    where `harness cosim` simulated it. The device's capacity is the table's, or for a part not in it
    the report's own (`capacity`); BRAM counts in 18 Kb blocks whatever unit the report uses."""

    def value(metric: str) -> float | None:
        section, _, resource = metric.partition(".")
        if section == "resources" and resource in RESOURCES:
            return _in_18k(record.resources.to_dict(), resource)
        return measure(record, metric, info.dsp_weight).value

    known = {name: capacity(name, record) for name in info.devices}
    bounds = Bounds(
        budget_us=info.budget_us,
        devices={name: None if c is None else c[0] for name, c in known.items()},
        limits=info.limits,
    )
    return evaluate(bounds, value, record.verification.mismatches)


def device_notes(info: StudyInfo, record: Record) -> list[str]:
    """What a reader of `study add` must know about the devices: a point measured on another part than
    the study's device, a capacity taken from the report itself, or none known (and how to give one)."""
    from harness.devices import CAPACITY_METRICS

    notes, part = [], vendor_part(record)
    for name in info.devices:
        known = capacity(name, record)
        if part and device_name(part) != name:
            notes.append(
                f"the point was measured on part {part}, not on the study's device {name}: its resources "
                + (f"are checked against {name}'s capacity" if known else "are not checked against a device")
            )
        elif known is not None and name not in DEVICES:
            notes.append(f"device {name} is not in the device table: its capacity is what {known[1]} states")
        elif known is None and not any(metric in info.limits for metric in CAPACITY_METRICS):
            notes.append(
                f"no capacity is known for device {name} (it is not in the device table and the report "
                "states none), so the point's LUT/FF/DSP/BRAM are not checked against a device; to check "
                f"them, give them in a sweep spec ({CAPACITY_EXAMPLE}), create a study from it with "
                "`harness sweep SPEC --study NEW --trials 0` and add the point to that study with "
                "`harness study add NEW METRICS.json`"
            )
    return notes


def add_point(
    info: StudyInfo, study: Any, metrics_path: Path, accuracy: float | None, label: str | None
) -> Imported:
    """Add the vendor point to the study (Optuna's `create_trial` + `add_trial`); its record is copied
    beside the sweep's results so the report can link it."""
    import optuna

    metrics = read_metrics(metrics_path)
    label = label or f"vendor:{metrics_path.stem}"
    trials = study.get_trials(deepcopy=False)
    hashes = (fingerprint(metrics), legacy_fingerprint(metrics))
    earlier_trials = [t for t in trials if stored(t, "design_hash") in hashes]
    # a duplicate of a point imported before takes its hash, so that the report groups the two
    design_hash = str(stored(earlier_trials[0], "design_hash")) if earlier_trials else hashes[0]
    earlier = [t.number for t in earlier_trials]
    record = vendor_record(metrics, label, accuracy, metrics_path, design_hash)
    values, sources = objective_values(info, record)
    limits = constraints(info, record)
    folder = info.results / "vendor" / design_hash / str(len(earlier))  # one folder per import
    folder.mkdir(parents=True, exist_ok=True)
    record.write(folder / "metrics.json")
    shutil.copyfile(metrics_path, folder / "vendor-metrics.json")
    violated = {name: v for name, v in limits.items() if v is not None and v > 0}
    trial = optuna.trial.create_trial(
        values=values,
        user_attrs=attributes(
            design=label,
            kind="vendor",
            design_hash=design_hash,
            fidelity="vendor",
            # co-simulated by `harness cosim`: bit-exact vendor RTL is verified; a mismatch keeps it off
            # the front
            verified=record.verification.extra.get("bit_exact") is True,
            mismatches=record.verification.mismatches,
            sources=sources,
            constraints=limits,
            record=str((folder / "metrics.json").resolve()),
            imported_from=str(metrics_path.resolve()),
            duplicate_of=earlier[0] if earlier else None,
        ),
        constraints={k: 0.0 if v is None else v for k, v in limits.items()},
    )
    study.add_trial(trial)
    number = study.get_trials(deepcopy=False)[-1].number
    return Imported(
        number,
        label,
        values,
        violated,
        earlier[0] if earlier else None,
        folder / "metrics.json",
        tuple(device_notes(info, record)),
    )
