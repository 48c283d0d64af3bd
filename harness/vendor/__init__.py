"""Import vendor tool reports (Vivado HLS, Vitis HLS, Vivado, hls4ml build() dicts, Intel oneAPI)."""

from harness.vendor.compare import compare_reports, has_regression, load_baseline
from harness.vendor.reports import ReportError, VendorReport, load_report, to_metrics

__all__ = [
    "ReportError",
    "VendorReport",
    "compare_reports",
    "has_regression",
    "load_baseline",
    "load_report",
    "to_metrics",
]
