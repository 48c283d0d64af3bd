"""The result of one design point: a typed `Record`, written as `metrics.json`.

A record is made at fidelity `estimate` and each higher rung of the fidelity ladder
(`harness.ladder`) adds to it: Yosys resources at `synth`, the RTL simulation's verification and
measured latency at `verify`, the vendor tools' reports at `vendor`. Every number carries its source
(`latency.source`, `resources.source`, `verification.reference` and `.simulator`); a number the
record's fidelity does not know is None (`null` in JSON), never 0.

The JSON form is the one metrics.json files have always had, plus `schema_version`; files written
before the version existed (no `schema_version`) read as version 1, and keys this version does not
know are kept and written back unchanged (`Record.extra`, and each section's `extra`), so old
metrics.json files, regression baselines and cached results keep reading and round-trip exactly.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import numpy as np

from harness.errors import SpecError, VerificationError
from harness.verify import Mismatch

#: The version of the JSON layout this module writes; bump it when a field changes meaning.
SCHEMA_VERSION = 1
#: The fidelities a record can have: the open flow's rungs, lowest first, then `vendor` (the vendor
#: tools' build instead of Yosys and the simulation). `harness.ladder` climbs them.
OPEN_FLOW = ("estimate", "synth", "verify")
FIDELITIES = (*OPEN_FLOW, "vendor")


def fidelity_rank(fidelity: str | None) -> int:
    """Position of an open-flow fidelity on the ladder (estimate 0, synth 1, verify 2); -1 otherwise
    (vendor, or a record of no fidelity): such a record stands for no open-flow rung."""
    return OPEN_FLOW.index(fidelity) if fidelity in OPEN_FLOW else -1


_S = TypeVar("_S", bound="_Section")


@dataclass
class _Section:
    """A JSON object of the record with known keys as fields; unknown keys are kept in `extra`.

    `JSON_NAMES` maps a field to its JSON key where the two differ (a field cannot be called `float`).
    """

    JSON_NAMES: ClassVar[dict[str, str]] = {}
    #: Keys absent from an older file are absent again when it is written back (no new nulls appear).
    _absent: set[str] = field(default_factory=set, repr=False, compare=False)
    extra: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_dict(cls: type[_S], raw: dict[str, Any] | None) -> _S:
        raw = dict(raw or {})
        values, absent = {}, set()
        for f in _data_fields(cls):
            key = cls.JSON_NAMES.get(f.name, f.name)
            if key in raw:
                values[f.name] = raw.pop(key)
            else:
                absent.add(f.name)
        section = cls(**values)
        section.extra, section._absent = raw, absent
        return section

    def to_dict(self) -> dict[str, Any]:
        out = {
            self.JSON_NAMES.get(f.name, f.name): getattr(self, f.name)
            for f in _data_fields(type(self))
            if f.name not in self._absent or getattr(self, f.name) is not None
        }
        return {**out, **self.extra}


def _data_fields(cls: type) -> list[dataclasses.Field]:
    return [f for f in dataclasses.fields(cls) if f.name not in ("_absent", "extra")]


@dataclass
class Accuracy(_Section):
    """Shares of correct class decisions on the test events (0..1); None where not measured.

    `float_model`: the trained float (or quantisation-aware) model, by TensorFlow / xgboost;
    `emulation`: the bit-accurate reference (hls4ml's or conifer's C simulation) on every test event;
    `rtl`: the RTL on the simulator, on the first `rtl_events` test events (fidelity verify).
    """

    JSON_NAMES: ClassVar[dict[str, str]] = {"float_model": "float"}
    float_model: float | None = None
    """The trained float (or quantisation-aware) model's accuracy on the test split, by TensorFlow, xgboost,
    onnxruntime or conifer's float evaluation (JSON `float`)."""
    emulation: float | None = None
    """The bit-accurate reference's accuracy (hls4ml's or conifer's C simulation) on every test event."""
    rtl: float | None = None
    """The RTL's accuracy on the simulator, on the first `rtl_events` test events (fidelity verify)."""
    emulation_vs_float_agreement: float | None = None
    """Share of test events on which the reference decides as the float model does; below 0.9 a warning is
    recorded."""
    rtl_vs_float_agreement: float | None = None
    """Share of the simulated events on which the RTL decides as the float model does (fidelity verify)."""
    rtl_events: int | None = None
    """Test events the RTL accuracy was measured on (the simulated vectors)."""


@dataclass
class Verification(_Section):
    """The RTL against its bit-accurate reference: output words compared as integers (verify).

    `mismatches` counts differing output words (0 is bit-exact), `mismatched_vectors` the vectors with
    at least one; `first_mismatches` keeps the first few with their inputs and both outputs.
    """

    vectors: int | None = None
    """Test vectors streamed through the RTL and compared."""
    mismatches: int | None = None
    """Output words that differ from the reference, compared as integers: 0 is bit-exact, null is not
    simulated."""
    reference: str | None = None
    """The bit-accurate reference and its version, e.g. `hls4ml 1.3.0 C simulation (Vitis backend, g++)` or
    `conifer 1.11 cpp backend (c++ 12.2.0)`."""
    simulator: str | None = None
    """The simulator and testbench with their versions, and how many vectors each path ran."""
    mismatched_vectors: int | None = None
    """Vectors with at least one differing output word."""
    first_mismatches: list[dict[str, Any]] | None = None
    """The first (up to 5) mismatching vectors: `index`, `inputs`, `expected` and `got` (the RTL's words)."""
    cocotb_vectors: int | None = None
    """Vectors the cocotb testbench ran (handshake, latency and II checked); the C++ stream driver runs all of
    them."""

    @property
    def bit_exact(self) -> bool | None:
        """True when every compared word matched, False on a mismatch, None when nothing was compared."""
        if self.mismatches is None:
            return None
        return self.mismatches == 0 and bool(self.vectors)


@dataclass
class Latency(_Section):
    """Latency in clock cycles and ns (= cycles x clock_ns), initiation interval in cycles, and their
    source: the generator's estimate, the simulator's measurement or the vendor report."""

    cycles: int | None = None
    """Latency in clock cycles from input accepted to output valid: the generator's pipeline depth (estimate),
    the minimum over the simulated vectors (verify) or the vendor report's."""
    ii_cycles: float | None = None
    """Initiation interval in cycles (measured: the median spacing of accepted inputs)."""
    clock_ns: float | None = None
    """The clock period the latency is counted at (`firmware.clock_ns`, or the vendor report's)."""
    ns: float | None = None
    """Latency in ns: cycles x clock_ns, or the vendor report's own figure."""
    source: str | None = None
    """Where the latency comes from: `estimate: ...` (the generator), the simulator with `(measured)`, or the
    vendor report."""
    max_cycles: int | None = None
    """The largest latency over the simulated vectors (verify); equal to `cycles` for a fixed pipeline."""

    @classmethod
    def of(cls, cycles: int | None, ii_cycles: float | None, clock_ns: float, source: str | None) -> Latency:
        """Latency from cycles at a clock period: `ns` = cycles x clock_ns, None where cycles are."""
        ns = None if cycles is None else round(cycles * clock_ns, 3)
        return cls(cycles=cycles, ii_cycles=ii_cycles, clock_ns=clock_ns, ns=ns, source=source)


@dataclass
class Resources(_Section):
    """FPGA resources (LUT, FF, DSP, BRAM in 18 Kb units, CARRY, LUTRAM) and their source."""

    lut: int | None = None
    """LUTs: Yosys `synth_xilinx` cells (synth, verify), the generator's estimate (estimate) or the vendor
    report (vendor)."""
    ff: int | None = None
    """Flip-flops from Yosys (synth, verify) or the vendor report; null at estimate (a BDT's generator
    estimate is under `estimate.ff`)."""
    dsp: int | None = None
    """DSP blocks: DSP48E2 cells from Yosys, the MAC generator's scheduled multipliers (estimate), or the
    vendor report; 0 for da4ml's adder graphs by construction."""
    bram: float | None = None
    """Block RAM in 18 Kb units from Yosys; a vendor point states its unit in `bram_unit` (RAMB36 tile,
    BRAM_18K or M20K)."""
    carry: int | None = None
    """Carry-chain cells (CARRY8, CARRY4) from Yosys (synth, verify)."""
    lutram: int | None = None
    """LUTs used as distributed RAM or shift registers (RAM32M, SRL16E, ...) from Yosys (synth, verify)."""
    source: str | None = None
    """Where the resources come from: `yosys <version> synth_xilinx -family <series>`, the generator's
    `estimate: ...`, or the vendor report."""


@dataclass
class Record:
    """One design point's result, as metrics.json holds it: what `harness.evaluate` returns.

    Typed sections (each a dataclass; None is unknown, never 0):
        accuracy: `float_model` (JSON `float`), `emulation`, `rtl` (shares 0..1 of the test split),
            `emulation_vs_float_agreement`, `rtl_vs_float_agreement`, `rtl_events`.
        verification: `vectors`, `mismatches` (differing output words; 0 is bit-exact),
            `mismatched_vectors`, `first_mismatches`, `reference` (hls4ml's or conifer's C
            simulation), `simulator`; `bit_exact`.
        latency: `cycles`, `ii_cycles`, `clock_ns`, `ns`, `source` (estimate, simulator, vendor).
        resources: `lut`, `ff`, `dsp`, `bram` (18 Kb units), `carry`, `lutram`, `source` (Yosys and
            its version, the generator's `estimate: ...`, or the vendor report).

    `fidelity` is the rung reached (estimate, synth, verify, vendor); `verified` says bit-exact at
    verify, `check()` raises `VerificationError` on mismatches, `metric("latency.ns")` reads a value by
    its dotted metrics.json path, `read`/`write` load and store the JSON (`schema_version` added;
    files written before it still read).

    Untyped sections: `params` (the resolved design spec), `data` (the data
    set's description), `estimate` (the RTL generator's own numbers), `model` (kind-specific facts of
    the model and its firmware), `rtl`, `tools` (versions), `seconds` (per stage) and `vendor` (the
    vendor tools' reports, fidelity vendor) are mappings whose keys depend on the design's kind.
    """

    design: str
    """The design's name (the spec's `name`; a co-simulation's top module)."""
    kind: str
    """`nn` or `bdt` (the spec's `kind`); `vendor-rtl` for a co-simulation of vendor RTL (`harness cosim`)."""
    fidelity: str
    """The rung reached: `estimate`, `synth`, `verify` or `vendor`; it says which sources the latency and
    resources have."""
    params: dict[str, Any] = field(default_factory=dict)
    """The resolved design spec, every key with its value after defaults and `--set` overrides (see the design
    spec reference); absent from a co-simulation's record."""
    design_hash: str = ""
    """16 hex digits over the resolved spec (its seed included), the content of its input files, the tool
    versions and the chosen Yosys build: the key of caches, baselines and sweep trials."""
    data: dict[str, Any] = field(default_factory=dict)
    """The data set as read: `name`, `test_events`, `classes`, `source` (a user file's path, format, rows and
    SHA-256; null for embedded sets) and `standardisation` (the training split's mean and scale per feature).
    """
    accuracy: Accuracy = field(default_factory=Accuracy)
    """Accuracies of the float model, the bit-accurate reference and the RTL on the test events."""
    warnings: list[str] = field(default_factory=list)
    """Where the bit-accurate reference departs from the float model (agreement below 90 %, BDT leaves outside
    the score precision) or the RTL carries an injected fault; also printed."""
    injected_fault: str | None = None
    """The fault `HARNESS_INJECT_FAULT` put into the RTL (`rtl`); written only when set."""
    verification: Verification = field(default_factory=Verification)
    """The RTL's output words against the reference: counts, reference, simulator, first mismatches."""
    latency: Latency = field(default_factory=Latency)
    """Latency and initiation interval, with their source (estimate, measured or vendor report)."""
    resources: Resources = field(default_factory=Resources)
    """LUT, FF, DSP, BRAM, carry and LUTRAM counts, with their source (estimate, Yosys or vendor report)."""
    estimate: dict[str, Any] = field(default_factory=dict)
    """The RTL generator's own numbers, kept when a higher rung replaces them: `lut`, `dsp`, `latency_cycles`,
    `ii_cycles`, `source` (and `ff` for BDTs)."""
    model: dict[str, Any] = field(default_factory=dict)
    """Kind-specific facts of the trained model, its conversion and its RTL, e.g. `sparsity`, `parameters`,
    `hls4ml_layers`, `precisions`, `arithmetic`, `pipeline_stages` (NN); `n_trees`, `max_depth`,
    `threshold_precision`, `conifer_estimates` (BDT)."""
    rtl: dict[str, Any] = field(default_factory=dict)
    """The generated RTL: `top` (the top module) and `sources` (its Verilog files, in compile order)."""
    tools: dict[str, Any] = field(default_factory=dict)
    """Versions of every external tool found (Verilator, Yosys, the C++ compiler, ...) and of the flow's
    Python packages."""
    seconds: dict[str, float] = field(default_factory=dict)
    """Wall-clock seconds per stage: `data`, `train`, `convert`, `emulate`, `rtl`, then `synth`, `sim`,
    `vendor` as reached (a co-simulation: `build`, `run`); a cache hit shows as a short stage."""
    vendor: dict[str, Any] | None = None
    """What the vendor tools reported, at fidelity `vendor` only: `tool`, `tool_version`, `part`, `top`,
    `synth_tool`, `sources` (the report file behind each number) and `available` (the device's capacity as
    the report states it); from `harness evaluate --fidelity vendor`, the build's whole result, its
    `latency`, `resources` and `problems` too."""
    schema_version: int = SCHEMA_VERSION
    """The JSON layout's version (1); a file without it reads as 1, a newer one is refused."""
    extra: dict[str, Any] = field(default_factory=dict, repr=False)
    #: Fields written only when set: the optional ones of a new record, and those an older file lacked
    #: (a co-simulation record has no `params`).
    _absent: set[str] = field(default_factory=lambda: {"vendor", "injected_fault"}, repr=False, compare=False)

    _SECTIONS: ClassVar[dict[str, type[_Section]]] = {
        "accuracy": Accuracy,
        "verification": Verification,
        "latency": Latency,
        "resources": Resources,
    }

    @property
    def verified(self) -> bool:
        """Simulated at fidelity verify and bit-exact against its reference."""
        return self.fidelity == "verify" and self.verification.bit_exact is True

    def check(self) -> Record:
        """This record, if its RTL did not mismatch its reference (bit-exact, or not simulated: see
        `verified`), so that `harness.evaluate(...).check()` chains.

        Raises:
            VerificationError: output words differ; one line naming the reference, the counts and the
                first mismatching vector (inputs, expected, RTL); `first` keeps the first few.
        """
        v = self.verification
        if not v.mismatches:
            return self
        first = [Mismatch(**m) for m in v.first_mismatches or []]
        example = f"; first {first[0].describe()}" if first else ""
        raise VerificationError(
            f"RTL MISMATCHES its reference ({v.reference}): {v.mismatches} output words differ in "
            f"{v.mismatched_vectors} of {v.vectors} vectors{example}",
            first,
        )

    def reached(self, fidelity: str) -> bool:
        """Whether this record's fidelity is `fidelity` or a higher open-flow rung (vendor stands alone)."""
        if fidelity == "vendor" or self.fidelity == "vendor":
            return self.fidelity == fidelity
        return fidelity_rank(self.fidelity) >= fidelity_rank(fidelity)

    def as_estimate(self) -> Record:
        """The record as fidelity `estimate` saw it: the generator's latency and resources (kept under
        `estimate` once a higher rung replaced them), nothing simulated. Promotion compares trials at
        the same fidelity through this view."""
        if self.fidelity == "estimate":
            return self
        est = self.estimate
        view = dataclasses.replace(self, fidelity="estimate")
        clock = self.latency.clock_ns if self.latency.clock_ns is not None else 0.0
        view.latency = Latency.of(est.get("latency_cycles"), est.get("ii_cycles"), clock, est.get("source"))
        view.resources = Resources(lut=est.get("lut"), dsp=est.get("dsp"), source=est.get("source"))
        view.verification = dataclasses.replace(self.verification, mismatches=None)
        return view

    def metric(self, path: str) -> Any:
        """A value by its dotted metrics.json path (`latency.ns`, `accuracy.float`, `model.sparsity`),
        or None where the record has no such value."""
        node: Any = self.to_dict()
        for part in path.split("."):
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        return node

    # ------------------------------------------------------------------------------------------ JSON

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: metrics.json's layout, with `schema_version` last."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            if f.name in ("extra", "schema_version", "_absent"):
                continue
            value = getattr(self, f.name)
            if f.name in self._absent and _empty(value):
                continue
            out[f.name] = value.to_dict() if isinstance(value, _Section) else value
        return {**out, **self.extra, "schema_version": self.schema_version}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Record:
        """A record from its JSON form; SpecError naming what is wrong for a file that is not one."""
        raw = dict(raw)
        version = raw.pop("schema_version", 1)
        if not isinstance(version, int) or version > SCHEMA_VERSION:
            raise SpecError(
                f"metrics.json schema_version {version!r} is newer than this harness reads "
                f"({SCHEMA_VERSION}); upgrade fpga-ml-harness"
            )
        missing = [k for k in ("design", "kind", "fidelity", "design_hash") if k not in raw]
        if missing:
            raise SpecError(f"not a harness metrics.json record: it lacks {', '.join(missing)}")
        values: dict[str, Any] = {}
        absent = set()
        for f in dataclasses.fields(cls):
            if f.name in ("extra", "schema_version", "_absent"):
                continue
            if f.name not in raw:
                absent.add(f.name)
                continue
            value = raw.pop(f.name)
            section = cls._SECTIONS.get(f.name)
            values[f.name] = section.from_dict(value) if section else value
        return cls(**values, schema_version=SCHEMA_VERSION, extra=raw, _absent=absent)

    @classmethod
    def read(cls, path: Path) -> Record:
        """Read a metrics.json file.

        Raises:
            SpecError: the file is missing, is not JSON, is not a record, or is of a newer schema.
        """
        try:
            return cls.from_dict(json.loads(Path(path).read_text()))
        except FileNotFoundError:
            raise SpecError(f"{path}: no such metrics.json file") from None
        except json.JSONDecodeError as exc:
            raise SpecError(f"{path} is not valid JSON: {exc}") from None

    def write(self, path: Path) -> Path:
        """Write the record as JSON (numpy values as Python numbers)."""
        path.write_text(json.dumps(self.to_dict(), indent=2, default=json_default))
        return path


def _empty(value: Any) -> bool:
    """Nothing to write: None, an empty container, or a section without a value."""
    if isinstance(value, _Section):
        return not value.extra and all(getattr(value, f.name) is None for f in _data_fields(type(value)))
    return not value


def json_default(value: Any) -> Any:
    """`json.dumps(default=...)` for records: numpy scalars and arrays as Python values, else str."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)
