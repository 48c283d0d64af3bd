"""`harness cosim`: RTL that Vivado HLS / Vitis HLS exported, co-simulated on Verilator without Vivado.

A user arrives with an hls4ml (or conifer xilinxhls) project that a vendor HLS tool already synthesised.
This job finds, under PROJECT_DIR:

* the exported Verilog: `<prj>/solution*/syn/verilog`, else `impl/verilog`, else the one folder holding
  `.v` files (`sim/` folders, which hold the vendor's own testbench, last), with its `.dat` ROM files;
* the top: `--top`, else hls4ml's ProjectName / the HLS project's top (`harness.hls.tops`'
  hints), else the one `ap_ctrl_hs` module no other module instantiates;
* the reference vectors: hls4ml's `tb_data/tb_input_features.dat` (float features) and
  `tb_data/csim_results.log` (the C simulation's outputs, as `ap_fixed` prints them), or `--inputs` /
  `--expected` files of the same shape (one vector a line, values separated by spaces or commas);
* the precisions: `--input-precision` / `--output-precision`, else the `input_t` and `result_t`
  (hls4ml `defines.h`) or `score_t` (conifer `parameters.h`) typedefs, else `hls4ml_config.yml`'s
  model precision, else hls4ml's default `ap_fixed<16,6>`.

Inputs become integer codes exactly as hls4ml's C testbench makes them (read as `float`, then converted
to the input type with its rounding and overflow modes). Expected outputs become the nearest code of the
output type; a printed value more than a quarter LSB from every code (a wrong precision, or too few
printed digits: `ap_fixed` prints 6 significant digits) is refused, naming row and column. The RTL then
runs with `tb.hls_parallel` (`harness.hls.ports.simulate_hls_top`), every output word is compared as
an integer, and the result is written as `metrics.json` in the shape `harness evaluate` writes.

Every refusal (`CosimError`) happens before Verilator builds anything.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from harness.fixed import FixedType
from harness.flow import tool_versions
from harness.hls.build_plan import tcl_settings
from harness.hls.metrics import to_metrics
from harness.hls.ports import HLS_TESTBENCH, PORT_DECLARATION, HlsPortError, hls_ports, simulate_hls_top
from harness.hls.project import load_report
from harness.hls.record import ReportError
from harness.hls.scan import HLS4ML_CONFIG, HLS_PROJECT_FILES, ProjectScan, path_order
from harness.hls.tops import ConfigLoader, top_hints
from harness.record import Latency, Record, Resources, Verification
from harness.sim import SimResult, StreamVectors
from harness.spec import SpecError
from harness.toolchain import Toolchain
from harness.verify import Comparison

#: hls4ml's default precision (its `Model: Precision`), used where nothing in the project says otherwise.
DEFAULT_PRECISION = "ap_fixed<16,6>"
#: hls4ml's reference files, relative to its output folder.
TB_INPUTS = Path("tb_data") / "tb_input_features.dat"
TB_EXPECTED = Path("tb_data") / "csim_results.log"
#: Header files whose typedefs name the top's types: hls4ml (`input_t`, `result_t`), conifer (`score_t`).
TYPE_HEADERS = ("defines.h", "parameters.h")
_INPUT_TYPEDEFS = ("input_t",)
_OUTPUT_TYPEDEFS = ("result_t", "score_t")
#: A printed expected value may sit this far (in LSBs of the output type) from its code: printing
#: rounds to 6 significant digits, which for the types hls4ml uses stays far below a quarter LSB.
CODE_TOLERANCE_LSB = 0.25
#: Where the exported Verilog is looked for, best first (`_verilog_rank`).
VERILOG_PLACES = "<prj>/solution*/syn/verilog, <prj>/solution*/impl/verilog, then any folder holding .v files"


class CosimError(SpecError):
    """Bad input to `harness cosim`: the message says what was wrong and what would be valid."""


@dataclass(frozen=True)
class Precision:
    """A port side's ap_fixed type and where it was read from."""

    type: FixedType
    source: str

    def to_dict(self) -> dict[str, str]:
        return {"type": str(self.type), "source": self.source}


@dataclass(frozen=True)
class Side:
    """One side of the top: its ports (one packed or one per element) and element count."""

    ports: tuple[str, ...]
    widths: tuple[int, ...]
    elements: int
    precision: Precision

    def describe(self) -> str:
        ports = ", ".join(f"{p} [{w}]" for p, w in zip(self.ports, self.widths, strict=True))
        where = "packed port" if len(self.ports) == 1 else "ports"
        return f"{self.elements} x {self.precision.type} on {where} {ports}"


@dataclass
class CosimJob:
    """Everything found in the project, checked, ready to simulate."""

    project: Path
    verilog_dir: Path
    sources: list[Path]
    top: str
    top_reason: str
    inputs_file: Path
    expected_file: Path
    inputs: Side
    outputs: Side
    vectors: StreamVectors
    clock_ns: float | None

    def key(self) -> str:
        """A hash of everything that determines the result: RTL, ROMs, vectors, types."""
        digest = hashlib.sha256()
        for path in sorted([*self.sources, *self.verilog_dir.glob("*.dat")]):
            digest.update(path.name.encode() + path.read_bytes())
        for array in (self.vectors.inputs, self.vectors.expected):
            digest.update(np.ascontiguousarray(np.asarray(array, dtype=np.int64)).tobytes())
        digest.update(f"{self.top}|{self.inputs.precision.type}|{self.outputs.precision.type}".encode())
        return digest.hexdigest()[:12]


# --------------------------------------------------------------------------------------------------
# Finding the Verilog and its top


def _verilog_rank(folder: Path, project: Path) -> int:
    """0 `syn/verilog`, 1 `impl/verilog`, 2 any other folder, 3 below a `sim` folder (co-simulation)."""
    if folder.name == "verilog" and folder.parent.name in ("syn", "impl"):
        return 0 if folder.parent.name == "syn" else 1
    return 3 if "sim" in folder.relative_to(project).parts else 2


def find_verilog(project: Path) -> tuple[Path, list[Path]]:
    """The folder of exported Verilog under `project` and its `.v` files (the vendor's `*.autotb.v`
    testbench excluded). Several folders of the best kind (two solutions) are refused, naming them."""
    if not project.is_dir():
        raise CosimError(f"{project} is not a folder; give the HLS project folder (or its Verilog folder)")
    ranked = sorted((_verilog_rank(p.parent, project), str(p.parent)) for p in project.rglob("*.v"))
    if not ranked:
        raise CosimError(f"no Verilog (.v files) under {project}; looked in {VERILOG_PLACES}")
    best = sorted({Path(folder) for rank, folder in ranked if rank == ranked[0][0]})
    if len(best) > 1:
        listed = ", ".join(str(f.relative_to(project)) for f in best[:6])
        raise CosimError(
            f"{project} holds {len(best)} Verilog folders of the same kind ({listed}); "
            "pass the one to co-simulate (or its solution folder) as PROJECT_DIR"
        )
    sources = sorted(p for p in best[0].glob("*.v") if not p.name.endswith(".autotb.v"))
    return best[0], sources


_MODULE = re.compile(r"^\s*module\s+(\w+)(.*?)^\s*endmodule", re.M | re.S)
_INSTANCE = re.compile(r"^\s*(\w+)\s+(?:#\s*\(.*?\)\s*)?\w+\s*\(", re.M | re.S)


def _modules(sources: list[Path]) -> dict[str, str]:
    """Module name -> body text, over all sources."""
    return {m[1]: m[2] for s in sources for m in _MODULE.finditer(s.read_text(errors="replace"))}


def choose_hls_top(project: Path, sources: list[Path], top: str | None) -> tuple[str, str]:
    """The HLS top to simulate and why it was chosen; a CosimError lists the candidates otherwise."""
    modules = _modules(sources)
    if top is not None:
        if top not in modules:
            raise CosimError(
                f"--top {top}: no such module in the Verilog; modules: {', '.join(sorted(modules))}"
            )
        return top, "given with --top"
    blocks = sorted(n for n, body in modules.items() if re.search(r"\bap_start\b", body))
    if not blocks:
        raise CosimError(
            "no module with the ap_ctrl_hs block protocol (an ap_start port) among "
            + ", ".join(sorted(modules))
        )
    if len(blocks) == 1:
        return blocks[0], "the only module with ap_ctrl_hs ports"
    found = ProjectScan(project, [], [], [], {})
    for path in sorted(project.rglob("*")):
        if path.name == HLS4ML_CONFIG:
            found.configs.append(path)
        elif path.name in HLS_PROJECT_FILES:
            found.projects.append(path)
    for name, why in top_hints(found):
        if name in blocks:
            return name, why
    used = {m[1] for body in modules.values() for m in _INSTANCE.finditer(body)}
    roots = [n for n in blocks if n not in used]
    if len(roots) == 1:
        return roots[0], "the only ap_ctrl_hs module no other module instantiates"
    raise CosimError(f"cannot tell the top among the ap_ctrl_hs modules {', '.join(blocks)}; pass --top NAME")


def _side(sources: list[Path], top: str, ports: tuple[str, ...], precision: Precision, what: str) -> Side:
    """Element count of one side from its port widths; refused where the widths do not fit the type."""
    body = _modules(sources)[top]
    declared = {
        m["name"]: int(m["msb"] or 0) - int(m["lsb"] or 0) + 1 for m in PORT_DECLARATION.finditer(body)
    }
    widths = tuple(declared[p] for p in ports)
    width = precision.type.width
    fits = widths[0] % width == 0 if len(ports) == 1 else all(w == width for w in widths)
    if not fits:
        raise CosimError(
            f"{what} ports {dict(zip(ports, widths, strict=True))} of {top} do not hold "
            f"{precision.type} ({width}-bit) elements (precision from {precision.source}); give the "
            f"right one with --{what}-precision"
        )
    return Side(ports, widths, widths[0] // width if len(ports) == 1 else len(ports), precision)


# --------------------------------------------------------------------------------------------------
# Precisions and clock


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


def _config(project: Path) -> tuple[dict[str, Any], Path | None]:
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
    config, config_path = _config(project)
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


# --------------------------------------------------------------------------------------------------
# Reference vectors


def read_table(path: Path) -> np.ndarray:
    """Numbers, one vector a line, separated by whitespace or commas; blank and `#` lines skipped."""
    if not path.is_file():
        raise CosimError(f"{path} does not exist")
    rows: list[list[float]] = []
    for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            row = [float(v) for v in re.split(r"[,\s]+", line.strip()) if v]
        except ValueError:
            raise CosimError(
                f"{path} line {number}: not numbers separated by spaces or commas: {line[:80]!r}"
            ) from None
        if not all(np.isfinite(row)):
            raise CosimError(f"{path} line {number}: NaN or infinity among {line.strip()[:80]!r}")
        if rows and len(row) != len(rows[0]):
            raise CosimError(f"{path} line {number} has {len(row)} values; earlier lines have {len(rows[0])}")
        rows.append(row)
    if not rows:
        raise CosimError(f"{path} holds no vectors")
    return np.array(rows, dtype=np.float64)


def output_codes(values: np.ndarray, precision: Precision, path: Path) -> np.ndarray:
    """Printed output values -> codes of the output type (nearest code, within a quarter LSB)."""
    kind = precision.type
    scaled = values * 2.0**kind.frac
    codes = np.rint(scaled)
    off = (np.abs(scaled - codes) > CODE_TOLERANCE_LSB) | (codes < kind.min_code) | (codes > kind.max_code)
    if off.any():
        row, col = (int(i) for i in np.argwhere(off)[0])
        raise CosimError(
            f"{path} row {row + 1} column {col + 1}: {values[row, col]!r} is not a value of {kind} "
            f"(output precision from {precision.source}); {int(off.sum())} values are off. Give the "
            "output type with --output-precision, or print the reference with more digits"
        )
    return codes.astype(np.int64)


def _reference_files(project: Path, inputs: Path | None, expected: Path | None) -> tuple[Path, Path]:
    if (inputs is None) != (expected is None):
        raise CosimError("give both --inputs and --expected, or neither (then hls4ml's tb_data files)")
    if inputs is not None and expected is not None:
        return inputs, expected
    for folder in sorted(project.rglob(TB_INPUTS.parent.name), key=path_order):
        if (folder / TB_INPUTS.name).is_file() and (folder / TB_EXPECTED.name).is_file():
            return folder / TB_INPUTS.name, folder / TB_EXPECTED.name
    raise CosimError(
        f"no reference vectors: looked for {TB_INPUTS} with {TB_EXPECTED} (written by hls4ml's C simulation) "
        f"in every tb_data folder under {project}; give --inputs FILE --expected FILE"
    )


def _check_shape(array: np.ndarray, side: Side, path: Path, what: str, top: str) -> None:
    if array.shape[1] != side.elements:
        raise CosimError(
            f"{path} holds {array.shape[0]} vectors of {array.shape[1]} values; the {what} of {top} "
            f"take {side.elements} per vector ({side.describe()})"
        )


# --------------------------------------------------------------------------------------------------
# The job


def prepare(
    project: Path,
    *,
    top: str | None = None,
    inputs: Path | None = None,
    expected: Path | None = None,
    vectors: int | None = None,
    input_precision: str | None = None,
    output_precision: str | None = None,
) -> CosimJob:
    """Find and check everything `harness cosim` needs; CosimError on bad input (nothing is built)."""
    if vectors is not None and vectors < 1:
        raise CosimError(f"--vectors {vectors}: must be at least 1")
    verilog_dir, sources = find_verilog(project)
    top, reason = choose_hls_top(project, sources, top)
    try:
        ports = hls_ports(sources, top)
    except HlsPortError as exc:
        raise CosimError(str(exc)) from None
    in_precision, out_precision = find_precisions(project, input_precision, output_precision, ports.inputs[0])
    in_side = _side(sources, top, ports.inputs, in_precision, "input")
    out_side = _side(sources, top, ports.outputs, out_precision, "output")
    inputs_file, expected_file = _reference_files(project, inputs, expected)
    features, results = read_table(inputs_file), read_table(expected_file)
    _check_shape(features, in_side, inputs_file, "inputs", top)
    _check_shape(results, out_side, expected_file, "outputs", top)
    if len(features) != len(results):
        raise CosimError(
            f"{inputs_file} holds {len(features)} vectors of {features.shape[1]} values but {expected_file} "
            f"{len(results)} vectors of {results.shape[1]}: one expected line per input line"
        )
    n = len(features) if vectors is None else min(vectors, len(features))
    # hls4ml's testbench reads the features as float, then converts them to input_t.
    codes = in_precision.type.quantize(features[:n].astype(np.float32).astype(np.float64))
    stream = StreamVectors(
        inputs=codes,
        in_widths=[in_precision.type.width] * in_side.elements,
        out_widths=[out_precision.type.width] * out_side.elements,
        out_signed=[out_precision.type.signed] * out_side.elements,
        expected=output_codes(results[:n], out_precision, expected_file),
    )
    return CosimJob(
        project=project,
        verilog_dir=verilog_dir,
        sources=sources,
        top=top,
        top_reason=reason,
        inputs_file=inputs_file,
        expected_file=expected_file,
        inputs=in_side,
        outputs=out_side,
        vectors=stream,
        clock_ns=find_clock_ns(project, _config(project)[0]),
    )


def _vendor_reports(project: Path) -> dict[str, Any] | None:
    """The project's own HLS reports (C synthesis, Vivado) in the metrics shape, where there are any."""
    try:
        return to_metrics(load_report(project))
    except ReportError:
        return None


def record(job: CosimJob, sim: SimResult, toolchain: Toolchain) -> Record:
    """The record of a co-simulation, in `harness evaluate`'s shape (fidelity `vendor`, kind
    `vendor-rtl`): verification and measured latency from Verilator; resources from the project's
    vendor reports where it has any (else null). `verification.bit_exact` also needs the testbench's
    block-protocol checks to have passed (`testbench_passed`)."""
    vendor = _vendor_reports(job.project)
    source = f"{sim.simulator} (measured) on vendor RTL {job.verilog_dir.resolve()}"
    latency = Latency.of(sim.latency_cycles, sim.ii_cycles, job.clock_ns or 0.0, source)
    if job.clock_ns is None:  # no clock in the project: the time is unknown, not zero
        latency.clock_ns = latency.ns = None
    latency.max_cycles = sim.latency_max_cycles
    comp = sim.comparison
    verification = Verification(
        **sim.metrics(), reference=f"{job.expected_file.resolve()} (inputs {job.inputs_file.resolve()})"
    )
    verification.extra = {
        "testbench": HLS_TESTBENCH,
        "bit_exact": bool(comp is not None and comp.exact and sim.testbench_passed),
        "testbench_passed": sim.testbench_passed,
    }
    resources = (vendor or {}).get("resources")
    return Record(
        design=job.top,
        kind="vendor-rtl",
        fidelity="vendor",
        design_hash=job.key(),
        verification=verification,
        latency=latency,
        resources=Resources.from_dict(resources) if resources else Resources(),
        vendor=(vendor or {}).get("vendor"),
        rtl={"top": job.top, "sources": [str(s) for s in job.sources]},
        tools=tool_versions(toolchain),
        seconds={"build": sim.build_seconds, "run": sim.run_seconds},
        extra={
            "cosim": {
                "project": str(job.project.resolve()),
                "verilog": str(job.verilog_dir.resolve()),
                "top_reason": job.top_reason,
                "input_precision": job.inputs.precision.to_dict(),
                "output_precision": job.outputs.precision.to_dict(),
                "inputs": {"ports": list(job.inputs.ports), "elements": job.inputs.elements},
                "outputs": {"ports": list(job.outputs.ports), "elements": job.outputs.elements},
            }
        },
    )


def run(
    job: CosimJob, out: Path, toolchain: Toolchain, timeout_s: float = 1800.0
) -> tuple[Record, Comparison]:
    """Simulate the job's top against its vectors and write `out/metrics.json`."""
    out.mkdir(parents=True, exist_ok=True)
    sim = simulate_hls_top(toolchain, job.sources, job.top, out / "sim", job.vectors, timeout_s)
    metrics = record(job, sim, toolchain)
    metrics.write(out / "metrics.json")
    assert sim.comparison is not None  # the job always carries expected outputs
    return metrics, sim.comparison
