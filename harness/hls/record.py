"""The normalised record of one design point as the vendor reports describe it (`VendorReport`), its
groups (clock, latency, resources, ...) and the errors of reading a report.

Everything a report does not state stays ``None``: an unknown value must never read as zero. Each
report family has its reader (`xilinx_hls`, `vivado`, `oneapi`, `build_dict`); `project` combines the
reports of one run into one record.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any

from harness.errors import ReportError

Number = int | float


class NoReportError(ReportError):
    """Nothing at the given path looks like a report the harness understands."""


class MalformedReportError(ReportError):
    """A file looked like a report but lacked something every such report has."""

    def __init__(self, path: Path, what: str) -> None:
        super().__init__(f"{path}: {what}")


@dataclass
class Clock:
    target_ns: float | None = None
    estimated_ns: float | None = None
    uncertainty_ns: float | None = None


@dataclass
class Latency:
    min_cycles: Number | None = None
    max_cycles: Number | None = None
    min_ns: float | None = None
    max_ns: float | None = None


@dataclass
class Interval:
    min: Number | None = None
    max: Number | None = None


@dataclass
class HlsResources:
    """HLS estimate (or capacity). `extra` holds vendor-specific counts, e.g. Intel RAM blocks and MLABs."""

    bram_18k: Number | None = None
    dsp: Number | None = None
    ff: Number | None = None
    lut: Number | None = None
    uram: Number | None = None
    extra: dict[str, Number] = field(default_factory=dict)


@dataclass
class SynthResources:
    """Post-synthesis counts. `bram` is in Block RAM tiles (36 Kb), which is what Vivado reports."""

    lut: Number | None = None
    ff: Number | None = None
    dsp: Number | None = None
    bram: Number | None = None
    uram: Number | None = None
    extra: dict[str, Number] = field(default_factory=dict)


@dataclass
class Cosim:
    status: str | None = None  # "pass" / "fail"
    rtl: str | None = None


@dataclass
class Timing:
    wns_ns: float | None = None
    whs_ns: float | None = None
    met: bool | None = None
    fmax_mhz: float | None = None  # Quartus post-fit fmax (Intel only)


_GROUP_TYPES: dict[str, type] = {
    "clock": Clock,
    "latency": Latency,
    "ii": Interval,
    "hls_resources": HlsResources,
    "available": HlsResources,
    "available_slr": HlsResources,
    "synth_resources": SynthResources,
    "synth_available": SynthResources,
    "cosim": Cosim,
    "timing": Timing,
}


@dataclass
class VendorReport:
    """One design point as the vendor reports describe it."""

    tool: str | None = None
    tool_version: str | None = None
    part: str | None = None
    top: str | None = None
    clock: Clock = field(default_factory=Clock)
    latency: Latency = field(default_factory=Latency)
    ii: Interval = field(default_factory=Interval)
    hls_resources: HlsResources = field(default_factory=HlsResources)
    available: HlsResources = field(default_factory=HlsResources)
    available_slr: HlsResources | None = None
    synth_tool: str | None = None
    synth_stage: str | None = None  # Vivado's design state of `synth_resources`: synthesized ... routed
    synth_resources: SynthResources | None = None
    synth_available: SynthResources | None = None
    cosim: Cosim = field(default_factory=Cosim)
    timing: Timing = field(default_factory=Timing)
    sources: dict[str, str] = field(default_factory=dict)
    run: str | None = None  # which run of the folder this record describes
    stages: dict[str, dict[str, Any]] = field(default_factory=dict)  # every implementation stage read
    unused: dict[str, str] = field(default_factory=dict)  # report found but not used -> why
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON shape: groups become objects, vendor-specific extras sit next to the standard keys."""
        return {f.name: _group_to_dict(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> VendorReport:
        """Inverse of `to_dict`, so a saved `--json` output can serve as a comparison baseline."""
        kwargs: dict[str, Any] = {}
        for f in fields(cls):
            if data.get(f.name) is None:
                continue
            group_type = _GROUP_TYPES.get(f.name)
            kwargs[f.name] = _group_from_dict(group_type, data[f.name]) if group_type else data[f.name]
        return cls(**kwargs)


def _group_to_dict(value: Any) -> Any:
    if not is_dataclass(value):
        return value
    out = {f.name: getattr(value, f.name) for f in fields(value) if f.name != "extra"}
    out.update(getattr(value, "extra", {}))
    return out


def _group_from_dict(group_type: type, data: Mapping[str, Any]) -> Any:
    names = {f.name for f in fields(group_type)}
    known = {k: v for k, v in data.items() if k in names and k != "extra"}
    if "extra" in names:
        known["extra"] = {k: v for k, v in data.items() if k not in names and v is not None}
    return group_type(**known)


def resource_items(resources: HlsResources | SynthResources) -> dict[str, Number | None]:
    """Resource name -> count, standard fields first, then vendor extras."""
    return dict(_group_to_dict(resources))
