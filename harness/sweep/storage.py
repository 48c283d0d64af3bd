"""Where a study lives: Optuna storages opened by URL or journal path, shown without passwords, and
the worker attribute each trial records (which process, on which host, ran it).

Used by running a sweep (`harness.sweep.study`, `harness.sweep.runner`), its status
(`harness.sweep.status`) and reports.
"""

from __future__ import annotations

import os
import socket
import time
import warnings
from pathlib import Path
from typing import Any

from harness.errors import SpecError


def worker_id() -> str:
    """host:pid of this worker process: which machine ran a trial, and (status) whether it still runs."""
    return f"{socket.gethostname()}:{os.getpid()}"


def open_storage(
    url: str, heartbeat_s: int | None = None, grace_s: int | None = None, retries: int = 0
) -> Any:
    """An Optuna storage for a URL (`sqlite:///`, `postgresql://`, ...) or a journal file path.

    With `heartbeat_s`, an RDB storage records heartbeats of running trials and fails the stale ones
    (older than `grace_s`) when a worker starts its next trial, queueing each again up to `retries`
    times. A journal file has no heartbeat in Optuna 5 (JournalStorage is not a BaseHeartbeat).
    """
    import optuna

    if "://" in url:
        with warnings.catch_warnings():  # heartbeats and their retry callback are "experimental"
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            retry = optuna.storages.RetryHeartbeatStaleTrialCallback(retries) if heartbeat_s else None
            return _rdb_storage(
                url,
                engine_kwargs={"pool_pre_ping": True},  # a worker outlives idle connections on a cluster
                heartbeat_interval=heartbeat_s,
                grace_period=grace_s,
                heartbeat_stale_trial_callback=retry,
            )
    from optuna.storages.journal import JournalFileBackend

    Path(url).parent.mkdir(parents=True, exist_ok=True)
    return optuna.storages.JournalStorage(JournalFileBackend(url))


def _rdb_storage(url: str, **kwargs: Any) -> Any:
    """Optuna's RDBStorage, tried again when its tables were being created by another worker.

    RDBStorage creates its schema on first use with check-then-create, so workers of a job array
    starting together on a fresh database race: all but one fail with "relation already exists"
    (or a duplicate version row). Once the winner has committed, opening again simply finds them.

    Raises SpecError when the URL cannot be opened at all (no server there, refused credentials, an
    unknown scheme or a database driver that is not installed), naming the URL (password masked),
    the reason and what would be valid, instead of SQLAlchemy's traceback.
    """
    import optuna
    from sqlalchemy.exc import IntegrityError, ProgrammingError, SQLAlchemyError

    try:
        for delay_s in (1.0, 2.0, 3.0):
            try:
                return optuna.storages.RDBStorage(url, **kwargs)
            except (ProgrammingError, IntegrityError):
                time.sleep(delay_s)
        return optuna.storages.RDBStorage(url, **kwargs)
    except (SQLAlchemyError, ImportError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise SpecError(
            f"storage {display_url(url)} cannot be opened: {reason}; valid: the URL of a reachable "
            "database whose driver is installed (postgresql://USER:PASSWORD@HOST:PORT/DATABASE, "
            "sqlite:///FILE.db) or a journal file's path"
        ) from exc


def display_url(url: str) -> str:
    """A storage URL fit for logs: the password, if any, masked (SQLAlchemy's own rendering)."""
    if "://" not in url:
        return url
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
