"""Import vendor tool reports (Vivado HLS, Vitis HLS, Vivado, hls4ml build() dicts, Intel oneAPI)."""

from harness.vendor.reports import ReportError, VendorReport, load_report, to_metrics

__all__ = ["ReportError", "VendorReport", "load_report", "to_metrics"]
