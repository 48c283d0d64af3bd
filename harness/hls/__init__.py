"""The vendor HLS flow: what Vivado HLS, Vitis HLS, Vivado and Intel oneAPI report, and the builds that
make them.

`reports` reads one report file (and hls4ml build() dicts), `project` finds the reports of an hls4ml /
HLS project folder and pairs them into runs, `compare` checks them against a baseline with hls4ml's CI
tolerances, `build` runs hls4ml's and conifer's own build() for `--fidelity vendor`, and `cli` is
`harness vendor-report`. Renamed from `harness.vendor`: `vendor/` conventionally holds vendored
third-party code, which this is not.
"""

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
