"""Locate the shared real-report fixtures (`../shared/fixtures/` next to the project root).

They are third-party files kept outside the repository on purpose, so a missing folder is reported
as a failure rather than a skip: a suite that silently skipped would prove nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = PROJECT_ROOT / ".." / "shared" / "fixtures"
VENDOR_REPORTS = FIXTURES / "vendor-reports"
BASELINES = VENDOR_REPORTS / "hls4ml-baselines"


def vendor_path(*parts: str) -> Path:
    """A path under `vendor-reports/`, failing the test clearly if the fixtures are not there."""
    path = VENDOR_REPORTS.joinpath(*parts)
    if not path.exists():
        pytest.fail(
            f"fixture {path} not found: the real vendor reports must be at {VENDOR_REPORTS.resolve()}"
        )
    return path


@pytest.fixture
def vendor() -> Callable[..., Path]:
    """`vendor("hls4ml-test_report", "Vivado")` inside tests."""
    return vendor_path


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """`baseline_json` runs a test once per hls4ml build() baseline file, in every backend/version folder."""
    if "baseline_json" in metafunc.fixturenames:
        files = sorted(BASELINES.rglob("*.json"))
        metafunc.parametrize(
            "baseline_json", files, ids=[f.relative_to(BASELINES).as_posix() for f in files] or None
        )
