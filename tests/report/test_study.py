"""A report names its study by spec or by name; either way it states the settings the sweep ran with,
which the sweep stores on the study. `harness sweep SPEC --set budget_us=0.05` used to be reported by
`harness report SPEC` with the spec file's 0.1 µs budget line and DSP weight."""

from __future__ import annotations

from harness.report.study import from_spec, from_storage
from harness.sweep import load_sweep, open_study
from harness.sweep.options import SweepOptions
from tests.sweep.conftest import write_sweep


def test_the_report_states_the_settings_the_sweep_ran_with(tmp_path):
    spec = write_sweep(tmp_path, name="over", budget_us=0.1)
    results = tmp_path / "results"
    overrides = ["budget_us=0.05", "dsp_weight=10", "device=xc7z020", "constraints={latency.ii_cycles: 1}"]
    open_study(load_sweep(spec, overrides), SweepOptions(results=results))
    by_spec, _ = from_spec(str(spec), results, None, None)
    by_name, _ = from_storage("over", str(results / "studies" / "over.journal"), results)
    for info in (by_spec, by_name):
        assert (info.budget_us, info.dsp_weight, info.devices) == (0.05, 10.0, ("xc7z020",))
        assert info.limits == {"latency.ii_cycles": 1.0}
        assert [o.metric for o in info.objectives] == ["accuracy.emulation", "lut_equivalent", "latency.ns"]
        assert info.dsp_weight_source == "the sweep's settings stored on study over"
