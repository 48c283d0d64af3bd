"""Vendor fidelity: hls4ml's and conifer's own Vivado/Vitis HLS builds, where those tools exist.

The open flow measures every design with Yosys and Verilator. Where Vivado HLS, Vitis HLS or the
unified `vitis-run` is installed, the vendor fidelity adds what only the vendor tools can say: it runs
the generator's own `build()` (C synthesis, optionally Vivado synthesis and C/RTL co-simulation), reads
the reports with `harness.hls.reports` and simulates the exported RTL with the cocotb bench
`tb.hls_parallel`, bit-exact against the same C++ emulation the open flow checks against.

Nothing here imitates a vendor tool. Without one, planning raises `VendorToolMissing`, which names the
tools searched, the open-flow alternative and how to make an installed tool visible. A plan states
exactly what the generator will run (argv, the option file it writes, the reports it will leave), so
it can be reviewed, and tested, on machines without the tools.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.errors import ToolError
from harness.hls.metrics import to_metrics
from harness.hls.project import load_report
from harness.sim import SimJob, SimResult, StreamVectors, get_simulator
from harness.spec import SpecError
from harness.toolchain import Tool, Toolchain, ToolNotFoundError

if TYPE_CHECKING:
    from harness.spec import DesignSpec
    from harness.stages import Converted

#: The one tool each hls4ml 1.3.0 backend's `build()` runs: the Vitis backend only the unified
#: `vitis-run` of Vitis 2024.2+, the Vivado backend only `vivado_hls` (Vivado HLS up to 2020.1).
HLS4ML_TOOLS = {"Vitis": "vitis-run", "Vivado": "vivado_hls"}
#: Every vendor HLS tool the toolchain looks for; a refusal lists them all.
VENDOR_HLS = ("vitis-run", "vitis_hls", "vivado_hls")
#: The cocotb bench for HLS `ap_ctrl_hs` tops, and the variables that tell it the data ports
#: (comma-separated port names, element 0 first; one name means one packed port).
HLS_TESTBENCH = "tb.hls_parallel"
INPUTS_ENV = "HARNESS_HLS_INPUTS"
OUTPUTS_ENV = "HARNESS_HLS_OUTPUTS"
VALID_SUFFIX = "_ap_vld"


class VendorToolMissing(ToolNotFoundError):
    """The vendor fidelity needs a Vivado/Vitis tool that is not on PATH here.

    The message names every tool searched and what was found, says that the open flow is the
    alternative, and how to make an installed tool visible, so the user never has to guess.
    """

    def __init__(self, needed: Sequence[Tool], searched: Sequence[Tool], runner: str) -> None:
        super().__init__(needed[0])
        self.needed = tuple(needed)
        self.searched = tuple(searched)
        found = [t.label for t in self.searched if t.found]
        have = (
            f"found only {', '.join(found)}, which {runner} does not run" if found else "found none of them"
        )
        self.args = (
            f"The vendor fidelity needs {' or '.join(t.name for t in self.needed)}, which {runner} runs. "
            f"Searched PATH for {', '.join(t.name for t in self.searched)}: {have}. "
            "Without the vendor tools, use the open flow: `harness evaluate DESIGN --fidelity verify` "
            "(Yosys resources, Verilator simulation bit-exact against the same emulation). If Vivado or "
            "Vitis is installed, make it visible by sourcing its settings script in this shell, e.g. "
            "`source /tools/Xilinx/Vitis/2024.2/settings64.sh` (or Vivado's settings64.sh), then check "
            "with `harness doctor`.",
        )


class VendorBuildError(ToolError):
    """The vendor build ran but did not produce what it should have; the message says where to look."""


class HlsPortError(SpecError):
    """The data ports of an HLS top cannot be mapped onto the vectors' inputs and outputs."""


# --------------------------------------------------------------------------------------------------
# Plans


@dataclass(frozen=True)
class VendorBuildPlan:
    """Exactly what a generator's `build()` will run, in which folder, and which reports it leaves.

    `commands` are argv lists run in `work_dir` in order (the generator itself joins them into shell
    command lines); `files` are written by `build()` before the first command.
    """

    generator: str  # e.g. "hls4ml 1.3.0 Vitis backend"
    tool: Tool
    work_dir: Path
    top: str
    build_kwargs: dict[str, bool]  # exactly what run_*_build passes to build()
    files: dict[str, str]
    commands: tuple[tuple[str, ...], ...]
    logs: tuple[Path, ...]
    reports: dict[str, Path]  # csynth_rpt, csynth_xml, verilog, cosim, vivado_synth, ip
    tool_order: tuple[str, ...]  # names the generator looks for on PATH; the first found is run
    vivado: Tool | None = None

    @property
    def tool_version(self) -> str | None:
        return self.tool.version

    @property
    def label(self) -> str:
        """Who produced the numbers, as appended to every metric's `source`."""
        tools = " and ".join(t.label for t in (self.tool, self.vivado) if t is not None)
        return f"{self.generator} build() via {tools}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "generator": self.generator,
            "tool": self.tool.label,
            "tool_path": str(self.tool.path),
            "vivado": self.vivado.label if self.vivado else None,
            "work_dir": str(self.work_dir),
            "top": self.top,
            "build_kwargs": self.build_kwargs,
            "commands": [shlex.join(c) for c in self.commands],
            "files": sorted(self.files),
            "logs": [str(p) for p in self.logs],
            "reports": {k: str(p) for k, p in self.reports.items()},
        }


def plan_hls4ml_build(
    model_graph_or_output_dir: Any,
    toolchain: Toolchain,
    *,
    csim: bool = False,
    synth: bool = True,
    cosim: bool = False,
    vsynth: bool = False,
    export: bool = False,
) -> VendorBuildPlan:
    """What hls4ml 1.3.0's `ModelGraph.build()` will run for this project (a ModelGraph or the folder
    hls4ml wrote), mirroring `VitisBackend.build` / `VivadoBackend.build`; refuses without the tool."""
    work_dir, top, backend = _hls4ml_project(model_graph_or_output_dir)
    version = metadata.version("hls4ml")
    if backend not in HLS4ML_TOOLS:
        raise ValueError(
            f"hls4ml backend {backend!r} has no vendor build the harness can run; convert with "
            f"backend='Vitis' (vitis-run) or backend='Vivado' (vivado_hls)"
        )
    generator = f"hls4ml {version} {backend} backend"
    tool = _require(toolchain, [HLS4ML_TOOLS[backend]], VENDOR_HLS, f"hls4ml {version}'s {backend} backend")
    vivado = _vivado(toolchain, vsynth, "hls4ml's build_prj.tcl (vsynth)")
    opts = {
        "reset": False,
        "csim": csim,
        "synth": synth,
        "cosim": cosim,
        "validation": False,
        "export": export,
        "vsynth": vsynth,
        "fifo_opt": False,
    }
    commands: list[tuple[str, ...]]
    logs: tuple[Path, ...]
    if backend == "Vitis":
        files = {"build_opt.tcl": _tcl_options(opts, pad=10)}
        commands = [("vitis-run", "--tcl", "build_prj.tcl", "--mode", "hls")]
        logs = (work_dir / "build_stdout.log", work_dir / "build_stderr.log")
        build_kwargs = {**opts, "log_to_stdout": False}
    else:
        files = {}
        commands = [("vivado_hls", "-f", "build_prj.tcl", " ".join(f"{k}={v}" for k, v in opts.items()))]
        logs = (work_dir / "vivado_hls.log",)
        build_kwargs = opts
    if vsynth:
        commands.append(("vivado", "-mode", "batch", "-source", "vivado_synth.tcl"))  # exec'd by the TCL
    return VendorBuildPlan(
        generator=generator,
        tool=tool,
        work_dir=work_dir,
        top=top,
        build_kwargs=build_kwargs,
        files=files,
        commands=tuple(commands),
        logs=logs,
        reports=_solution_reports(work_dir, work_dir / f"{top}_prj", top, synth, cosim, vsynth, export),
        tool_order=(tool.name,),
        vivado=vivado,
    )


def plan_conifer_build(
    conifer_model_or_dir: Any,
    toolchain: Toolchain,
    *,
    csim: bool = False,
    synth: bool = True,
    cosim: bool = False,
    vsynth: bool = False,
    export: bool = False,
) -> VendorBuildPlan:
    """What conifer's xilinxhls `build()` will run for this model (or the folder it wrote): the first
    of vivado_hls, vitis_hls, vitis-run on PATH (conifer's order), then Vivado for `vsynth`."""
    from conifer.backends.common import get_hls_build_command

    work_dir, project, top = _conifer_project(conifer_model_or_dir)
    tool, vivado = conifer_tools(toolchain, vsynth=vsynth)
    synth = synth or export  # conifer's build() forces synthesis before an export
    opts = {"reset": False, "csim": csim, "synth": synth, "cosim": cosim, "export": export}
    commands = [tuple(shlex.split(get_hls_build_command(tool.name, "build_hls.tcl")))]
    logs = [work_dir / "build.log"]
    if vsynth:
        commands.append(("vivado", "-mode", "batch", "-source", "vivado_synth.tcl"))
        logs.append(work_dir / "vivado_build.log")
    return VendorBuildPlan(
        generator=f"conifer {metadata.version('conifer')} xilinxhls backend",
        tool=tool,
        work_dir=work_dir,
        top=top,
        build_kwargs={**opts, "vsynth": vsynth},
        files={"build_opt.tcl": _tcl_options(opts, pad=0)},
        commands=tuple(commands),
        logs=tuple(logs),
        reports=_solution_reports(work_dir, work_dir / project, top, synth, cosim, vsynth, export),
        tool_order=conifer_tool_order(),
        vivado=vivado,
    )


def require_vendor_tools(kind: str, toolchain: Toolchain) -> Tool:
    """The vendor HLS tool a design kind's generator will run, or `VendorToolMissing` before any work.

    NN designs are converted with hls4ml's Vitis backend, which runs only `vitis-run`; BDTs go through
    conifer's xilinxhls backend, which takes any of its tools.
    """
    if kind == "bdt":
        return conifer_tools(toolchain)[0]
    return _require(
        toolchain, [HLS4ML_TOOLS["Vitis"]], VENDOR_HLS, f"hls4ml {metadata.version('hls4ml')}'s Vitis backend"
    )


def conifer_tool_order() -> tuple[str, ...]:
    """The HLS executables conifer tries, in its order (its `_TOOLS` table, which its writer uses)."""
    from conifer.backends.common import _TOOLS

    return tuple(_TOOLS.values())


def conifer_tools(toolchain: Toolchain, *, vsynth: bool = False) -> tuple[Tool, Tool | None]:
    """The HLS tool conifer will pick (and Vivado if `vsynth`), or `VendorToolMissing`."""
    order = conifer_tool_order()
    version = metadata.version("conifer")
    tool = _require(toolchain, order, order, f"conifer {version}'s xilinxhls backend")
    vivado = _vivado(toolchain, vsynth, f"conifer {version} (vsynth)")
    return tool, vivado


def _vivado(toolchain: Toolchain, vsynth: bool, runner: str) -> Tool | None:
    """Vivado, which both generators run for logic synthesis (`vsynth`); None when not asked for."""
    return _require(toolchain, ["vivado"], ["vivado"], runner) if vsynth else None


def _tcl_options(opts: Mapping[str, bool], pad: int) -> str:
    """The `array set opt {...}` file that hls4ml's Vitis backend (names padded to 10) and conifer
    (unpadded) write for their build scripts, because `vitis-run` cannot pass script arguments."""
    return "array set opt {\n" + "".join(f"    {k:<{pad}} {int(v)}\n" for k, v in opts.items()) + "}\n"


def _require(toolchain: Toolchain, accepted: Sequence[str], searched: Sequence[str], runner: str) -> Tool:
    """The first accepted tool that was found, else a refusal listing everything searched."""
    for name in accepted:
        if toolchain[name].found:
            return toolchain[name]
    raise VendorToolMissing([toolchain[n] for n in accepted], [toolchain[n] for n in searched], runner)


def _solution_reports(
    work_dir: Path, project_dir: Path, top: str, synth: bool, cosim: bool, vsynth: bool, export: bool
) -> dict[str, Path]:
    """Where Vivado/Vitis HLS leave each step's output in `<project>/solution1`, and Vivado's
    `report_utilization -file vivado_synth.rpt` (both generators' vivado_synth.tcl) in the work dir."""
    solution = project_dir / "solution1"
    reports: dict[str, Path] = {}
    if synth:
        reports["csynth_rpt"] = solution / "syn" / "report" / f"{top}_csynth.rpt"
        reports["csynth_xml"] = solution / "syn" / "report" / f"{top}_csynth.xml"
        reports["verilog"] = solution / "syn" / "verilog"
    if cosim:
        reports["cosim"] = solution / "sim" / "report" / f"{top}_cosim.rpt"
    if vsynth:
        reports["vivado_synth"] = work_dir / "vivado_synth.rpt"
    if export:
        reports["ip"] = solution / "impl" / "ip"
    return reports


def tcl_settings(path: Path) -> dict[str, str]:
    """`set name value` lines of the TCL files hls4ml and conifer write (project.tcl, hls_parameters.tcl)."""
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: not a written project folder")
    return {m[1]: m[2] for m in re.finditer(r'^\s*set\s+(\w+)\s+"?([^"\n]*?)"?\s*$', path.read_text(), re.M)}


def _hls4ml_project(model_or_dir: Any) -> tuple[Path, str, str]:
    """(output dir, project name, backend name) of a ModelGraph or of a folder hls4ml wrote."""
    if isinstance(model_or_dir, str | Path):
        work_dir = Path(model_or_dir).resolve()
        settings = tcl_settings(work_dir / "project.tcl")
        return work_dir, settings["project_name"], settings["backend"].capitalize()
    config = model_or_dir.config
    return Path(config.get_output_dir()).resolve(), config.get_project_name(), config.backend.name


def _conifer_project(model_or_dir: Any) -> tuple[Path, str, str]:
    """(output dir, project name, HLS top) of a conifer xilinxhls model or of the folder it wrote."""
    if isinstance(model_or_dir, str | Path):
        work_dir = Path(model_or_dir).resolve()
        settings = tcl_settings(work_dir / "hls_parameters.tcl")
        project, top = settings["prj_name"], settings["top"]
    else:
        config = model_or_dir.config
        if getattr(config, "backend", None) != "xilinxhls":
            raise ValueError(
                f"conifer model has backend {getattr(config, 'backend', None)!r}; the vendor build needs "
                "'xilinxhls' (conifer_xilinxhls_model() makes one from any conifer model)"
            )
        if config.accelerator_config is not None:
            raise ValueError(
                "conifer accelerator builds (AcceleratorConfig) wrap the model in AXI; the "
                "harness builds and simulates the bare model top only"
            )
        work_dir, project, top = Path(config.output_dir).resolve(), config.project_name, config.project_name
    if top != project:
        raise ValueError(f"conifer project {project!r} has top {top!r}: an accelerator build, not supported")
    return work_dir, project, top


def conifer_xilinxhls_model(model: Any, output_dir: Path, part: str, clock_ns: float) -> Any:
    """The same forest and precisions under conifer's xilinxhls backend, to be written to `output_dir`.

    The flow converts BDTs with conifer's `cpp` backend (the emulation); conifer's own save/load
    moves the ensemble to the HLS backend, so the HLS code comes from the identical model.
    """
    from conifer.model import load_model

    config = model.config
    if getattr(config, "backend", None) == "xilinxhls":
        return model
    output_dir.mkdir(parents=True, exist_ok=True)
    saved = output_dir / f"{config.project_name}_source.json"
    model.save(str(saved))
    return load_model(
        str(saved),
        new_config={
            "Backend": "xilinxhls",
            "OutputDir": str(output_dir),
            "ProjectName": config.project_name,
            "XilinxPart": part,
            "ClockPeriod": clock_ns,
            "Unroll": True,
            "InputPrecision": config.input_precision,
            "ThresholdPrecision": config.threshold_precision,
            "WeightPrecision": config.weight_precision,
            "ScorePrecision": config.score_precision,
        },
    )


# --------------------------------------------------------------------------------------------------
# Running a plan (only where the tools exist)


@dataclass
class VendorBuildResult:
    """The metrics of a vendor build, the normalised report they came from and the generator's own dict."""

    plan: VendorBuildPlan
    metrics: dict[str, Any]
    report: dict[str, Any]
    raw: dict[str, Any] | None  # what build() returned (hls4ml parses the same reports itself)


def run_hls4ml_build(plan: VendorBuildPlan, model_graph: Any) -> VendorBuildResult:
    """Run `model_graph.build()` as planned, then read the reports it left.

    hls4ml's Vivado backend ignores the tool's exit status, so success is judged by the reports: each
    planned report must exist and be newer than the start of this build.
    """
    _check_plan_matches(plan, "hls4ml", _hls4ml_project(model_graph)[0])
    return _run(plan, model_graph)


def run_conifer_build(plan: VendorBuildPlan, model: Any) -> VendorBuildResult:
    """Run conifer's xilinxhls `model.build()` as planned, then read the reports it left."""
    _check_plan_matches(plan, "conifer", _conifer_project(model)[0])
    return _run(plan, model)


def _check_plan_matches(plan: VendorBuildPlan, generator: str, work_dir: Path) -> None:
    if not plan.generator.startswith(generator) or work_dir != plan.work_dir:
        raise ValueError(
            f"the plan is for {plan.generator} in {plan.work_dir}, not for this {generator} "
            f"model in {work_dir}"
        )


def _run(plan: VendorBuildPlan, model: Any) -> VendorBuildResult:
    started = time.time()
    logs = ", ".join(str(p) for p in plan.logs)
    with _tools_on_path(plan):
        try:
            raw = model.build(**plan.build_kwargs)
        except Exception as exc:  # hls4ml raises bare Exception when the tool fails
            raise VendorBuildError(f"{plan.label} failed: {exc} (logs: {logs})") from exc
    if raw is False:  # conifer's way of saying the tool failed
        raise VendorBuildError(f"{plan.label} failed (logs: {logs})")
    for path in (plan.reports[k] for k in ("csynth_rpt", "cosim", "vivado_synth") if k in plan.reports):
        if not path.exists():
            raise VendorBuildError(f"{plan.label} finished but did not write {path} (logs: {logs})")
        if path.stat().st_mtime < started:
            raise VendorBuildError(
                f"{path} predates this build: it was left by an earlier run, and "
                f"{plan.label} did not rewrite it (logs: {logs})"
            )
    report = load_report(plan.work_dir)
    metrics = to_metrics(report)
    for group in ("latency", "resources"):
        metrics[group]["source"] = f"{metrics[group]['source']} ({plan.label})"
    metrics["vendor"]["build"] = plan.to_dict()
    return VendorBuildResult(plan, metrics, report.to_dict(), raw if isinstance(raw, dict) else None)


@contextlib.contextmanager
def _tools_on_path(plan: VendorBuildPlan) -> Iterator[None]:
    """hls4ml and conifer find their tool through this process's PATH (`command -v`, `os.system`), not
    through the toolchain: put the planned tools first while build() runs, and make sure the name the
    generator will pick resolves to the planned tool, so the metrics' `source` is the tool that ran."""
    saved = os.environ.get("PATH", "")
    folders = [str(t.path.parent) for t in (plan.tool, plan.vivado) if t is not None and t.path is not None]
    os.environ["PATH"] = os.pathsep.join([*folders, saved])
    try:
        picked = next((shutil.which(name) for name in plan.tool_order if shutil.which(name)), None)
        if picked is None or Path(picked) != plan.tool.path:
            raise VendorBuildError(
                f"the generator would run {picked}, not the planned {plan.tool.path}; "
                "PATH changed since the toolchain was discovered"
            )
        yield
    finally:
        os.environ["PATH"] = saved


# --------------------------------------------------------------------------------------------------
# HLS top-level ports and the RTL simulation of an exported top


@dataclass(frozen=True)
class HlsPorts:
    """The data ports of an HLS top, element 0 first: one name is a packed port, several one per element."""

    inputs: tuple[str, ...]
    outputs: tuple[str, ...]

    def env(self) -> dict[str, str]:
        """The variables `tb.hls_parallel` reads its port names from."""
        return {INPUTS_ENV: ",".join(self.inputs), OUTPUTS_ENV: ",".join(self.outputs)}


#: A port name that looks like element `index` of a partitioned array: `<array>_<index>` (Vitis HLS 2020.2+)
#: or `<array>_<index>_V` (Vivado HLS up to 2020.1). The array name may itself end in digits
#: (`input_1_0_V` is element 0 of `input_1`), which is why the base is matched non-greedily.
_ELEMENT = re.compile(r"^(?P<base>.+?)_(?P<index>\d+)(?P<suffix>_V)?$")
PORT_DECLARATION = re.compile(
    r"^\s*(?P<dir>input|output)\s+(?:wire\s+|reg\s+)?(?:signed\s+)?"
    r"(?:\[\s*(?P<msb>\d+)\s*:\s*(?P<lsb>\d+)\s*\]\s*)?(?P<name>\w+)\s*;",
    re.M,
)
#: Handshake companions HLS adds to a data port (`ap_vld`, `ap_hs`, `ap_ack` interfaces): never data.
_COMPANION_SUFFIXES = (VALID_SUFFIX, "_ap_ack")


def is_data_port(name: str) -> bool:
    """Whether an HLS top's port carries data: HLS reserves the `ap_` prefix for block-level ports
    (ap_clk, ap_rst_n, ap_ce, ...) and names handshakes `<port>_ap_vld` / `<port>_ap_ack`."""
    return not name.startswith("ap_") and not name.endswith(_COMPANION_SUFFIXES)


def array_groups(names: Iterable[str]) -> list[list[str]]:
    """Port names grouped into arrays, each in element order.

    HLS names the ports of a partitioned array `<array>_<i>` (Vivado HLS adds `_V`); a family whose
    indices are exactly 0..n-1 is one array, including a single-element array `<array>_0`. Every other
    port is its own group: a reshaped (packed) array such as `input_1` / `input_1_V`, whose name only
    looks like element 1 of an array `input`, and any family with gaps.
    """
    names = list(names)  # read twice below: a generator would lose every port not in a family
    families: dict[str, dict[int, str]] = {}
    for name in names:
        if match := _ELEMENT.match(name):
            families.setdefault(match["base"] + (match["suffix"] or ""), {})[int(match["index"])] = name
    groups: list[list[str]] = []
    grouped: set[str] = set()
    for members in families.values():
        if sorted(members) == list(range(len(members))):
            groups.append([members[i] for i in range(len(members))])
            grouped.update(members.values())
    groups += [[name] for name in names if name not in grouped]
    return sorted(groups)


def hls_ports(sources: Sequence[Path], top: str) -> HlsPorts:
    """The data ports of module `top`, read from its port declarations (HLS writes them non-ANSI,
    one per line): every input and output except the block-level `ap_*` ports and the handshakes."""
    for source in sources:
        text = Path(source).read_text(errors="replace")
        if match := re.search(rf"^\s*module\s+{re.escape(top)}\b(.*?)^\s*endmodule", text, re.M | re.S):
            break
    else:
        raise HlsPortError(f"module {top} not found in {', '.join(str(s) for s in sources)}")
    declared = {m["name"]: m["dir"] for m in PORT_DECLARATION.finditer(match[1])}
    data = {n: d for n, d in declared.items() if is_data_port(n)}
    inputs = array_groups(n for n, d in data.items() if d == "input")
    outputs = array_groups(n for n, d in data.items() if d == "output")
    if len(inputs) != 1 or len(outputs) != 1:
        raise HlsPortError(
            f"{top} has input arrays {inputs} and output arrays {outputs}; {HLS_TESTBENCH} "
            "drives one input array and one output array (an io_parallel top)"
        )
    unflagged = [name for name in outputs[0] if name + VALID_SUFFIX not in declared]
    if unflagged:
        raise HlsPortError(
            f"{top}: outputs {unflagged} have no {VALID_SUFFIX} port; {HLS_TESTBENCH} needs "
            "the ap_vld protocol on outputs to know when a result is written"
        )
    return HlsPorts(tuple(inputs[0]), tuple(outputs[0]))


def resolve_ports(widths: Mapping[str, int], in_widths: Sequence[int], out_widths: Sequence[int]) -> HlsPorts:
    """Find the data ports among a design's signals (name -> width) when no port names were given.

    A data port is a signal `X` with a companion `X_ap_vld`, grouped into arrays. A group fits a side
    of the vectors if it has one port per element of the right widths, or one packed port of the total
    width. The ports are found if exactly one pair of different groups fits (inputs, outputs); anything
    else is an error asking for the names.
    """
    data = {n: w for n, w in widths.items() if n + VALID_SUFFIX in widths and is_data_port(n)}
    groups = array_groups(data)

    def fits(group: list[str], element_widths: Sequence[int]) -> bool:
        sizes = [data[n] for n in group]
        packed = len(group) == 1 and sizes[0] == sum(element_widths)
        return packed or sizes == [int(w) for w in element_widths]

    pairs = [(i, o) for i in groups for o in groups if i != o and fits(i, in_widths) and fits(o, out_widths)]
    if len(pairs) != 1:
        raise HlsPortError(
            f"cannot tell the data ports apart: signals with {VALID_SUFFIX} form the groups {groups}, and "
            f"{len(pairs)} (input, output) pairs of them fit {list(map(int, in_widths))}-bit inputs and "
            f"{list(map(int, out_widths))}-bit outputs. Name them in {INPUTS_ENV} and {OUTPUTS_ENV} "
            "(comma-separated port names, element 0 first); inputs without a valid (ap_none) can only be "
            "named that way"
        )
    ((inputs, outputs),) = pairs
    return HlsPorts(tuple(inputs), tuple(outputs))


def simulate_hls_top(
    toolchain: Toolchain,
    sources: Sequence[Path],
    top: str,
    work_dir: Path,
    vectors: StreamVectors,
    timeout_s: float = 1800.0,
) -> SimResult:
    """Simulate an HLS io_parallel top with `tb.hls_parallel` on Verilator, ports read from its Verilog.

    ROM initialisation files (`*.dat`, read with `$readmemh` relative to the simulator's folder) that
    HLS exports next to the Verilog are copied into the simulation folder.
    """
    ports = hls_ports(sources, top)
    build_dir = work_dir / "sim_build"
    for rom in {p for s in sources for p in Path(s).parent.glob("*.dat")}:
        build_dir.mkdir(parents=True, exist_ok=True)
        shutil.copy(rom, build_dir / rom.name)
    job = SimJob(
        top,
        list(sources),
        work_dir,
        vectors,
        testbench=HLS_TESTBENCH,
        timeout_s=timeout_s,
        tb_env=ports.env(),
    )
    return get_simulator("verilator", toolchain).run(job)


# --------------------------------------------------------------------------------------------------
# The `--fidelity vendor` hook


def vendor_metrics(
    spec_like: DesignSpec,
    converted: Converted,
    out_dir: Path,
    toolchain: Toolchain,
    *,
    vectors: StreamVectors | None = None,
    cosim: bool = False,
    vsynth: bool = False,
) -> dict:
    """Metrics of one design point from the vendor tools: C synthesis (and optionally Vivado synthesis
    and co-simulation) through the generator's own build(), then, given `vectors` (the emulation's
    inputs and outputs), the exported RTL simulated bit-exact with `tb.hls_parallel`.

    Uses `spec_like.firmware.part` / `.clock_ns` (conifer) and `spec_like.verify.sim_timeout_s`. Refuses
    with `VendorToolMissing` before doing any work where the tools are missing.
    """
    from conifer.model import ModelBase
    from hls4ml.model.graph import ModelGraph

    model = converted.model
    if isinstance(model, ModelGraph):
        plan = plan_hls4ml_build(model, toolchain, cosim=cosim, vsynth=vsynth)
        result = run_hls4ml_build(plan, model)
    elif isinstance(model, ModelBase):
        conifer_tools(toolchain, vsynth=vsynth)
        model = conifer_xilinxhls_model(
            model, out_dir / "conifer-xilinxhls", spec_like.firmware.part, spec_like.firmware.clock_ns
        )
        model.write()
        plan = plan_conifer_build(model, toolchain, cosim=cosim, vsynth=vsynth)
        result = run_conifer_build(plan, model)
    else:
        raise TypeError(
            f"no vendor build for a {type(model).__name__}: expected an hls4ml ModelGraph or a conifer model"
        )
    record = {**result.metrics, "fidelity": "vendor", "verification": None, "rtl_latency": None}
    if vectors is not None:
        sources = sorted(plan.reports["verilog"].glob("*.v"))
        sim = simulate_hls_top(
            toolchain, sources, plan.top, out_dir / "vendor-sim", vectors, spec_like.verify.sim_timeout_s
        )
        record["verification"] = {**sim.metrics(), "testbench": HLS_TESTBENCH}
        record["rtl_latency"] = {
            "cycles": sim.latency_cycles,
            "max_cycles": sim.latency_max_cycles,
            "ii_cycles": sim.ii_cycles,
            "source": f"{sim.simulator} (measured) on the RTL exported by {plan.tool.label}",
        }
    return record
