"""Golden designs: which designs the regression run regenerates, and how closely each must match.

A golden design is a folder `regress/<name>/` holding

    golden.yaml      the design (a design YAML plus `harness evaluate --set` style overrides) and
                     its tolerances, per field; reviewed like code
    baseline.json    what the design produced when its baseline was taken (`harness regress --update`)
    words.csv        every RTL output word of that run, one line per vector

Tolerances are per field: resources and latency relative (percent of the baseline), accuracy absolute
(percentage points). Output words, the vector set and the design itself have no tolerance: they are
identical or the design regressed.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

from harness.spec import DesignSpec, SpecError, from_dict, read_mapping, set_path

#: The file that makes a folder a golden design.
GOLDEN_FILE = "golden.yaml"
#: Keys of golden.yaml.
GOLDEN_KEYS = {
    "description": "one line saying what the design is and why it is golden",
    "design": "design YAML, relative to golden.yaml (e.g. ../../designs/jet_mlp.yaml)",
    "set": "mapping of overrides, as `harness evaluate --set KEY=VALUE` takes them",
    "tolerances": "mapping field -> tolerance in the field's unit (see the fields' table)",
}


@dataclass(frozen=True)
class Field:
    """A compared number: where it is in a result record and how much it may move."""

    name: str
    label: str
    unit: str  # "%": relative to the baseline; "points": absolute, in percentage points
    default: float


#: The numeric fields of a baseline with their default tolerances: resources within 10 %, latency and II
#: within 2 % (hls4ml's own CI uses 10 % / 2 % for resources / latency), RTL accuracy within 0.5 points.
FIELDS = {
    f.name: f
    for f in (
        Field("rtl_accuracy", "RTL accuracy", "points", 0.5),
        Field("latency_cycles", "latency (cycles, measured)", "%", 2.0),
        Field("ii_cycles", "II (cycles, measured)", "%", 2.0),
        Field("lut", "LUT (Yosys)", "%", 10.0),
        Field("ff", "FF (Yosys)", "%", 10.0),
        Field("dsp", "DSP (Yosys)", "%", 10.0),
        Field("bram", "BRAM18 (Yosys)", "%", 10.0),
        Field("carry", "CARRY8 (Yosys)", "%", 10.0),
        Field("estimate_lut", "LUT (estimate)", "%", 10.0),
        Field("estimate_ff", "FF (estimate)", "%", 10.0),
        Field("estimate_dsp", "DSP (estimate)", "%", 10.0),
        Field("estimate_latency_cycles", "latency (estimate)", "%", 2.0),
        Field("estimate_ii_cycles", "II (estimate)", "%", 2.0),
    )
}


@dataclass(frozen=True)
class GoldenDesign:
    name: str
    folder: Path
    description: str
    design: str  # as written in golden.yaml (relative to the folder)
    overrides: dict
    tolerances: dict[str, float]

    @property
    def baseline_path(self) -> Path:
        return self.folder / "baseline.json"

    @property
    def words_path(self) -> Path:
        return self.folder / "words.csv"

    def spec(self) -> DesignSpec:
        """The design spec: the design YAML with the overrides applied, checked."""
        path = self.folder / self.design
        raw = copy.deepcopy(read_mapping(path, "design"))
        try:
            for key, value in self.overrides.items():
                set_path(raw, str(key), value, f"set: {key}")
            return from_dict(raw, base_dir=path.parent)
        except SpecError as exc:
            raise SpecError(f"golden design {self.name} ({self.folder / GOLDEN_FILE}): {exc}") from None

    def tolerance(self, field: str) -> float:
        return self.tolerances.get(field, FIELDS[field].default)


def load_golden(folder: Path) -> GoldenDesign:
    """Read and check `folder/golden.yaml` (SpecError naming the file and key otherwise)."""
    path = folder / GOLDEN_FILE
    raw = read_mapping(path, "golden design")
    unknown = sorted(set(raw) - set(GOLDEN_KEYS))
    if unknown:
        valid = "\n".join(f"  {k}: {doc}" for k, doc in GOLDEN_KEYS.items())
        raise SpecError(f"{path}: unknown key(s) {', '.join(unknown)}; valid keys:\n{valid}")
    if not isinstance(raw.get("design"), str):
        raise SpecError(f"{path}: design must name a design YAML, e.g. ../../designs/jet_mlp.yaml")
    overrides = raw.get("set") or {}
    tolerances = raw.get("tolerances") or {}
    for key, value in (("set", overrides), ("tolerances", tolerances)):
        if not isinstance(value, dict):
            raise SpecError(f"{path}: {key} must be a mapping, got {value!r}")
    golden = GoldenDesign(
        name=folder.name,
        folder=folder,
        description=str(raw.get("description", "")),
        design=raw["design"],
        overrides=overrides,
        tolerances={k: _tolerance(path, k, v) for k, v in tolerances.items()},
    )
    golden.spec()  # a bad design or override is reported now, before any work
    return golden


def _tolerance(path: Path, field: str, value: object) -> float:
    if field not in FIELDS:
        valid = ", ".join(f"{f.name} ({f.unit})" for f in FIELDS.values())
        raise SpecError(f"{path}: tolerances: unknown field {field!r}; valid fields: {valid}")
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise SpecError(
            f"{path}: tolerances.{field}: {value!r} is not valid; must be a number >= 0 "
            f"({FIELDS[field].unit}; 0 means identical)"
        )
    return float(value)


def discover(root: Path, only: list[str] | None = None) -> list[GoldenDesign]:
    """The golden designs under `root` (each a folder with golden.yaml), or those named in `only`."""
    if not root.is_dir():
        raise SpecError(f"golden designs folder {root} does not exist (expected regress/<name>/golden.yaml)")
    names = sorted(p.parent.name for p in root.glob(f"*/{GOLDEN_FILE}"))
    if not names:
        raise SpecError(f"no golden designs under {root} (expected {root}/<name>/{GOLDEN_FILE})")
    unknown = [n for n in only or [] if n not in names]
    if unknown:
        raise SpecError(
            f"--only {', '.join(unknown)}: no such golden design; valid names: {', '.join(names)}"
        )
    return [load_golden(root / n) for n in names if not only or n in only]
