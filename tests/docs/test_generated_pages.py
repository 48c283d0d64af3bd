"""The generated reference pages cannot fall behind the code: every metrics.json field of
`harness.record` is on the metrics page with its documentation, the page's example is a real record's
layout, and the benchmark page shows every benchmark with the numbers of its result file (or says it
has none). The generators are imported by path; they write pages only when MkDocs runs them."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

from harness.record import Record

DOCS = Path(__file__).resolve().parents[2] / "docs"


def load(name: str) -> ModuleType:
    """docs/<name>.py as a module (not as `<run_path>`, so it writes no page)."""
    spec = importlib.util.spec_from_file_location(f"docs_{name}", DOCS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def metrics() -> ModuleType:
    return load("gen_metrics")


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load("gen_benchmarks")


def _json_keys(cls: type, prefix: str = "") -> list[str]:
    names = getattr(cls, "JSON_NAMES", {})
    return [
        prefix + names.get(f.name, f.name)
        for f in dataclasses.fields(cls)
        if f.name not in ("extra", "_absent")
    ]


def test_every_record_field_is_on_the_metrics_page_with_its_documentation(metrics):
    page = metrics.metrics_page()
    keys = _json_keys(Record)
    for name, cls in Record._SECTIONS.items():
        keys += _json_keys(cls, f"{name}.")
    assert "schema_version" in keys and "accuracy.float" in keys and "latency.ns" in keys
    rows = {line.split("`")[1]: line for line in page.splitlines() if line.startswith("| `")}
    for key in keys:
        assert key in rows, f"metrics.json key {key} is missing from reference/metrics.md"
        meaning = rows[key].rstrip(" |").rsplit(" | ", 1)[-1]
        assert len(meaning) > 10, f"{key} has no documentation: add a docstring under its field"


def test_every_field_has_a_docstring_under_it(metrics):
    for cls in (Record, *Record._SECTIONS.values()):
        documented = metrics.field_docs(cls)
        for f in dataclasses.fields(cls):
            if f.name not in metrics.INTERNAL:
                assert documented.get(f.name), f"{cls.__name__}.{f.name} has no docstring"


def test_the_page_example_is_a_record_with_only_known_keys(metrics):
    record = Record.from_dict(metrics.EXCERPT)
    assert not record.extra and record.verified
    assert all(not getattr(record, name).extra for name in Record._SECTIONS)
    assert record.to_dict() == {**metrics.EXCERPT, "schema_version": 1}
    assert json.dumps(metrics.EXCERPT, indent=2) in metrics.metrics_page()


def test_the_benchmark_page_has_every_benchmark_and_the_numbers_of_its_result(bench):
    page = bench.benchmarks_page()
    results = bench.BENCHMARKS / "results"
    for script in sorted(bench.BENCHMARKS.glob("*.py")):
        if script.stem == "common":
            continue
        assert f"`benchmarks/{script.stem}.py`" in page, f"{script.name} has no section"
        path = results / f"{script.stem}.json"
        if not path.exists():
            assert f"has not written `benchmarks/results/{script.stem}.json`" in page
            continue
        result = json.loads(path.read_text())
        if "date" in result:
            assert f"Measured {result['date']}" in page
        assert f"{result['machine']['cores']} cores" in page
    nn = json.loads((results / "nn_verify.json").read_text())
    ratio = nn["ratios"]["10000"]["da4ml_vs_harness_end_to_end_s"]
    assert f"**{ratio:.3g}x**" in page
    assert bench.num(nn["runs"]["10000"]["da4ml"]["vectors_per_s"]) in page


def test_a_result_file_decides_what_the_benchmark_page_says(bench, tmp_path):
    folder = tmp_path / "benchmarks"
    (folder / "results").mkdir(parents=True)
    for name in ("common", "nn_verify", "new_bench"):
        (folder / f"{name}.py").write_text(f'"""A {name} benchmark.\n\nMore."""\n')
    page = bench.benchmarks_page(folder)
    assert "has not written `benchmarks/results/nn_verify.json`" in page
    assert "A new_bench benchmark." in page and "`benchmarks/common.py`" not in page

    shutil.copy(bench.BENCHMARKS / "results" / "nn_verify.json", folder / "results")
    unknown = {
        "benchmark": "new_bench",
        "date": "2026-12-07 18:00 UTC",
        "speedup": 2.5,
        "machine": {"cores": 4},
    }
    (folder / "results" / "new_bench.json").write_text(json.dumps(unknown))
    page = bench.benchmarks_page(folder)
    assert "has not written" not in page
    assert "Measured 2026-12-07 18:00 UTC (4 cores, load average not recorded)" in page
    assert "| `speedup` | 2.5 |" in page
