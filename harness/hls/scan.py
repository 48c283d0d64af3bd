"""Everything under a path (a project folder, searched recursively, or one file): the reports
recognised, hls4ml configs and HLS project files, and every look-alike not used with why."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from harness.errors import ReportError
from harness.hls.record import NoReportError
from harness.hls.sniff import (
    RECOGNISED,
    UNREADABLE,
    VIVADO_OTHER,
    ReportFile,
    matches_any,
    name_hint,
    name_top,
    sniff,
)

HLS4ML_CONFIG = "hls4ml_config.yml"
# Vivado HLS writes `vivado_hls.app`, Vitis HLS `hls.app`; both name the project's top function.
HLS_PROJECT_FILES = ("vivado_hls.app", "hls.app")


#: Folders the tools keep for themselves, never searched for runs: any hidden folder (Vivado HLS / Vitis
#: HLS `<solution>/.autopilot`, whose `db/<top>.verbose.rpt` repeats the C synthesis with the same
#: header, and `.debug`, `.tcls`; Vivado's `.Xil`; Vitis' `.ipcache`, `.run`), and a Vivado project's
#: `<project>.cache`, `.hw`, `.ip_user_files` and `.sim`. A Vivado project's `<project>.runs` and a
#: Vitis link's `_x` hold the user's real implementation reports and are searched.
TOOL_INTERNAL_FOLDERS = (".*", "*.cache", "*.hw", "*.ip_user_files", "*.sim")


@dataclass
class ProjectScan:
    """Everything found under the given path."""

    root: Path
    reports: list[ReportFile]
    configs: list[Path]
    projects: list[Path]
    unused: dict[str, str]
    notes: list[str] = field(default_factory=list)
    errors: list[ReportError] = field(default_factory=list)  # why paired reports could not be parsed

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix() if path != self.root else path.name

    def of(self, *kinds: str) -> list[ReportFile]:
        return [r for r in self.reports if r.kind in kinds]

    def skip(self, report: ReportFile, why: str) -> None:
        self.unused[self.rel(report.path)] = why


def path_order(path: Path) -> tuple[int, str]:
    """Shallowest first, then alphabetical: deterministic and prefers the project's own files."""
    return len(path.parts), str(path)


def scan(path: Path) -> ProjectScan:
    """Recognise every report under `path` (a folder, searched recursively, or one file)."""
    if not path.exists():
        raise NoReportError(f"{path} does not exist")
    single = path.is_file()
    files = [path] if single else sorted(_project_files(path), key=path_order)
    found = ProjectScan(path.parent if single else path, [], [], [], {})
    for file in files:
        if file.name == HLS4ML_CONFIG:
            found.configs.append(file)
        elif file.name in HLS_PROJECT_FILES:
            found.projects.append(file)
        elif (report := sniff(file)) is not None and report.kind not in (UNREADABLE, VIVADO_OTHER):
            found.reports.append(report)
        elif report is not None and single and (report.kind == UNREADABLE or name_hint(file) is None):
            raise ReportError(f"{file}: {_why_unread(report)}")
        elif (hint := name_hint(file)) is not None:
            if single:  # the parser of the kind its name suggests says what is missing
                top = name_top(file, "_cosim") or name_top(file, "_csynth")
                found.reports.append(ReportFile(file, hint, top=top))
            else:
                why = (
                    _why_unread(report)
                    if report
                    else f"named like a {hint} report, but its content is not one"
                )
                found.unused[found.rel(file)] = why
        elif report is not None:
            found.unused[found.rel(file)] = _why_unread(report)
    if not found.reports:
        raise NoReportError(no_report_message(path, found.unused))
    return found


def tool_internal(relative: Path) -> bool:
    """Whether a path (relative to the searched folder) lies in a folder the tools keep for themselves
    (`TOOL_INTERNAL_FOLDERS`). Only folders below the searched one count: a user who points at
    `.autopilot/db` itself gets its reports."""
    return any(matches_any(part, TOOL_INTERNAL_FOLDERS) for part in relative.parts[:-1])


def _project_files(root: Path) -> list[Path]:
    """Every file under `root` outside tool-internal folders."""
    return [p for p in root.rglob("*") if p.is_file() and not tool_internal(p.relative_to(root))]


def _why_unread(report: ReportFile) -> str:
    if report.kind == UNREADABLE:
        return report.detail or "cannot read"
    return f"Vivado {report.detail or 'report'} report: not one this command reads"


def no_report_message(path: Path, unused: dict[str, str] | None = None) -> str:
    """Nothing usable: say what was looked for and, if something was found, why it was not used."""
    found = "; ".join(f"{name}: {why}" for name, why in sorted((unused or {}).items())[:10])
    return f"no recognisable vendor report at {path}. Looked for, by content: {RECOGNISED}." + (
        f" Found but not usable: {found}." if found else ""
    )
