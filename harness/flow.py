"""The stages of one design point, and what each adds to its record.

train -> convert -> emulate -> rtl (`prepare`) are kind-specific (NN via QKeras/hls4ml/da4ml, BDT via
xgboost/conifer): each kind exposes a `Stages` value (the contract is `harness.stages`, the kinds are
looked up in `harness.kinds`). Yosys synthesis and the RTL simulation are shared. `estimate_record`
makes a point's `Record` (harness.record) and `add_synth`, `add_verify` and `add_vendor` each add one
rung's numbers to it; which rungs run, in which order, is decided in one place only, `harness.ladder`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from harness import cache, faults
from harness.data import Dataset
from harness.data import load as load_data
from harness.devices import yosys_family
from harness.kinds import stages_for
from harness.record import Accuracy, Latency, Record, Resources, Verification
from harness.sim import SimJob, SimResult, StreamVectors, get_simulator
from harness.spec import DesignSpec
from harness.stages import Converted, Emulation, RTLDesign, Trained, decide
from harness.synth import synthesize
from harness.toolchain import Toolchain


@dataclass
class DesignPoint:
    """Everything the kind-specific stages produced for one spec, ready for synthesis and simulation."""

    spec: DesignSpec
    out_dir: Path
    dataset: Dataset
    trained: Trained
    converted: Converted
    emulation: Emulation
    rtl: RTLDesign
    timings: dict[str, float]

    def float_decisions(self) -> np.ndarray:
        """The float model's class decisions on the test events."""
        return decide(self.trained.float_scores, self.converted.threshold)

    def code_decisions(self, codes: np.ndarray) -> np.ndarray:
        """Class decisions of output codes (the reference's or the RTL's), threshold in code units."""
        scale = 2.0 ** self.converted.output_types[0].frac
        return decide(np.asarray(codes, dtype=np.float64), self.converted.threshold * scale)

    def vectors(self) -> StreamVectors:
        """The first `verify.vectors` test events as the reference saw them, with its outputs."""
        n = min(self.spec.verify.vectors, len(self.emulation.input_codes))
        out_types = self.converted.output_types
        return StreamVectors(
            inputs=self.emulation.input_codes[:n],
            in_widths=[t.width for t in self.converted.input_types],
            out_widths=[t.width for t in out_types],
            out_signed=[t.signed for t in out_types],
            expected=self.emulation.output_codes[:n],
        )


def _timed(spec: DesignSpec, timings: dict[str, float], name: str, fn: Callable[..., Any], *args: Any) -> Any:
    print(f"[{spec.name}] {name} ...", flush=True)
    start = time.monotonic()
    try:
        result = fn(*args)
    except Exception as exc:
        exc.add_note(f"stage: {name}")  # a sweep stores which stage failed with the trial
        raise
    timings[name] = round(time.monotonic() - start, 2)
    print(f"[{spec.name}] {name} done in {timings[name]:.1f} s", flush=True)
    return result


def prepare(spec: DesignSpec, out_dir: Path, toolchain: Toolchain) -> DesignPoint:
    """data -> train -> convert -> emulate -> rtl, each stage timed."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stages = stages_for(spec.kind)
    if stages.check is not None:
        stages.check(spec)
    timings: dict[str, float] = {}
    dataset = _timed(spec, timings, "data", load_data, spec.data, spec.seed, spec.base_dir)
    trained = _timed(spec, timings, "train", cache.train, stages, spec, dataset, out_dir)
    converted = _timed(spec, timings, "convert", stages.convert, spec, trained, dataset, out_dir, toolchain)
    emulation = _timed(spec, timings, "emulate", stages.emulate, spec, converted, dataset.x_test)
    rtl = _timed(spec, timings, "rtl", stages.rtl, spec, converted, out_dir / "rtl", toolchain)
    return DesignPoint(spec, out_dir, dataset, trained, converted, emulation, rtl, timings)


def simulate(point: DesignPoint, toolchain: Toolchain) -> SimResult:
    """Stream the test vectors through the RTL on Verilator and compare with the reference."""
    available = len(point.emulation.input_codes)
    if point.spec.verify.vectors > available:
        print(
            f"  note: verify.vectors {point.spec.verify.vectors} is more than the {available} test events; "
            f"verifying all {available} (more events: data.n_samples or data.test_fraction)",
            flush=True,
        )
    job = SimJob(
        point.rtl.top,
        point.rtl.sources,
        point.out_dir / "sim",
        point.vectors(),
        timeout_s=point.spec.verify.sim_timeout_s,
    )
    return _timed(point.spec, point.timings, "sim", get_simulator("verilator", toolchain).run, job)


def estimate_record(point: DesignPoint, toolchain: Toolchain) -> Record:
    """The record at fidelity `estimate`: accuracies of the float model and the bit-accurate reference,
    and the RTL generator's own latency and resource estimates (each with its source; unknown is None)."""
    spec, rtl, y = point.spec, point.rtl, point.dataset.y_test
    float_decisions = point.float_decisions()
    emulation_decisions = point.code_decisions(point.emulation.output_codes)
    agreement = _accuracy(emulation_decisions, float_decisions)
    model_info = {**point.trained.info, **point.converted.info, **rtl.info}
    return Record(
        design=spec.name,
        kind=spec.kind,
        fidelity="estimate",
        params=spec.to_dict(),
        design_hash=spec.design_hash(),
        data=point.dataset.record(),
        accuracy=Accuracy(
            float_model=_accuracy(float_decisions, y),
            emulation=_accuracy(emulation_decisions, y),
            emulation_vs_float_agreement=agreement,
        ),
        warnings=reference_warnings(agreement, model_info, spec.name),
        injected_fault=faults.injected(),
        verification=Verification(reference=point.emulation.reference),
        latency=Latency.of(
            rtl.estimate.get("latency_cycles"),
            rtl.estimate.get("ii_cycles"),
            spec.firmware.clock_ns,
            rtl.estimate.get("source"),
        ),
        resources=Resources(
            lut=rtl.estimate.get("lut"), dsp=rtl.estimate.get("dsp"), source=rtl.estimate.get("source")
        ),
        estimate=rtl.estimate,
        model=model_info,
        rtl={"top": rtl.top, "sources": [str(s) for s in rtl.sources]},
        tools=tool_versions(toolchain),
    )


#: Below this share of equal class decisions, the bit-accurate reference has departed from the float
#: model by more than quantisation explains (hls4ml dropping a layer, values wrapping).
MIN_AGREEMENT = 0.9


def reference_warnings(agreement: float, model_info: dict, name: str) -> list[str]:
    """Where the reference itself departs from the float model: bit-exact RTL of a broken reference
    is still broken, so these are printed and kept under `warnings` (sweeps and reports show them)."""
    warnings = []
    if agreement < MIN_AGREEMENT:
        warnings.append(
            f"the bit-accurate reference agrees with the float model on only {agreement:.1%} of decisions "
            f"(< {MIN_AGREEMENT:.0%}): a layer the converter dropped or mis-read, or precisions too narrow "
            "(values wrapping); compare the float and emulation accuracies"
        )
    out_of_range = model_info.get("leaves_out_of_range")
    if out_of_range:
        warnings.append(
            f"{out_of_range} leaf values lie outside the score precision and wrap or saturate; "
            "widen firmware.score_precision or choose a saturating mode"
        )
    if fault := faults.warning():
        warnings.append(fault)
    for text in warnings:
        print(f"[{name}] warning: {text}", flush=True)
    return warnings


def add_synth(point: DesignPoint, record: Record, toolchain: Toolchain) -> None:
    """Fidelity `synth`: Yosys resources replace the generator's estimates (kept under `estimate`)."""
    spec, rtl = point.spec, point.rtl
    synth = _timed(
        spec,
        point.timings,
        "synth",
        synthesize,
        toolchain,
        rtl.sources,
        rtl.top,
        point.out_dir / "synth",
        yosys_family(spec.firmware.part),
        spec.verify.synth_timeout_s,
    )
    record.resources = Resources(
        lut=synth.lut,
        ff=synth.ff,
        dsp=synth.dsp,
        bram=synth.bram,
        carry=synth.carry,
        lutram=synth.lutram,
        source=synth.source,
    )
    record.fidelity = "synth"


def add_verify(point: DesignPoint, record: Record, toolchain: Toolchain) -> SimResult:
    """Fidelity `verify`: the RTL on Verilator, every output word compared; measured latency and II.
    Returns the simulation (its output words are what `harness regress` keeps)."""
    spec, y = point.spec, point.dataset.y_test
    sim = simulate(point, toolchain)
    n = sim.outputs.shape[0]
    rtl_decisions = point.code_decisions(sim.outputs)
    record.verification = Verification.from_dict({**record.verification.to_dict(), **sim.metrics()})
    record.accuracy.rtl = _accuracy(rtl_decisions, y[:n])
    record.accuracy.rtl_events = n
    record.accuracy.rtl_vs_float_agreement = _accuracy(rtl_decisions, point.float_decisions()[:n])
    record.latency = Latency.of(
        sim.latency_cycles, sim.ii_cycles, spec.firmware.clock_ns, f"{sim.simulator} (measured)"
    )
    record.latency.max_cycles = sim.latency_max_cycles
    record.fidelity = "verify"
    return sim


def add_vendor(point: DesignPoint, record: Record, toolchain: Toolchain) -> None:
    """Fidelity `vendor`: hls4ml's/conifer's own build() with the vendor tools, and their reports."""
    from harness.hls.build import vendor_metrics

    spec = point.spec
    vendor = _timed(
        spec,
        point.timings,
        "vendor",
        vendor_metrics,
        spec,
        point.converted,
        point.out_dir / "vendor",
        toolchain,
    )
    record.vendor = vendor
    record.latency = Latency.from_dict(vendor["latency"])
    record.resources = Resources.from_dict(vendor["resources"])
    record.fidelity = "vendor"


def write_record(point: DesignPoint, record: Record) -> Path:
    """Write `metrics.json` (with the per-stage seconds so far) into the design point's folder."""
    record.seconds = dict(point.timings)
    return record.write(point.out_dir / "metrics.json")


def _accuracy(decisions: np.ndarray, truth: np.ndarray) -> float:
    return round(float(np.mean(np.asarray(decisions) == np.asarray(truth))), 5)


def tool_versions(toolchain: Toolchain) -> dict:
    """metrics.json's `tools`: the version of every tool found and of the Python packages of the flow."""
    versions = {t.name: t.version for t in toolchain.tools.values() if t.found}
    for pkg in ("hls4ml", "da4ml", "conifer", "tensorflow", "qkeras", "xgboost-cpu", "cocotb", "numpy"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    return versions
