"""What every benchmark shares: repeated timing, the machine's facts, tool versions, tables, JSON.

Each `benchmarks/<name>.py` is runnable alone (`python benchmarks/<name>.py`, which puts this folder
on sys.path) and writes `benchmarks/results/<name>.json` through `write_result`, so every result file
carries the date, the machine (cores, CPU model, load average at the end) and the tool versions.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import shutil
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


@dataclass(frozen=True)
class Timing:
    """Wall-clock seconds of repeated runs of the same thing."""

    runs: list[float]

    @property
    def min(self) -> float:
        return min(self.runs)

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    @property
    def max(self) -> float:
        return max(self.runs)

    def to_dict(self) -> dict:
        return {
            "min": round(self.min, 4),
            "median": round(self.median, 4),
            "max": round(self.max, 4),
            **asdict(self),
        }


def repeat(fn: Callable[[], Any], times: int) -> tuple[Timing, Any]:
    """Run `fn` `times` times; the timings and the last run's return value."""
    runs, value = [], None
    for _ in range(times):
        start = time.monotonic()
        value = fn()
        runs.append(round(time.monotonic() - start, 4))
    return Timing(runs), value


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """One run of `fn`: (seconds, its return value)."""
    timing, value = repeat(fn, 1)
    return timing.runs[0], value


def machine() -> dict:
    """Cores this process may use, the CPU model, Python, and the 1-minute load average now (other
    work on the machine moves every timing; ratios measured side by side in one run move less)."""
    cpuinfo = Path("/proc/cpuinfo")
    lines = cpuinfo.read_text().splitlines() if cpuinfo.exists() else []
    cpu = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), None)
    return {
        "cores": len(os.sched_getaffinity(0)),
        "cpu": cpu or platform.processor() or None,
        "python": platform.python_version(),
        "load_1min": round(os.getloadavg()[0], 2),
    }


def version(package: str) -> str | None:
    """The installed version of a Python distribution, None where it is not installed."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def versions(*packages: str) -> dict[str, str | None]:
    return {p: version(p) for p in packages}


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A Markdown table (pastes into a docs page as printed)."""
    cells = [[_cell(v) for v in row] for row in rows]
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    return "\n".join([*lines, *("| " + " | ".join(row) + " |" for row in cells)])


def _cell(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 100 else f"{value:,.0f}"
    return str(value)


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator, None where either is unknown or the denominator is zero."""
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, 3)


def harness_numbers(seconds: float, result: Any, n: int) -> dict:
    """Build, run and throughput of one harness simulation (`harness.sim.SimResult`, `seconds` of wall
    time around it, `n` vectors): the stream driver's rate on the fast path, cocotb's otherwise."""
    run_s = result.stream_seconds if result.stream_seconds is not None else result.run_seconds
    return {
        "build_s": result.build_seconds,
        "cocotb_vectors": result.cocotb_vectors,
        "cocotb_s": result.cocotb_seconds,
        "stream_s": result.stream_seconds,
        "run_s": result.run_seconds,
        "end_to_end_s": round(seconds, 2),
        "vectors_per_s": round(n / run_s),
        "mismatches": result.comparison.mismatched_words,
        "testbench_passed": result.testbench_passed,
        "latency_cycles": result.latency_cycles,
        "ii_cycles": result.ii_cycles,
    }


def cold(folder: Path) -> Path:
    """`folder` emptied: a benchmark's work folder from an earlier run would hand it finished Verilator
    builds (make finds them up to date) and so time nothing."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def write_result(name: str, report: dict, tools: dict[str, str | None] | None = None) -> Path:
    """Write benchmarks/results/<name>.json with the date, machine and tool versions added."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    record = {
        "benchmark": name,
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        **report,
        "machine": machine(),
        "tools": tools or {},
    }
    path.write_text(json.dumps(record, indent=2) + "\n")
    print(f"wrote {path.relative_to(ROOT)}")
    return path
