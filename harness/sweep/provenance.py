"""What a study was run with, stored on the study itself: the settings its trials were evaluated
against (`check_settings`, warning when a resumed run's differ) and each distinct `harness sweep`
command run on it (`record_command`), which a report prints back (`sweep_commands`)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from harness.sweep.options import SweepOptions
from harness.sweep.spec import SweepSpec
from harness.sweep.storage import display_url

#: Study user attribute: what the study's trials were evaluated against (see `check_settings`).
SETTINGS = "sweep_settings"


def check_settings(study: Any, sweep: SweepSpec) -> None:
    """Record on a new study what its trials are evaluated against (designs, fixed overrides, space,
    objectives, constraints); on a resumed one, warn when this run's differ, because the finished
    trials keep the constraints and values they were evaluated with."""
    settings = sweep.settings()
    stored = study.user_attrs.get(SETTINGS)
    if stored is None:
        study.set_user_attr(SETTINGS, settings)
    elif stored != settings:
        changed = sorted(k for k in settings.keys() | stored.keys() if settings.get(k) != stored.get(k))
        print(
            f"[sweep] warning: study {study.study_name!r} was run with other settings ({', '.join(changed)} "
            "differ); its finished trials keep what they were evaluated with. Use a new --study name to "
            "start over with these settings.",
            flush=True,
        )


RUN_PREFIX = "sweep_run:"


def record_command(study: Any, sweep: SweepSpec, options: SweepOptions, overrides: list[str]) -> None:
    """Store on the study the command this run was given (spec path, `--set` values, trial count,
    seed, where it lives), once per distinct command: a report names the study's spec and options
    from it even when the study is found by name and storage alone. Keyed by the command, so
    workers starting together write the same attribute instead of racing over one list."""
    import datetime
    import hashlib
    import json

    command = {
        "spec": str(sweep.path),
        "cwd": os.getcwd(),
        "set": list(overrides),
        "trials": options.target(sweep),
        "timeout_s": options.timeout_s,
        "jobs": options.jobs,
        "seed": sweep.seed,
        "study": options.study,
        "storage": display_url(options.storage) if options.storage else None,
        "results": str(options.results),
    }
    key = RUN_PREFIX + hashlib.sha256(json.dumps(command, sort_keys=True).encode()).hexdigest()[:12]
    if key not in study.user_attrs:
        started = datetime.datetime.now(datetime.UTC).isoformat()
        study.set_user_attr(key, {**command, "first_run": started})


def sweep_commands(study: Any) -> list[str]:
    """The `harness sweep` commands run on the study (`record_command`), in the order first run; the
    sampler's seed is spelled out (`--set seed=N`) unless the command already set it."""
    import shlex

    runs = sorted(
        (v for k, v in study.user_attrs.items() if k.startswith(RUN_PREFIX) and isinstance(v, dict)),
        key=lambda v: v.get("first_run", ""),
    )
    lines = []
    for run in runs:
        parts = ["harness", "sweep", run["spec"]]
        for item in run.get("set") or []:
            parts += ["--set", item]
        if not any(str(item).startswith("seed=") for item in run.get("set") or []):
            parts += ["--set", f"seed={run['seed']}"]
        parts += ["--trials", str(run["trials"])]
        parts += ["--timeout", f"{run['timeout_s']:g}"] if run.get("timeout_s") else []
        parts += ["--jobs", str(run["jobs"])] if run.get("jobs", 1) != 1 else []
        parts += ["--results", run["results"]]
        parts += ["--study", run["study"]] if run.get("study") else []
        parts += ["--storage", run["storage"]] if run.get("storage") else []
        relative = not Path(run["spec"]).is_absolute() or not Path(run["results"]).is_absolute()
        prefix = f"cd {shlex.quote(run['cwd'])} && " if relative and run.get("cwd") else ""
        lines.append(prefix + shlex.join(parts))
    return lines
