"""The tutorials run: every command and Python block of docs/tutorials/*.md is run in order as a reader
would run it, on a fresh working folder, and a step that fails names its page, line, command and
output (tests/docs/conftest.py says how a page is read). Each tutorial is kept small enough that the
four together cost about three CPU-minutes.
"""

from __future__ import annotations

import pytest

from tests.docs.conftest import SKIP, TUTORIALS, run_step, tutorial_steps, workspace

PAGES = sorted(path.stem for path in TUTORIALS.glob("*.md"))


def test_every_tutorial_has_commands():
    """A page whose blocks are mislabelled would pass by running nothing."""
    assert PAGES == ["first-design", "first-sweep", "own-data", "own-model"]
    for page in PAGES:
        steps = tutorial_steps(TUTORIALS / f"{page}.md")
        commands = [s for s in steps if s.kind == "command"]
        assert commands, f"docs/tutorials/{page}.md has no `harness` command to run"
        assert all(s.text.split()[0] == "harness" for s in commands)


def test_skip_marker_is_rare():
    """Opting out is for blocks that cannot run here; a tutorial's main path always runs."""
    for page in PAGES:
        text = (TUTORIALS / f"{page}.md").read_text()
        assert text.count(SKIP) <= 2, f"docs/tutorials/{page}.md skips {text.count(SKIP)} blocks"


@pytest.mark.parametrize("page", PAGES)
def test_tutorial_runs(page, tmp_path):
    folder = workspace(tmp_path)
    for index, step in enumerate(tutorial_steps(TUTORIALS / f"{page}.md")):
        passed, message = run_step(step, folder, index)
        if not passed:
            pytest.fail(message, pytrace=False)
