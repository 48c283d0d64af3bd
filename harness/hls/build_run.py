"""Running a `VendorBuildPlan` (only where the tools exist): the generator's own `build()` with the
planned tool first on PATH, judged by the reports it leaves, which are then read into metrics."""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.errors import ToolError
from harness.hls.build_plan import VendorBuildPlan, conifer_project, hls4ml_project
from harness.hls.metrics import to_metrics
from harness.hls.project import load_report


class VendorBuildError(ToolError):
    """The vendor build ran but did not produce what it should have; the message says where to look."""


@dataclass
class VendorBuildResult:
    """The metrics of a vendor build, the normalised report they came from and the generator's own dict."""

    plan: VendorBuildPlan
    metrics: dict[str, Any]
    report: dict[str, Any]
    raw: dict[str, Any] | None  # what build() returned (hls4ml parses the same reports itself)


def run_hls4ml_build(plan: VendorBuildPlan, model_graph: Any) -> VendorBuildResult:
    """Run `model_graph.build()` as planned, then read the reports it left.

    hls4ml's Vivado backend ignores the tool's exit status, so success is judged by the reports: each
    planned report must exist and be newer than the start of this build.
    """
    _check_plan_matches(plan, "hls4ml", hls4ml_project(model_graph)[0])
    return _run(plan, model_graph)


def run_conifer_build(plan: VendorBuildPlan, model: Any) -> VendorBuildResult:
    """Run conifer's xilinxhls `model.build()` as planned, then read the reports it left."""
    _check_plan_matches(plan, "conifer", conifer_project(model)[0])
    return _run(plan, model)


def _check_plan_matches(plan: VendorBuildPlan, generator: str, work_dir: Path) -> None:
    if not plan.generator.startswith(generator) or work_dir != plan.work_dir:
        raise ValueError(
            f"the plan is for {plan.generator} in {plan.work_dir}, not for this {generator} "
            f"model in {work_dir}"
        )


def _run(plan: VendorBuildPlan, model: Any) -> VendorBuildResult:
    started = time.time()
    logs = ", ".join(str(p) for p in plan.logs)
    with _tools_on_path(plan):
        try:
            raw = model.build(**plan.build_kwargs)
        except Exception as exc:  # hls4ml raises bare Exception when the tool fails
            raise VendorBuildError(f"{plan.label} failed: {exc} (logs: {logs})") from exc
    if raw is False:  # conifer's way of saying the tool failed
        raise VendorBuildError(f"{plan.label} failed (logs: {logs})")
    for path in (plan.reports[k] for k in ("csynth_rpt", "cosim", "vivado_synth") if k in plan.reports):
        if not path.exists():
            raise VendorBuildError(f"{plan.label} finished but did not write {path} (logs: {logs})")
        if path.stat().st_mtime < started:
            raise VendorBuildError(
                f"{path} predates this build: it was left by an earlier run, and "
                f"{plan.label} did not rewrite it (logs: {logs})"
            )
    report = load_report(plan.work_dir)
    metrics = to_metrics(report)
    for group in ("latency", "resources"):
        metrics[group]["source"] = f"{metrics[group]['source']} ({plan.label})"
    metrics["vendor"]["build"] = plan.to_dict()
    return VendorBuildResult(plan, metrics, report.to_dict(), raw if isinstance(raw, dict) else None)


@contextlib.contextmanager
def _tools_on_path(plan: VendorBuildPlan) -> Iterator[None]:
    """hls4ml and conifer find their tool through this process's PATH (`command -v`, `os.system`), not
    through the toolchain: put the planned tools first while build() runs, and make sure the name the
    generator will pick resolves to the planned tool, so the metrics' `source` is the tool that ran."""
    saved = os.environ.get("PATH", "")
    folders = [str(t.path.parent) for t in (plan.tool, plan.vivado) if t is not None and t.path is not None]
    os.environ["PATH"] = os.pathsep.join([*folders, saved])
    try:
        picked = next((shutil.which(name) for name in plan.tool_order if shutil.which(name)), None)
        if picked is None or Path(picked) != plan.tool.path:
            raise VendorBuildError(
                f"the generator would run {picked}, not the planned {plan.tool.path}; "
                "PATH changed since the toolchain was discovered"
            )
        yield
    finally:
        os.environ["PATH"] = saved
