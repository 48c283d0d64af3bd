"""What Intel oneAPI reports about a design (`summary.ndjson`, `loop_attr.ndjson`, `quartus.ndjson`),
and its resource and loop figures as hls4ml's oneAPI build() dict names them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from harness.hls.record import (
    Clock,
    HlsResources,
    Interval,
    Latency,
    MalformedReportError,
    Number,
    SynthResources,
    Timing,
)
from harness.hls.values import parse_number, read_text

# hls4ml's oneAPI resource keys; the ndjson 'Estimated Resource Usage' columns map onto the same keys.
_INTEL_KEYS = {"alut": "lut", "reg": "ff", "dsp": "dsp"}
_INTEL_EXTRA_KEYS = ("ram", "mlab", "alm")
_INTEL_COLUMNS = {"ALUTs": "alut", "FFs": "reg", "RAMs": "ram", "DSPs": "dsp", "MLABs": "mlab"}


_Resources = TypeVar("_Resources", HlsResources, SynthResources)


def intel_resources(values: Mapping[str, Any], kind: type[_Resources]) -> _Resources:
    """ALUTs/FFs/DSPs go to the standard fields; RAM blocks (M20K), MLABs and ALMs have no Xilinx
    equivalent and go to `extra` rather than being mislabelled as BRAM_18K."""
    standard = {attr: parse_number(values[key]) for key, attr in _INTEL_KEYS.items() if key in values}
    extra = {key: parse_number(values.get(key)) for key in _INTEL_EXTRA_KEYS}
    return kind(**standard, extra={key: value for key, value in extra.items() if value is not None})


def intel_loops(worst_mhz: Any, worst_ii: Any, worst_latency: Any) -> tuple[Clock, Latency, Interval]:
    """hls4ml's oneAPI summary: slowest loop frequency, largest II, largest loop latency (worst cases)."""
    mhz = parse_number(worst_mhz)
    clock = Clock(estimated_ns=round(1000.0 / mhz, 3) if mhz else None)
    return clock, Latency(max_cycles=parse_number(worst_latency)), Interval(max=parse_number(worst_ii))


def _read_ndjson(path: Path) -> list[dict[str, Any]]:
    rows = []
    for number, line in enumerate(read_text(path).splitlines(), start=1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as err:
                raise MalformedReportError(path, f"line {number} is not JSON ({err.msg})") from err
    return rows


def parse_oneapi_summary(path: Path) -> tuple[HlsResources, HlsResources]:
    """HLS resource estimate ('Total') and device capacity ('Available') from `summary.ndjson`."""
    rows = _read_ndjson(path)
    header = next((r for r in rows if r.get("summary_type") == "estimatedResources"), None)
    by_name = {r.get("name"): r for r in rows if r.get("parent") == "estimatedResources"}
    if header is None or "Total" not in by_name or "Available" not in by_name:
        raise MalformedReportError(
            path, "no 'Estimated Resource Usage' table with 'Total' and 'Available' rows"
        )
    keys = [_INTEL_COLUMNS.get(str(name).strip()) for name in header["columns"][1:]]

    def row(name: str) -> HlsResources:
        values = {key: value for key, value in zip(keys, by_name[name]["data"], strict=False) if key}
        return intel_resources(values, HlsResources)

    return row("Total"), row("Available")


def parse_oneapi_loops(path: Path) -> tuple[Clock, Latency, Interval]:
    """Worst loop frequency, II and latency over `loop_attr.ndjson`, as hls4ml's oneAPI report has them."""
    loops = [r for r in _read_ndjson(path) if {"af", "ii", "lt"} <= r.keys()]
    if not loops:
        raise MalformedReportError(path, "no loop or block entries with 'af', 'ii' and 'lt'")

    def values(key: str) -> list[Number]:
        return [v for v in (parse_number(r[key]) for r in loops) if v is not None]

    freqs, iis, latencies = values("af"), values("ii"), values("lt")
    return intel_loops(min(freqs, default=None), max(iis, default=None), max(latencies, default=None))


def parse_quartus(path: Path) -> tuple[SynthResources, Timing, str | None]:
    """Post-fit resources of the kernel, fmax and kernel name from `quartus.ndjson`."""
    try:
        data = json.loads(read_text(path))
        nodes = data["quartusFitResourceUsageSummary"]["nodes"]
        fmax = parse_number(data["quartusFitClockSummary"]["nodes"][0]["clock fmax"])
    except (json.JSONDecodeError, KeyError, IndexError, TypeError) as err:
        raise MalformedReportError(path, f"no Quartus fit resource and clock summary ({err!r})") from err
    kernels = [n for n in nodes if n.get("type") == "kernel"] or nodes
    kernel = kernels[0]
    timing = Timing(fmax_mhz=None if fmax is None else float(fmax))
    return intel_resources(kernel, SynthResources), timing, kernel.get("name")
