"""What a generator's `build()` will run (`VendorBuildPlan`): argv, the option file it writes, the
reports it leaves, for hls4ml's Vitis/Vivado backends and conifer's xilinxhls backend. A plan is made
without running anything, so it can be reviewed, and tested, on machines without the tools."""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from harness.hls.vendor_tools import (
    HLS4ML_TOOLS,
    VENDOR_HLS,
    conifer_tool_order,
    conifer_tools,
    require_tool,
    vivado_tool,
)
from harness.toolchain import Tool, Toolchain


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
    work_dir, top, backend = hls4ml_project(model_graph_or_output_dir)
    version = metadata.version("hls4ml")
    if backend not in HLS4ML_TOOLS:
        raise ValueError(
            f"hls4ml backend {backend!r} has no vendor build the harness can run; convert with "
            f"backend='Vitis' (vitis-run) or backend='Vivado' (vivado_hls)"
        )
    generator = f"hls4ml {version} {backend} backend"
    tool = require_tool(
        toolchain, [HLS4ML_TOOLS[backend]], VENDOR_HLS, f"hls4ml {version}'s {backend} backend"
    )
    vivado = vivado_tool(toolchain, vsynth, "hls4ml's build_prj.tcl (vsynth)")
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

    work_dir, project, top = conifer_project(conifer_model_or_dir)
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


def _tcl_options(opts: Mapping[str, bool], pad: int) -> str:
    """The `array set opt {...}` file that hls4ml's Vitis backend (names padded to 10) and conifer
    (unpadded) write for their build scripts, because `vitis-run` cannot pass script arguments."""
    return "array set opt {\n" + "".join(f"    {k:<{pad}} {int(v)}\n" for k, v in opts.items()) + "}\n"


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


def hls4ml_project(model_or_dir: Any) -> tuple[Path, str, str]:
    """(output dir, project name, backend name) of a ModelGraph or of a folder hls4ml wrote."""
    if isinstance(model_or_dir, str | Path):
        work_dir = Path(model_or_dir).resolve()
        settings = tcl_settings(work_dir / "project.tcl")
        return work_dir, settings["project_name"], settings["backend"].capitalize()
    config = model_or_dir.config
    return Path(config.get_output_dir()).resolve(), config.get_project_name(), config.backend.name


def conifer_project(model_or_dir: Any) -> tuple[Path, str, str]:
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
