"""The flow: a design spec goes in, a result record (metrics.json) comes out.

train -> convert -> emulate -> rtl -> synth -> sim. The first four stages are kind-specific (NN via
QKeras/hls4ml/da4ml, BDT via xgboost/conifer) and live in `harness.nn` and `harness.bdt`, each
exposing a `STAGES` value (the contract is `harness.stages`, the kinds are looked up in
`harness.kinds`); synthesis, simulation and the record are shared here. Each stage adds to
the record; the fidelity decides how far the flow goes:

    estimate  stop after RTL generation; latency and resources are the generator's estimates
    synth     add Yosys resources
    verify    add the cocotb/Verilator run: bit-exact check, measured latency and II, RTL accuracy
    vendor    instead of the open RTL: hls4ml's/conifer's own build() with Vivado/Vitis HLS, their
              reports, and their exported RTL simulated against the same reference (where installed)
"""

from __future__ import annotations

import json
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
from harness.kinds import stages_for
from harness.sim import SimJob, SimResult, StreamVectors, VerilatorSimulator
from harness.spec import DesignSpec
from harness.stages import Converted, Emulation, RTLDesign, Trained, decide
from harness.synth import synthesize
from harness.toolchain import Toolchain
from harness.verify import Mismatch

FIDELITIES = ("estimate", "synth", "verify", "vendor")


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
    return _timed(point.spec, point.timings, "sim", VerilatorSimulator(toolchain).run, job)


#: Open-flow fidelities in the order each adds to the previous one (vendor replaces synth and sim).
FIDELITY_ORDER = {"estimate": 0, "synth": 1, "verify": 2}


def evaluate(spec: DesignSpec, out_dir: Path, toolchain: Toolchain, fidelity: str = "verify") -> dict:
    """Run the flow for one design point up to `fidelity` and write `out_dir/metrics.json`.

    Raises SpecError / ToolNotFoundError before any work for a bad spec or a missing vendor tool.
    """
    if fidelity not in FIDELITIES:
        raise ValueError(f"fidelity {fidelity!r} is not valid; must be one of {', '.join(FIDELITIES)}")
    if fidelity == "vendor":
        from harness.hls.build import require_vendor_tools

        require_vendor_tools(spec.kind, toolchain)  # refuse before training anything
    toolchain.require_fidelity(fidelity)
    point = prepare(spec, out_dir, toolchain)
    record = estimate_record(point, toolchain)
    if fidelity in ("synth", "verify"):
        add_synth(point, record, toolchain)
    if fidelity == "vendor":
        add_vendor(point, record, toolchain)
    if fidelity == "verify":
        add_verify(point, record, toolchain)
    write_record(point, record)
    return record


def estimate_record(point: DesignPoint, toolchain: Toolchain) -> dict:
    """The record at fidelity `estimate`: accuracies of the float model and the bit-accurate reference,
    and the RTL generator's own latency and resource estimates (each with its source; unknown is null)."""
    spec, rtl, y = point.spec, point.rtl, point.dataset.y_test
    float_decisions = point.float_decisions()
    emulation_decisions = point.code_decisions(point.emulation.output_codes)
    agreement = _accuracy(emulation_decisions, float_decisions)
    model_info = {**point.trained.info, **point.converted.info, **rtl.info}
    return {
        "design": spec.name,
        "kind": spec.kind,
        "fidelity": "estimate",
        "params": spec.to_dict(),
        "design_hash": spec.design_hash(),
        "data": point.dataset.record(),
        "accuracy": {
            "float": _accuracy(float_decisions, y),
            "emulation": _accuracy(emulation_decisions, y),
            "rtl": None,
            "emulation_vs_float_agreement": agreement,
            "rtl_vs_float_agreement": None,
            "rtl_events": None,
        },
        "warnings": reference_warnings(agreement, model_info, spec.name),
        **({"injected_fault": fault} if (fault := faults.injected()) else {}),
        "verification": {
            "vectors": None,
            "mismatches": None,
            "reference": point.emulation.reference,
            "simulator": None,
        },
        "latency": latency_record(
            rtl.estimate.get("latency_cycles"),
            rtl.estimate.get("ii_cycles"),
            spec.firmware.clock_ns,
            rtl.estimate.get("source"),
        ),
        "resources": {
            "lut": rtl.estimate.get("lut"),
            "ff": None,
            "dsp": rtl.estimate.get("dsp"),
            "bram": None,
            "source": rtl.estimate.get("source"),
        },
        "estimate": rtl.estimate,
        "model": model_info,
        "rtl": {"top": rtl.top, "sources": [str(s) for s in rtl.sources]},
        "tools": tool_versions(toolchain),
    }


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


def add_synth(point: DesignPoint, record: dict, toolchain: Toolchain) -> None:
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
        "xcup",
        spec.verify.synth_timeout_s,
    )
    record["resources"] = {
        "lut": synth.lut,
        "ff": synth.ff,
        "dsp": synth.dsp,
        "bram": synth.bram,
        "carry": synth.carry,
        "lutram": synth.lutram,
        "source": synth.source,
    }
    record["fidelity"] = "synth"


def add_verify(point: DesignPoint, record: dict, toolchain: Toolchain) -> SimResult:
    """Fidelity `verify`: the RTL on Verilator, every output word compared; measured latency and II.
    Returns the simulation (its output words are what `harness regress` keeps)."""
    spec, y = point.spec, point.dataset.y_test
    sim = simulate(point, toolchain)
    n = sim.outputs.shape[0]
    rtl_decisions = point.code_decisions(sim.outputs)
    record["verification"].update(sim.metrics())
    record["accuracy"].update(
        rtl=_accuracy(rtl_decisions, y[:n]),
        rtl_events=n,
        rtl_vs_float_agreement=_accuracy(rtl_decisions, point.float_decisions()[:n]),
    )
    record["latency"] = latency_record(
        sim.latency_cycles, sim.ii_cycles, spec.firmware.clock_ns, f"{sim.simulator} (measured)"
    )
    record["latency"]["max_cycles"] = sim.latency_max_cycles
    record["fidelity"] = "verify"
    return sim


def add_vendor(point: DesignPoint, record: dict, toolchain: Toolchain) -> None:
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
    record["vendor"] = vendor
    record["latency"], record["resources"] = vendor["latency"], vendor["resources"]
    record["fidelity"] = "vendor"


def write_record(point: DesignPoint, record: dict) -> Path:
    """Write `metrics.json` (with the per-stage seconds so far) into the design point's folder."""
    record["seconds"] = dict(point.timings)
    path = point.out_dir / "metrics.json"
    path.write_text(json.dumps(record, indent=2, default=json_default))
    return path


def _accuracy(decisions: np.ndarray, truth: np.ndarray) -> float:
    return round(float(np.mean(np.asarray(decisions) == np.asarray(truth))), 5)


def latency_record(cycles: int | None, ii: float | None, clock_ns: float, source: str | None) -> dict:
    """metrics.json's `latency`: cycles and II in clock cycles, `ns` = cycles x clock_ns (null where
    the cycles are unknown), and where the numbers came from."""
    return {
        "cycles": cycles,
        "ii_cycles": ii,
        "clock_ns": clock_ns,
        "ns": None if cycles is None else round(cycles * clock_ns, 3),
        "source": source,
    }


def tool_versions(toolchain: Toolchain) -> dict:
    """metrics.json's `tools`: the version of every tool found and of the Python packages of the flow."""
    versions = {t.name: t.version for t in toolchain.tools.values() if t.found}
    for pkg in ("hls4ml", "da4ml", "conifer", "tensorflow", "qkeras", "xgboost-cpu", "cocotb", "numpy"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    return versions


def json_default(value: Any) -> Any:
    """`json.dumps(default=...)` for records: numpy scalars and arrays as Python values, else str."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def _run_cli(args: Any) -> int:
    from harness.spec import load

    spec = load(args.design, args.set)
    out = Path(args.out) if args.out else Path("runs") / f"{spec.name}-{spec.design_hash()}"
    record = evaluate(spec, out, Toolchain.discover(), args.fidelity)
    summary = {
        k: record[k] for k in ("design", "design_hash", "accuracy", "verification", "latency", "resources")
    }
    summary["verification"] = {k: v for k, v in summary["verification"].items() if k != "first_mismatches"}
    print(json.dumps(summary, indent=2, default=json_default))
    print(f"wrote {out / 'metrics.json'}")
    verification = record["verification"]
    if not verification["mismatches"]:
        return 0
    print(
        f"RTL MISMATCHES its reference ({verification['reference']}): {verification['mismatches']} output "
        f"words differ in {verification['mismatched_vectors']} of {verification['vectors']} vectors; first:"
    )
    for mismatch in verification["first_mismatches"]:
        print("  " + Mismatch(**mismatch).describe())
    return 1


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("evaluate", help="run one design point through the flow")
    parser.add_argument("design", help="design YAML, e.g. designs/jet_mlp.yaml")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a spec field; the value is parsed as YAML (repeatable)",
    )
    parser.add_argument(
        "--fidelity",
        choices=FIDELITIES,
        default="verify",
        help="estimate: no Yosys/Verilator; synth: add Yosys; verify: add RTL simulation; "
        "vendor: Vivado/Vitis HLS where installed",
    )
    parser.add_argument("--out", help="output folder (default runs/<name>-<hash>)")
    parser.set_defaults(func=_run_cli)
