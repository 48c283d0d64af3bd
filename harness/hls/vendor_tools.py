"""Which vendor HLS tool hls4ml's and conifer's `build()` run, and the refusal (`VendorToolMissing`)
where it is not installed, raised before any work and naming every tool searched."""

from __future__ import annotations

from collections.abc import Sequence
from importlib import metadata

from harness.toolchain import Tool, Toolchain, ToolNotFoundError

#: The one tool each hls4ml 1.3.0 backend's `build()` runs: the Vitis backend only the unified
#: `vitis-run` of Vitis 2024.2+, the Vivado backend only `vivado_hls` (Vivado HLS up to 2020.1).
HLS4ML_TOOLS = {"Vitis": "vitis-run", "Vivado": "vivado_hls"}
#: Every vendor HLS tool the toolchain looks for; a refusal lists them all.
VENDOR_HLS = ("vitis-run", "vitis_hls", "vivado_hls")


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


def require_vendor_tools(kind: str, toolchain: Toolchain) -> Tool:
    """The vendor HLS tool a design kind's generator will run, or `VendorToolMissing` before any work.

    NN designs are converted with hls4ml's Vitis backend, which runs only `vitis-run`; BDTs go through
    conifer's xilinxhls backend, which takes any of its tools.
    """
    if kind == "bdt":
        return conifer_tools(toolchain)[0]
    return require_tool(
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
    tool = require_tool(toolchain, order, order, f"conifer {version}'s xilinxhls backend")
    vivado = vivado_tool(toolchain, vsynth, f"conifer {version} (vsynth)")
    return tool, vivado


def vivado_tool(toolchain: Toolchain, vsynth: bool, runner: str) -> Tool | None:
    """Vivado, which both generators run for logic synthesis (`vsynth`); None when not asked for."""
    return require_tool(toolchain, ["vivado"], ["vivado"], runner) if vsynth else None


def require_tool(toolchain: Toolchain, accepted: Sequence[str], searched: Sequence[str], runner: str) -> Tool:
    """The first accepted tool that was found, else a refusal listing everything searched."""
    for name in accepted:
        if toolchain[name].found:
            return toolchain[name]
    raise VendorToolMissing([toolchain[n] for n in accepted], [toolchain[n] for n in searched], runner)
