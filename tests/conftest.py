"""Shared test helpers: the real toolchain, the third-party fixtures folder, scratch folders."""

from __future__ import annotations

import contextlib
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.toolchain import Toolchain

ROOT = Path(__file__).resolve().parents[1]
#: Real third-party reports and models, shared between projects; read-only.
SHARED_FIXTURES = ROOT.parent / "shared" / "fixtures"
HDL = Path(__file__).resolve().parent / "hdl"


def start_interruptible(command: list[str], **kwargs: Any) -> subprocess.Popen:
    """`command` started from the repository as a terminal would start it, so SIGINT (Ctrl-C) reaches
    it: a shell's background job (CI often is one) inherits SIGINT ignored. stdout and stderr merged,
    as text; `kwargs` go to Popen (env, start_new_session, ...)."""
    return subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        **kwargs,
    )


@pytest.fixture(scope="session")
def toolchain() -> Toolchain:
    return Toolchain.discover()


@pytest.fixture(scope="session")
def tiny_study(tmp_path_factory) -> tuple[Path, Path]:
    """(spec, results) of one real small sweep (tests/sweep/conftest.py: TINY_STUDY), run once per
    session. Read it as it is, or copy the results folder before extending the study."""
    from tests.sweep.conftest import TINY_STUDY, run_sweep

    return run_sweep(tmp_path_factory.mktemp("tiny-study"), **TINY_STUDY)


@pytest.fixture(scope="session")
def shared_fixtures() -> Path:
    if not SHARED_FIXTURES.is_dir():
        pytest.fail(
            f"shared fixtures not found at {SHARED_FIXTURES} (expected ../shared beside the checkout)"
        )
    return SHARED_FIXTURES


@contextlib.contextmanager
def chromium_page(url: str, local: str) -> Iterator[tuple[Any, list[str], list[str]]]:
    """(page, errors, outgoing): `url` opened in Debian's Chromium, driven by Playwright (no browser
    download), 1400 x 1000. `errors` collects console errors and uncaught page exceptions; every request
    whose URL does not start with `local` is refused and recorded in `outgoing` (a page that must work
    offline lists none)."""
    import playwright.sync_api

    from harness.report.render import CHROMIUM_FLAGS, find_chromium

    chromium = find_chromium()
    assert chromium, "Chromium is needed (Debian: apt-get install chromium; .ci/run installs it)"
    errors: list[str] = []
    outgoing: list[str] = []

    def route(r: Any) -> None:
        if r.request.url.startswith(local):
            r.continue_()
        else:
            outgoing.append(r.request.url)
            r.abort()

    with playwright.sync_api.sync_playwright() as p:
        flags = [f for f in CHROMIUM_FLAGS if f not in ("--headless", "--no-pdf-header-footer")]
        browser = p.chromium.launch(executable_path=chromium, args=flags)
        view = browser.new_page(viewport={"width": 1400, "height": 1000})
        view.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        view.on("pageerror", lambda e: errors.append(str(e)))
        view.route("**/*", route)
        view.goto(url, wait_until="load")
        yield view, errors, outgoing
        browser.close()
