"""Helpers for the tutorial tests: the steps of a tutorial page, read from its Markdown, and run as a
reader would run them.

A tutorial page (docs/tutorials/*.md) is read top to bottom into steps:

- a fenced block with a `title="NAME"` attribute (```yaml title="my_bdt.yaml") is a file the reader
  saves: it is written to NAME in the working folder;
- in a ```bash, ```sh or ```console block, every line starting with `harness ` or `$ harness ` is a
  command (a trailing `\\` continues it on the next line; `# ...` ends it). The lines a ```console
  block shows after a command are its output: if one starts with `error:`, the command must fail
  (non-zero exit) and print that line (up to its first `...`); otherwise it must exit 0;
- a ```python block is a script, run on its own with the tests' Python.

Other lines (`nox -s ...`, `cat ...`, `sbatch ...`) are not run. A block that cannot run here (a
cluster command, a fragment of the reader's own code) opts out with the HTML comment
`<!-- tutorial: skip -->` on the line before its fence; the comment is invisible on the site.

Steps run in order in one working folder per page, in which `designs/` and `sweeps/` are links to the
repository's, so the paths a tutorial uses resolve as they do in a checkout, and everything a step
writes (runs/, the reader's files) stays in the folder. Commands run without a shell, `harness` as
`python -m harness.cli` of this checkout; the trained-model and Yosys caches (harness/store.py) are
the machine's, shared with the rest of the test session. Each step's output is kept in the working
folder as `.tutorial-step-N.log`.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import ROOT

TUTORIALS = ROOT / "docs" / "tutorials"
#: Repository folders a tutorial's paths refer to, linked into its working folder.
LINKED = ("designs", "sweeps")
#: The comment before a fence that keeps its block from running.
SKIP = "<!-- tutorial: skip -->"
SHELL_LANGUAGES = {"bash", "sh", "console", "shell"}
#: Time limit of one step (a verification of a small design takes about a minute).
STEP_TIMEOUT_S = 900

FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,})(?P<info>.*)$")
TITLE = re.compile(r'title="(?P<title>[^"]+)"')


@dataclass
class Step:
    """One thing the reader does: save a file, run a command or run a Python block."""

    page: str
    line: int  # 1-based line of the page where the step is written
    kind: str  # "file", "command" or "python"
    text: str  # the file's content, the command as written, or the Python source
    target: str = ""  # the file name of a "file" step
    error: str | None = None  # a "command" step shown failing: the error line it must print

    def where(self) -> str:
        return f"docs/tutorials/{self.page}:{self.line}"


def blocks(markdown: str) -> list[tuple[int, str, list[str], bool]]:
    """(first content line, info string, content lines, skipped) of each fenced block, in order."""
    lines = markdown.splitlines()
    found, i = [], 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        indent, fence, info = opening["indent"], opening["fence"], opening["info"].strip()
        before = next((lines[j].strip() for j in range(i - 1, -1, -1) if lines[j].strip()), "")
        start, body = i + 1, []
        i += 1
        while i < len(lines) and not (
            lines[i].strip().startswith(fence) and lines[i].strip().strip("`") == ""
        ):
            line = lines[i]
            body.append(line[len(indent) :] if line.startswith(indent) else line.lstrip())
            i += 1
        found.append((start + 1, info, body, before == SKIP))
        i += 1
    return found


def _commands(page: str, first_line: int, body: list[str], console: bool) -> list[Step]:
    """The `harness` commands of a shell block, each with the error line its shown output holds."""
    steps: list[Step] = []
    i = 0
    while i < len(body):
        line = body[i].strip()
        command_line = line[2:] if line.startswith("$ ") else line
        if not (command_line.startswith("harness ") and (line.startswith("$ ") or not console)):
            i += 1
            continue
        number = first_line + i
        while command_line.endswith("\\") and i + 1 < len(body):
            i += 1
            command_line = command_line[:-1] + " " + body[i].strip()
        i += 1
        output = []
        while console and i < len(body) and not body[i].strip().startswith("$ "):
            output.append(body[i].strip())
            i += 1
        error = next((o.split("...")[0].rstrip() for o in output if o.startswith("error:")), None)
        steps.append(Step(page, number, "command", command_line, error=error))
    return steps


def tutorial_steps(path: Path) -> list[Step]:
    """The steps of one tutorial page, in the order the reader meets them."""
    steps: list[Step] = []
    for first_line, info, body, skipped in blocks(path.read_text()):
        if skipped:
            continue
        language = info.split()[0].lower() if info else ""
        title = TITLE.search(info)
        if title:
            content = "\n".join(body) + "\n"
            steps.append(Step(path.name, first_line, "file", content, target=title["title"]))
        elif language in SHELL_LANGUAGES:
            steps.extend(_commands(path.name, first_line, body, console=language == "console"))
        elif language == "python":
            steps.append(Step(path.name, first_line, "python", "\n".join(body) + "\n"))
    return steps


def workspace(folder: Path) -> Path:
    """A working folder as a checkout looks to a reader: designs/ and sweeps/ resolve."""
    for name in LINKED:
        (folder / name).symlink_to(ROOT / name, target_is_directory=True)
    return folder


def environment() -> dict[str, str]:
    """The tests' environment, with this checkout first on the Python path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def argv(command: str) -> list[str]:
    """A tutorial's `harness ...` command as an argument list, the program being this checkout's."""
    words = shlex.split(command, comments=True)
    assert words[0] == "harness", command
    return [sys.executable, "-m", "harness.cli", *words[1:]]


def run_step(step: Step, folder: Path, index: int) -> tuple[bool, str]:
    """Run one step in `folder`: (passed, what to report when it did not)."""
    if step.kind == "file":
        target = folder / step.target
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(step.text)
        return True, ""
    if step.kind == "python":
        script = folder / f".tutorial-block-{index}.py"
        script.write_text(step.text)
        command, shown = [sys.executable, script.name], "the Python block"
    else:
        command, shown = argv(step.text), step.text
    started = time.monotonic()
    try:
        done = subprocess.run(
            command,
            cwd=folder,
            env=environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=STEP_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired as exc:
        return False, f"{step.where()}: `{shown}` did not finish in {STEP_TIMEOUT_S} s\n{exc.output or ''}"
    print(f"{step.where()}: {shown.splitlines()[0]} ({time.monotonic() - started:.1f} s)")
    output = done.stdout
    (folder / f".tutorial-step-{index}.log").write_text(f"{shown}\n{output}")
    tail = "\n".join(output.splitlines()[-60:])
    if step.error is None and done.returncode != 0:
        return False, f"{step.where()}: `{shown}` exited {done.returncode}; its output ends:\n{tail}"
    if step.error is not None:
        if done.returncode == 0:
            return False, f"{step.where()}: `{shown}` is shown failing but exited 0; its output ends:\n{tail}"
        if step.error not in output:
            return False, (
                f"{step.where()}: `{shown}` failed (exit {done.returncode}) but did not print the error "
                f"the page shows:\n  {step.error}\nits output ends:\n{tail}"
            )
    return True, ""
