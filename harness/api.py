"""The Python API: what `import harness` gives a notebook or a script (the command line is a thin layer
over the same functions).

    >>> import harness
    >>> r = harness.evaluate("designs/track_quality_bdt.yaml", fidelity="verify", out="runs/bdt")
    >>> r.verification.mismatches, r.resources.lut, r.latency.ns
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from harness.ladder import evaluate as _climb
from harness.record import Record
from harness.report.request import ReportRequest, build_report
from harness.spec import DesignSpec, load
from harness.sweep import SweepOptions, TrialRecord, load_sweep
from harness.sweep import run as _run_sweep
from harness.toolchain import Toolchain


def _overrides(values: Mapping[str, Any] | None) -> list[str]:
    """`{"model.weight_bits": 4}` as the command line's `--set model.weight_bits=4` (values as YAML)."""
    return [
        f"{key}={yaml.safe_dump(value, default_flow_style=True).strip()}"
        for key, value in (values or {}).items()
    ]


def load_design(path: str | Path, set: Mapping[str, Any] | None = None) -> DesignSpec:  # noqa: A002
    """Read a design YAML and check it, before any work.

    Args:
        path: the design file, e.g. `designs/jet_mlp.yaml`; relative paths inside it (data, models)
            are relative to its folder.
        set: overrides by dotted key, e.g. `{"model.hidden": [24, 12], "verify.vectors": 2000}`.

    Returns:
        The checked `DesignSpec` (its `design_hash()` keys results).

    Raises:
        SpecError: the file is missing or not YAML, or a key or value is invalid; the message names
            the key and what would be valid.
    """
    return load(path, _overrides(set))


def evaluate(
    design: str | Path | DesignSpec,
    fidelity: str = "verify",
    out: str | Path | None = None,
    set: Mapping[str, Any] | None = None,  # noqa: A002
) -> Record:
    """Take one design point up the fidelity ladder and write `out/metrics.json`.

    Args:
        design: a design YAML path or a `DesignSpec` (from `load_design`).
        fidelity: `estimate` (the RTL generator's estimates: seconds to minutes), `synth` (+ Yosys
            resources), `verify` (+ the RTL on Verilator, every output word compared as an integer
            with hls4ml's or conifer's C simulation; measured latency and II) or `vendor` (hls4ml's or
            conifer's own build with Vivado/Vitis HLS, where installed).
        out: the output folder (default `runs/<name>-<design hash>`).
        set: overrides by dotted key (only with a path), as for `load_design`.

    Returns:
        The `Record`: `accuracy` (shares 0..1: float model, emulation, RTL), `verification`
            (`vectors`, `mismatches` in output words: 0 is bit-exact, None if not simulated),
            `latency` (`cycles`, `ii_cycles`, `ns`, `source`), `resources` (`lut`, `ff`, `dsp`, `bram`
            in 18 Kb units, `source`: Yosys, the generator's estimate, or the vendor report). A mismatching
            RTL is not an exception here: `record.verified` says whether it is bit-exact, and
            `record.check()` raises `VerificationError` on a mismatch (`evaluate(...).check()` chains).

    Raises:
        SpecError: invalid design, override or fidelity (before any work).
        TypeError: `set=` given with a `DesignSpec` (overrides belong to `load_design`).
        ToolNotFoundError: a tool the fidelity needs is missing (before any work).
        ToolError: a tool failed (Yosys, Verilator, a compiler); the message names its log.
    """
    if isinstance(design, DesignSpec):
        if set:
            raise TypeError("set= applies to a design file; pass overrides to load_design instead")
        spec = design
    else:
        spec = load_design(design, set)
    folder = Path(out) if out is not None else Path("runs") / f"{spec.name}-{spec.design_hash()}"
    return _climb(spec, folder, Toolchain.discover(), fidelity)


def sweep(
    spec: str | Path,
    trials: int | None = None,
    jobs: int = 1,
    results: str | Path = "runs/sweeps",
    study: str | None = None,
    storage: str | None = None,
    set: Mapping[str, Any] | None = None,  # noqa: A002
) -> list[TrialRecord]:
    """Run (or resume) a sweep study, as `harness sweep`: Optuna trials at estimate fidelity, promotion
    of those near the front to Yosys and Verilator, the front verified at the end.

    Args:
        spec: the sweep YAML (e.g. `sweeps/jet_mlp.yaml`).
        trials: finished trials to reach (default the spec's `trials`), counted over all workers.
        jobs: worker processes on this machine.
        results: the results folder (design folders, the journal storage).
        study: the Optuna study name (default the spec's `name`).
        storage: the Optuna storage URL (default a journal file under `results`).
        set: sweep overrides by dotted key (`budget_us`, `set.training.epochs` for a design field).

    Returns:
        Every trial of the study (`TrialRecord`: values, fidelity, verified, mismatches, sources).

    Raises:
        SpecError: an invalid sweep spec or option, before any trial.
    """
    overrides = _overrides(set)
    options = SweepOptions(results=Path(results), storage=storage, study=study, trials=trials, jobs=jobs)
    return _run_sweep(load_sweep(spec, overrides), options, overrides)


def report(
    spec: str | Path | None = None,
    study: str | None = None,
    storage: str | None = None,
    results: str | Path = "runs/sweeps",
    out: str | Path | None = None,
    pdf: bool = True,
) -> Path:
    """Write the design-review report of a study (HTML, figures, pareto.csv, trials.csv, PDF), as
    `harness report`. Only designs verified bit-exact (or measured by a vendor tool) are Pareto
    candidates.

    Args:
        spec: the sweep YAML the study was run with (its budget, objectives and limits); or None with
            `study`, whose stored settings are used.
        study: the Optuna study name (default the spec's `name`).
        storage: the Optuna storage URL (default a journal file under `results`).
        results: the sweeps' results folder.
        out: the report folder (default `results/reports/<study>`).
        pdf: also print the page to PDF with Chromium.

    Returns:
        The report's folder (index.html, report.pdf, pareto.csv, trials.csv, figures).

    Raises:
        SpecError: neither a spec nor a study named, or the study does not exist.
    """
    request = ReportRequest(
        spec=str(spec) if spec is not None else None,
        study=study,
        storage=storage,
        results=Path(results),
        out=Path(out) if out is not None else None,
        pdf=pdf,
    )
    return build_report(request).folder
