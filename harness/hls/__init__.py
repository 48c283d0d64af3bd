"""The vendor HLS flow: what Vivado HLS, Vitis HLS, Vivado and Intel oneAPI report, and the builds that
make them.

Reading one report file: `record` is the normalised record (`VendorReport`) and the report errors,
`values` and `tables` read report text, and one module per report family parses it: `xilinx_hls`
(Vivado HLS / Vitis HLS C synthesis and co-simulation), `vivado` (utilisation, timing summary),
`oneapi` (Intel oneAPI's ndjson reports) and `build_dict` (hls4ml build() result dicts). `problems`
lists what a reviewer should not miss and `metrics` turns a record into the metrics.json shape.

`project` finds the reports of an hls4ml / HLS project folder and pairs them into runs, `compare`
checks them against a baseline with hls4ml's CI tolerances, `build` runs hls4ml's and conifer's own
build() for `--fidelity vendor`, and `text` prints them for `harness vendor-report`
(`harness.cli.hls`). Renamed from `harness.vendor`: `vendor/` conventionally holds vendored
third-party code, which this is not.
"""

from harness.errors import ReportError
from harness.hls.compare import compare_reports, has_regression, load_baseline
from harness.hls.metrics import to_metrics
from harness.hls.project import load_report, load_runs
from harness.hls.record import VendorReport

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
