"""Finding what a vendor HLS tool exported: the Verilog folder, the HLS top, and the top's port sides.

The exported Verilog is `<prj>/solution*/syn/verilog`, else `impl/verilog`, else the one folder holding
`.v` files (`sim/` folders, which hold the vendor's own testbench, last). The top is `--top`, else the
only `ap_ctrl_hs` module, else hls4ml's ProjectName / the HLS project's top (`harness.hls.tops`'
hints), else the one `ap_ctrl_hs` module no other module instantiates.
"""

from __future__ import annotations

import re
from pathlib import Path

from harness.cosim.types import CosimError, Precision, Side
from harness.hls.ports import PORT_DECLARATION
from harness.hls.scan import HLS4ML_CONFIG, HLS_PROJECT_FILES, ProjectScan
from harness.hls.tops import top_hints

#: Where the exported Verilog is looked for, best first (`_verilog_rank`).
VERILOG_PLACES = "<prj>/solution*/syn/verilog, <prj>/solution*/impl/verilog, then any folder holding .v files"


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


def port_side(sources: list[Path], top: str, ports: tuple[str, ...], precision: Precision, what: str) -> Side:
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
