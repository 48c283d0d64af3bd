"""Design-review reports of sweep studies: which design goes into the firmware, what it costs, how fast
it is, whether it was verified, and what the latency budget costs in accuracy.

`build_report` reads a study (by its sweep spec, or by name and storage), computes the report's
Pareto front (`harness.report.points`: verified or vendor-measured designs inside every constraint
only), and writes `index.html`, the figures, `pareto.csv`, `trials.csv` and `report.pdf`
(`harness.report.render`). `harness.report.vendor` imports vendor-measured points into a study.
"""

from harness.report.request import ReportRequest, build_report

__all__ = ["ReportRequest", "build_report"]
