"""Developer entry points. `nox -s tests` and `nox -s sweep` set everything up from PyPI.

Virtualenvs are reused between runs (TensorFlow alone is ~600 MB), and the project is installed
editable so code changes need no reinstall: pip runs again only when pyproject.toml changed.
"""

import hashlib
import sys
from pathlib import Path

import nox

nox.options.reuse_existing_virtualenvs = True
nox.options.default_venv_backend = "venv"
nox.options.sessions = ["tests"]

PYTHON = "3.11"


def _install(session: nox.Session, extras: str = "dev,gp") -> None:
    """Install the project with `extras` into the session's virtualenv, unless this very pyproject.toml
    with these extras is installed there already. Besides saving a minute per run, this keeps a second
    session sharing the environment (`nox -s regress` beside `nox -s tests` in CI) from seeing the
    package half reinstalled: pip's editable reinstall removes it for a moment."""
    stamp = Path(session.virtualenv.location) / ".installed-pyproject-sha256"
    wanted = hashlib.sha256(Path("pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    if stamp.exists() and stamp.read_text() == wanted:
        session.log(f"pyproject.toml unchanged since the last install into {session.virtualenv.location}")
        return
    session.install("-e", f".[{extras}]" if extras else ".")
    stamp.write_text(wanted)


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Run the test suite (pass `-- -m "not slow"` for the quick subset), one pytest-xdist worker per
    logical CPU; each test file stays on one worker, so its module fixtures are built once (`-- -n 0`
    runs it in one process)."""
    _install(session)
    session.run("pytest", "--numprocesses", "logical", "--dist", "loadfile", *(session.posargs or []))


@nox.session(python=PYTHON, venv_backend="venv")
def sweep(session: nox.Session) -> None:
    """The default design-space sweep (sweeps/jet_mlp.yaml, 2 worker processes); extra arguments go
    to `harness sweep`, e.g. `nox -s sweep -- sweeps/track_quality_bdt.yaml --trials 30`. Its
    environment has what a sweep runs (PyTorch for `sampler: gp` included), not the test and docs tools
    of the `dev` extra (Playwright, MkDocs, mypy, ...: less to install)."""
    _install(session, "gp")
    args = session.posargs or ["sweeps/jet_mlp.yaml", "--jobs", "2"]
    session.run("harness", "sweep", *args)
    session.run("harness", "report", *_report_args(args))


def _report_args(sweep_args: list[str]) -> list[str]:
    """The `harness report` arguments naming the same study as these `harness sweep` arguments."""
    report, rest = [sweep_args[0]], iter(sweep_args[1:])
    for arg in rest:
        if arg in ("--study", "--storage", "--results"):
            report += [arg, next(rest)]
    return report


@nox.session(venv_backend="none")
def regress(session: nox.Session) -> None:
    """Firmware regression: every golden design (regress/<name>/) regenerated from its spec,
    synthesised, simulated and compared with its baseline; exit 1 on a regression. Extra arguments go
    to `harness regress`, e.g. `nox -s regress -- --junit runs/regress/junit.xml` or `-- --update`.

    It runs in the tests session's environment (made or brought up to date first), so CI installs the
    3 GB stack and compiles da4ml's solver once, and the regression reuses the trained models and
    Yosys results the test suite left in the cache (harness/cache.py)."""
    session.run(sys.executable, "-m", "nox", "-s", "tests", "--install-only", external=True)
    harness = Path(".nox") / "tests" / "bin" / "harness"
    session.run(str(harness), "regress", "--jobs", "2", *session.posargs, external=True)


@nox.session(python=PYTHON)
def report(session: nox.Session) -> None:
    """The design-review report of a study (default: the default sweep's) into
    runs/sweeps/reports/<study>/; extra arguments go to `harness report`, e.g.
    `nox -s report -- sweeps/jet_nn_vs_bdt.yaml --out reports/nn_vs_bdt`."""
    _install(session, "")
    session.run("harness", "report", *(session.posargs or ["sweeps/jet_mlp.yaml"]))


#: `nox -s bench` without arguments: the harness against the alternatives (issue 16), in about 30
#: minutes on 2 cores. The sweep benchmarks (sweep_samplers, sweep_workers, reuse_table,
#: estimate_error) run when named.
BENCHMARKS = ["nn_verify", "bdt_verify", "turnaround", "published"]


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmarks, each printing its table and ratios and writing benchmarks/results/<name>.json; by
    default those of BENCHMARKS, or those named: `nox -s bench -- sweep_samplers`."""
    _install(session)
    for name in session.posargs or BENCHMARKS:
        session.run("python", f"benchmarks/{name}.py")


@nox.session(venv_backend="none")
def lint(session: nox.Session) -> None:
    """Static checks: ruff over the code, then mypy over harness/ (its settings are pyproject.toml's
    [tool.mypy]); CI runs it before the tests and fails on either.

    Like `nox -s regress` it runs in the tests session's environment (made or brought up to date first):
    mypy has to see the installed libraries (numpy, optuna, cocotb, ... and their types), and CI installs
    the 3 GB stack once. ruff, mypy and types-PyYAML come with the `dev` extra."""
    session.run(sys.executable, "-m", "nox", "-s", "tests", "--install-only", external=True)
    bin_dir = Path(".nox") / "tests" / "bin"
    paths = ["harness", "tests", "tb", "benchmarks", "docs", "noxfile.py"]
    session.run(str(bin_dir / "ruff"), "check", *paths, external=True)
    session.run(str(bin_dir / "mypy"), *session.posargs, external=True)


@nox.session(venv_backend="none")
def docs(session: nox.Session) -> None:
    """The documentation site (mkdocs.yml) into site/, in strict mode: a broken link, a page missing
    from the navigation or a reference page that fails to generate fails the build. It runs in the
    tests session's environment (made or brought up to date first), which has MkDocs and the package
    whose API, spec keys and command line the reference pages are generated from. Extra arguments go
    to `mkdocs build`, e.g. `nox -s docs -- --site-dir /tmp/site`; `nox -s docs -- serve` serves it."""
    session.run(sys.executable, "-m", "nox", "-s", "tests", "--install-only", external=True)
    mkdocs = Path(".nox") / "tests" / "bin" / "mkdocs"
    command = ["serve"] if session.posargs[:1] == ["serve"] else ["build", "--strict", *session.posargs]
    session.run(str(mkdocs), *command, env=DOCS_ENV, external=True)


#: MkDocs 1.6 and Material print a banner about MkDocs 2 on every build; it is not a warning about
#: these docs, and strict mode would otherwise be the only way to see real ones.
DOCS_ENV = {"NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}
