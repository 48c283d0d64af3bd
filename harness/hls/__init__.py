"""Import vendor tool reports (Vivado HLS, Vitis HLS, Vivado, hls4ml build() dicts, Intel oneAPI)."""

from harness.hls.compare import compare_reports, has_regression, load_baseline
from harness.hls.project import load_report, load_runs
from harness.hls.reports import ReportError, VendorReport, to_metrics

__all__ = [
    "ReportError",
    "VendorReport",
    "compare_reports",
    "has_regression",
    "load_baseline",
    "load_report",
    "load_runs",
    "to_metrics",
]
