"""One run's reports combined into one `VendorReport`: the HLS-side figures of its anchor (C synthesis,
build() dict or oneAPI reports), then Vivado synthesis, timing and co-simulation, one report per
implementation stage."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from harness.errors import ReportError
from harness.hls.build_dict import load_json, parse_build_dict
from harness.hls.oneapi import parse_oneapi_loops, parse_oneapi_summary, parse_quartus
from harness.hls.record import Timing, VendorReport
from harness.hls.runs import Run
from harness.hls.scan import ProjectScan, path_order
from harness.hls.sniff import BUILD, COSIM, ONEAPI, TIMING, UTILIZATION, ReportFile, parse_csynth
from harness.hls.vivado import STAGES, SynthPart, parse_timing_summary, parse_vivado_utilization
from harness.hls.xilinx_hls import parse_cosim

_HLS_GROUPS = ("clock", "latency", "ii", "hls_resources", "available")
_T = TypeVar("_T")


def _parsed(report: ReportFile, parse: Callable[[Path], _T], found: ProjectScan) -> _T | None:
    """Parse a paired report; one that cannot be read is listed as unused with the parser's reason."""
    try:
        return parse(report.path)
    except ReportError as err:
        found.skip(report, str(err).removeprefix(f"{report.path}: "))
        found.errors.append(err)
        return None


def _stage_order(stage: str | None) -> int:
    """Position in `STAGES`; a state Vivado names otherwise sorts first, so a known stage is preferred."""
    return STAGES.index(stage) if stage in STAGES else -1


def _by_stage(
    items: list[tuple[ReportFile, _T]],
    relevance: Callable[[ReportFile, _T], tuple],
    what: str,
    found: ProjectScan,
) -> dict[str, tuple[ReportFile, _T]]:
    """One report per implementation stage, latest stage last: only the most relevant reports (the HLS
    top's own design before a wrapper), and of one stage the newest. Every other is listed as unused."""
    if not items:
        return {}
    best = min(relevance(*item) for item in items)
    chosen: dict[str, tuple[ReportFile, _T]] = {}
    newest_first = sorted(items, key=lambda item: item[0].date or datetime.min, reverse=True)
    for report, value in sorted(newest_first, key=lambda item: _stage_order(item[0].stage)):
        stage = report.stage or "unknown stage"
        if relevance(report, value) != best:
            found.skip(report, f"{what} of design '{report.top}'; one closer to the HLS top was used")
        elif stage in chosen:
            found.skip(
                report, f"an older {what} of the same stage ({stage}) as {found.rel(chosen[stage][0].path)}"
            )
        else:
            chosen[stage] = (report, value)
    return chosen


def _source(report: ReportFile, found: ProjectScan) -> str:
    return found.rel(report.path) + (f" ({report.stage})" if report.stage else "")


def _add_synthesis(record: VendorReport, run: Run, found: ProjectScan) -> None:
    parts = [(r, p) for r in run.of(UTILIZATION) if (p := _parsed(r, parse_vivado_utilization, found))]

    def relevance(report: ReportFile, part: SynthPart) -> tuple[bool, bool]:
        return part.design != record.top and record.top is not None, not part.accelerator

    stages = _by_stage(parts, relevance, "utilisation report", found)
    for stage, (report, part) in stages.items():
        record.stages.setdefault(stage, {}).update(
            utilization=found.rel(report.path),
            **{k: getattr(part.resources, k) for k in ("lut", "ff", "dsp", "bram")},
        )
    if not stages:
        return
    report, part = list(stages.values())[-1]
    record.synth_resources, record.synth_available = part.resources, part.available
    record.synth_tool, record.synth_stage = part.tool, report.stage
    record.sources["synth_resources"] = _source(report, found)
    if part.note:
        record.notes.append(f"synthesis resources from {found.rel(report.path)}: {part.note}")
    if not part.accelerator and record.top and part.design != record.top:
        record.notes.append(
            f"{found.rel(report.path)} covers design '{part.design}', not only the HLS top '{record.top}'"
        )


def _add_timing(record: VendorReport, run: Run, found: ProjectScan) -> None:
    timings = [(r, t) for r in run.of(TIMING) if (t := _parsed(r, parse_timing_summary, found))]

    def relevance(report: ReportFile, timing: Timing) -> tuple[bool]:
        return (report.top != record.top and record.top is not None,)

    stages = _by_stage(timings, relevance, "timing summary", found)
    for stage, (report, timing) in stages.items():
        record.stages.setdefault(stage, {}).update(
            timing=found.rel(report.path), wns_ns=timing.wns_ns, whs_ns=timing.whs_ns, met=timing.met
        )
    if stages:
        report, record.timing = list(stages.values())[-1]
        record.sources["timing"] = _source(report, found)


def _add_cosim(record: VendorReport, run: Run, found: ProjectScan) -> None:
    reports = sorted(run.of(COSIM), key=lambda r: (r.top != record.top, *path_order(r.path)))
    for report in reports[1:]:
        found.skip(
            report, f"another co-simulation report of run {run.name}; {found.rel(reports[0].path)} was used"
        )
    if reports and (cosim := _parsed(reports[0], parse_cosim, found)):
        record.cosim = cosim
        record.sources["cosim"] = found.rel(reports[0].path)


def _anchor_record(run: Run, found: ProjectScan) -> VendorReport:
    """The run's HLS-side figures: C synthesis, a build() dict, oneAPI reports, or (Vivado only) none."""
    anchor = run.anchor
    if anchor is None and run.members and run.members[0].kind == ONEAPI:
        return _oneapi_record(run, found)
    if anchor is None:
        return VendorReport(top=run.top, part=run.part)
    if anchor.kind == BUILD:
        record = parse_build_dict(load_json(anchor.path), anchor.path)
        groups = [*_HLS_GROUPS, *(g for g in ("synth_resources", "cosim", "timing") if _group_set(record, g))]
    else:
        record, groups = parse_csynth(anchor), list(_HLS_GROUPS)
    record.sources.update(dict.fromkeys(groups, found.rel(anchor.path)))
    return record


def _group_set(report: VendorReport, group: str) -> bool:
    """Whether a group holds any reported value (so that `sources` only names files that said something)."""
    value = report.to_dict()[group]
    return value is not None and any(v not in (None, {}) for v in value.values())


def _oneapi_record(run: Run, found: ProjectScan) -> VendorReport:
    """Combine the three oneAPI report files of the run's folder."""
    by_role = {m.detail: m.path for m in run.members}
    record = VendorReport(tool="Intel oneAPI")
    if "summary" in by_role:
        record.hls_resources, record.available = parse_oneapi_summary(by_role["summary"])
        record.sources.update(dict.fromkeys(("hls_resources", "available"), found.rel(by_role["summary"])))
    if "loop_attr" in by_role:
        record.clock, record.latency, record.ii = parse_oneapi_loops(by_role["loop_attr"])
        record.sources.update(dict.fromkeys(("clock", "latency", "ii"), found.rel(by_role["loop_attr"])))
    if "quartus" in by_role:
        record.synth_resources, record.timing, record.top = parse_quartus(by_role["quartus"])
        record.synth_tool = "Quartus"
        record.sources.update(dict.fromkeys(("synth_resources", "timing"), found.rel(by_role["quartus"])))
    return record


def combine_run(run: Run, found: ProjectScan) -> VendorReport:
    record = _anchor_record(run, found)
    record.run = run.name
    record.notes = [*found.notes, *run.notes]
    if run.anchor is not None or not run.members or run.members[0].kind != ONEAPI:
        _add_synthesis(record, run, found)
        _add_timing(record, run, found)
        _add_cosim(record, run, found)
    record.stages = {s: record.stages[s] for s in sorted(record.stages, key=_stage_order)}
    return record
