"""The interactive plots' latency budget: the shaded region lies beyond the budget line whatever the
designs' latencies (it was drawn inside the budget when every design fitted it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.report.figures import PLOTS, Series, plotly_figure
from harness.report.points import Point
from harness.report.study import StudyInfo
from harness.sweep.spec import DEFAULT_OBJECTIVES
from harness.sweep.trials import TrialRecord

LATENCY_PLOTS = [spec for spec in PLOTS if spec.x == "latency.ns"]


def _series(latencies: list[float]) -> list[Series]:
    info = StudyInfo("t", "t.journal", Path("."), DEFAULT_OBJECTIVES, 55.0, "spec", 0.1, ())
    points = tuple(
        Point(TrialRecord(i, "COMPLETE", {}, [0.7, 1000.0, ns], kind="nn", verified=True), info, None)
        for i, ns in enumerate(latencies)
    )
    return [Series("nn", "verified", "Pareto front", points, tuple(latencies), (0.7,) * len(latencies))]


@pytest.mark.parametrize("spec", LATENCY_PLOTS, ids=[s.name for s in LATENCY_PLOTS])
@pytest.mark.parametrize("latencies", [[30.0, 75.0], [30.0, 180.0]], ids=["all inside", "one beyond"])
def test_the_shaded_region_lies_beyond_the_budget(spec, latencies):
    fig = plotly_figure(_series(latencies), spec, 100.0)
    (rect,) = [shape for shape in fig.layout.shapes if shape.type == "rect"]
    assert rect.x0 == 100.0 and rect.x1 > max(100.0, *latencies)
