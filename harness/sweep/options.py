"""How a sweep is run (`SweepOptions`: the command line's options beside the spec)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from harness.sweep.spec import SweepSpec


@dataclass(frozen=True)
class SweepOptions:
    """How to run a sweep (the command line's options); None takes the spec's value."""

    results: Path = Path("runs/sweeps")
    storage: str | None = None
    study: str | None = None
    trials: int | None = None
    timeout_s: float | None = None
    jobs: int = 1
    #: Optuna heartbeat (RDB storages): seconds between a running trial's heartbeats, and seconds
    #: without one before the trial counts as stale. The grace is generous because a long call that
    #: holds the GIL (numba, a big da4ml solve) delays the heartbeat thread of a live trial.
    heartbeat_s: int = 30
    grace_s: int = 300
    #: This command's index among independent commands on one study (a job array's task id): its
    #: sampler is seeded from seed + worker, so no two commands propose the same sequence of designs.
    worker: int = 0

    def study_name(self, sweep: SweepSpec) -> str:
        return self.study or sweep.name

    def target(self, sweep: SweepSpec) -> int:
        """Completed trials to stop at: `trials` (0 creates or opens the study and runs none, e.g. for
        imported vendor-measured points), else the spec's."""
        return sweep.trials if self.trials is None else self.trials

    def storage_url(self, sweep: SweepSpec) -> str:
        """The storage as a description: an Optuna URL, or the journal file's path."""
        return self.storage or str(self.results / "studies" / f"{self.study_name(sweep)}.journal")
