"""A sweep's Optuna study: created or joined with this worker's seeded sampler (`open_study`), its
trials read back as `TrialRecord`s (`records`).

Storage is Optuna's: by default a journal file under the results folder (safe for several worker
processes on one machine); any Optuna storage URL otherwise (PostgreSQL for workers on several
machines). `harness.sweep.runner` runs the trials, `harness.sweep.evaluator` evaluates one,
`harness.sweep.provenance` records what a study was run with, `harness.sweep.samplers` makes samplers.
"""

from __future__ import annotations

from typing import Any

from harness.sweep.options import SweepOptions
from harness.sweep.provenance import check_settings
from harness.sweep.samplers import make_sampler
from harness.sweep.spec import SweepSpec
from harness.sweep.storage import open_storage
from harness.sweep.trials import TrialRecord

#: Seed offset per trial already in a study when a worker joins it (far apart from worker offsets).
RESUME_SEED_STRIDE = 1_000_003


def open_study(sweep: SweepSpec, options: SweepOptions) -> Any:
    """Create or join the study, with this command's sampler (one per command: its worker processes
    only evaluate, see `harness.sweep.runner`).

    The seed is the spec's, offset per command (`--worker`) and by the trials the study already
    holds: a fresh study is reproducible whatever `--jobs`, and a resumed one (a restart after a
    crash, a requeued array task) does not propose the first run's designs over again.
    """
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = open_storage(options.storage_url(sweep), options.heartbeat_s, options.grace_s, sweep.retries)
    study = optuna.create_study(
        study_name=options.study_name(sweep),
        storage=storage,
        directions=[optuna.study.StudyDirection[d.upper()] for d in sweep.directions],
        load_if_exists=True,
    )
    check_settings(study, sweep)
    held = len(study.get_trials(deepcopy=False))
    seed = sweep.seed + options.worker + RESUME_SEED_STRIDE * held
    study.sampler = make_sampler(sweep.sampler, seed, max(1, options.target(sweep)))
    return study


def records(study: Any) -> list[TrialRecord]:
    return [TrialRecord.from_frozen(t) for t in study.get_trials(deepcopy=False)]
