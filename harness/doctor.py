"""`harness doctor`: what this machine can run, and why not when it cannot."""

from __future__ import annotations

from harness.toolchain import Toolchain


def render(toolchain: Toolchain) -> str:
    """A fixed-width table of every tool, then one verdict line per flow."""
    rows = [("tool", "flow", "status", "version", "origin / problem", "path")]
    for tool in toolchain.tools.values():
        status = "ok" if tool.found else ("missing" if tool.name in Toolchain.OPEN_FLOW else "optional")
        detail = tool.origin if tool.found else (tool.problem or tool.hint)
        rows.append(
            (
                tool.name,
                tool.flow,
                status,
                tool.version or "-",
                detail or "-",
                str(tool.path) if tool.path else "-",
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r[:-1], widths, strict=False)) + "  " + r[-1] for r in rows]
    problems = toolchain.open_flow_problems
    lines.append("")
    lines.append("open flow:   " + ("usable" if not problems else "NOT usable\n  " + "\n  ".join(problems)))
    vendor = toolchain.vendor_hls
    lines.append(
        "vendor flow: "
        + (
            f"usable ({vendor.label}; hls4ml's Vitis backend needs vitis-run, its Vivado "
            "backend vivado_hls; conifer takes any)"
            if vendor
            else "not available (no vitis-run, vitis_hls or vivado_hls on PATH)"
        )
    )
    return "\n".join(lines)


def as_dict(toolchain: Toolchain) -> dict:
    return {
        "tools": {
            t.name: {
                "flow": t.flow,
                "found": t.found,
                "version": t.version,
                "origin": t.origin,
                "path": str(t.path) if t.path else None,
                "problem": t.problem,
            }
            for t in toolchain.tools.values()
        },
        "open_flow": {"usable": not toolchain.open_flow_problems, "problems": toolchain.open_flow_problems},
        "vendor_flow": {
            "usable": toolchain.vendor_hls is not None,
            "tool": toolchain.vendor_hls.label if toolchain.vendor_hls else None,
        },
    }
