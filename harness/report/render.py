"""Writing a report: `index.html` from a Jinja2 template (plotly's JavaScript, the figures and the
style inline, so the file opens anywhere without a network), the figures as PNG and SVG, `pareto.csv`,
`trials.csv`, and `report.pdf` printed from the same page by headless Chromium."""

from __future__ import annotations

import csv
import datetime
import json
import subprocess
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from harness.report.details import details
from harness.report.figures import ORIGIN_NAMES, render_all
from harness.report.points import (
    TABLE_METRICS,
    Point,
    StudyPoints,
    failure_groups,
    notices,
    recommend,
)

#: Flags for a headless Chromium that makes no request of its own (see the toolchain notes).
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-pdf-header-footer",
)
REPORT_PACKAGES = ("fpga-ml-harness", "optuna", "matplotlib", "plotly", "jinja2")


@dataclass(frozen=True)
class Written:
    """What a report run wrote, and why the PDF is missing (None when written or not asked for)."""

    folder: Path
    files: list[Path]
    pdf_problem: str | None


def status_text(point: Point) -> str:
    return {
        "verified": "verified bit-exact",
        "vendor": "vendor-measured, its RTL co-simulated bit-exact (harness cosim)"
        if point.trial.verified
        else "vendor-measured (not verified by the harness)",
        "unverified": f"not verified ({point.trial.fidelity} only)",
        "mismatch": f"RTL MISMATCH ({point.trial.mismatches} words)",
    }.get(point.status, point.status)


def tool_versions(study: StudyPoints) -> dict[str, str]:
    """Versions of the tools behind the numbers (from the trials' records; several when they differ)
    and of the packages that made this report."""
    seen: dict[str, set[str]] = {}
    for p in study.points:
        if p.record is None:
            continue
        for tool, version in p.record.tools.items():
            seen.setdefault(tool, set()).add(str(version) if version is not None else "unknown")
        vendor = p.record.vendor or {}
        if vendor.get("tool"):
            seen.setdefault(vendor["tool"], set()).add(str(vendor.get("tool_version") or "unknown"))
    for package in REPORT_PACKAGES:
        try:
            seen.setdefault(package, set()).add(metadata.version(package))
        except metadata.PackageNotFoundError:
            seen.setdefault(package, set()).add("unknown")
    return {tool: ", ".join(sorted(versions)) for tool, versions in sorted(seen.items())}


def clocks(study: StudyPoints) -> list[str]:
    """Each design's clock period (ns) as its records state it."""
    found = {
        f"{p.trial.design}: {p.view.latency.clock_ns} ns"
        for p in study.complete
        if p.view is not None and p.view.latency.clock_ns is not None
    }
    return sorted(found) or ["unknown"]


def csv_rows(points: list[Point], trials: bool) -> tuple[list[str], list[list[Any]]]:
    """pareto.csv / trials.csv: identity, status, parameters, then every metric and its source."""
    header = ["trial", "design", "origin", "state", "status", "fidelity", "on_front", "within_budget"]
    if trials:
        header += ["promoted", "cache", "seconds", "duplicate_of", "error"]
    header += ["parameters"]
    for metric in TABLE_METRICS:
        header += [metric, f"{metric} source"]
    rows = []
    for p in points:
        row: list[Any] = [p.number, p.trial.design, p.origin, p.trial.state, p.status, p.trial.fidelity]
        row += [p.on_front, _unknown(p.within_budget)]
        if trials:
            error = (p.trial.error or "").splitlines()[0] if p.trial.error else ""
            row += [p.trial.promoted, p.trial.cache, p.trial.seconds, p.duplicate_of, error]
        row.append(json.dumps(p.parameters, sort_keys=True))
        for metric in TABLE_METRICS:
            value = p.value(metric) if p.trial.values is not None else None
            row += ["unknown", ""] if value is None or value.value is None else [value.plain, value.source]
        rows.append(row)
    return header, rows


def _unknown(value: Any) -> Any:
    return "unknown" if value is None else value


def write_csv(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def context(study: StudyPoints, out: Path, command: str) -> dict[str, Any]:
    """Everything the template shows."""
    import plotly.offline

    figures, skipped = render_all(study, out / "figures")
    front = sorted(study.front, key=lambda p: -(p.value("accuracy.emulation").value or 0))
    return {
        "info": study.info,
        "study": study,
        "front": front,
        "details": {p.number: details(p, out) for p in front},
        "recommendation": recommend(study),
        "failures": failure_groups(study),
        "notices": notices(study),
        "figures": figures,
        "skipped_figures": skipped,
        "unverified_open": study.unverified_not_dominated,
        "metrics": TABLE_METRICS,
        "origin_names": ORIGIN_NAMES,
        "status_text": status_text,
        "tools": tool_versions(study),
        "clocks": clocks(study),
        "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "command": command,
        "plotly_js": plotly.offline.get_plotlyjs(),
        "css": (Path(__file__).parent / "templates" / "report.css").read_text(),
    }


def render_html(data: dict[str, Any]) -> str:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("harness.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("report.html.j2").render(**data)


def find_chromium() -> str | None:
    """Chromium's path, as `harness.toolchain` finds it (None when it is not installed)."""
    from harness.toolchain import Toolchain

    tool = Toolchain.discover()["chromium"]
    return str(tool.path) if tool.found else None


def print_pdf(html: Path, pdf: Path, timeout_s: float = 180) -> str | None:
    """Print the page to PDF with headless Chromium; the reason when it could not (None when it did)."""
    chromium = find_chromium()
    if chromium is None:
        return "Chromium not found (Debian: apt-get install chromium); report.pdf not written"
    with tempfile.TemporaryDirectory(prefix="harness-chromium-") as profile:
        command = [
            chromium,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            f"--print-to-pdf={pdf.resolve()}",
            html.resolve().as_uri(),
        ]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s)
        except subprocess.TimeoutExpired:
            return f"Chromium did not print within {timeout_s:.0f} s; report.pdf not written"
    if done.returncode != 0 or not pdf.exists() or pdf.stat().st_size == 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        return f"Chromium failed to print (exit {done.returncode}): {' | '.join(tail)}"
    return None


def write_report(study: StudyPoints, out: Path, command: str, pdf: bool = True) -> Written:
    """Write the whole report into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    data = context(study, out, command)
    html = out / "index.html"
    html.write_text(render_html(data), encoding="utf-8")
    files = [html]
    for name, points, all_trials in (
        ("pareto.csv", data["front"], False),
        ("trials.csv", study.points, True),
    ):
        write_csv(out / name, *csv_rows(points, all_trials))
        files.append(out / name)
    files += [path for f in data["figures"] for path in (f.png, f.svg)]
    problem = print_pdf(html, out / "report.pdf") if pdf else None
    if pdf and problem is None:
        files.append(out / "report.pdf")
    return Written(out, files, problem)
