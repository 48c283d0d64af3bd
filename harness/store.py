"""Content-addressed stores shared by every command on the machine: a folder per key, under one root.

Three stores exist, each with its own policy of what goes into the key:

    train   trained models (`harness.cache`), keyed by the training part of the design hash (seed,
            data, model, training recipe, input files), the versions of the training libraries and a
            digest of the harness's training and data code
    yosys   Yosys results (`harness.synth`), keyed by the bytes of every RTL source, the synthesis
            script and the Yosys version
    conifer conifer's compiled cpp emulation (`harness.bdt.cpp_cache`), keyed by its bridge as g++
            preprocesses it (the types, every header), the compiler, conifer and the Python ABI; the
            forest is not in it: the module reads each model's own JSON

Nothing else is cached: conversion, emulation, RTL generation and the RTL simulation with its
comparison run every time (the emulation with a compiled module that may come from the store, run on
the design's own forest), so a cached entry can only save time, never hide a changed bit. The keys
cover everything that determines the result, so `harness evaluate`, sweeps, `harness regress` and the
test suite all reuse each other's entries: in CI the tests warm what the regression run needs.

Location: `$HARNESS_CACHE` if set (`off` disables caching), else `$XDG_CACHE_HOME/fpga-ml-harness`,
else `~/.cache/fpga-ml-harness`. Entries are folders named by their key; a file lock per key keeps two
processes from computing the same entry twice, and an entry counts only once its `entry.json` (written
last) exists, so a process killed while writing leaves nothing that is read back.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filelock import FileLock

#: The file that completes an entry (its metadata); written last.
ENTRY = "entry.json"


def cache_root() -> Path | None:
    """The cache folder, or None when `HARNESS_CACHE=off`."""
    configured = os.environ.get("HARNESS_CACHE")
    if configured == "off":
        return None
    if configured:
        return Path(configured).expanduser().resolve()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "fpga-ml-harness"


def digest(payload: Any) -> str:
    """A 32-hex-digit SHA-256 of a JSON-able value (keys sorted) or of raw bytes."""
    if not isinstance(payload, bytes):
        payload = json.dumps(payload, sort_keys=True, default=str).encode()
    return hashlib.sha256(payload).hexdigest()[:32]


@contextmanager
def locked_folder(folder: Path) -> Iterator[Path]:
    """Hold `folder`'s file lock (`<folder>.lock`, beside it) while the caller reads or writes it."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(folder) + ".lock"):
        yield folder


@dataclass(frozen=True)
class Store:
    """One kind of cached result (`train`, `yosys`, `conifer`): a folder per key."""

    path: Path

    @classmethod
    def named(cls, name: str) -> Store | None:
        root = cache_root()
        return None if root is None else cls(root / name)

    def entry(self, key: str) -> Path:
        return self.path / key

    def complete(self, key: str) -> dict | None:
        """The metadata of a complete entry, or None."""
        try:
            return json.loads((self.entry(key) / ENTRY).read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return None

    def finish(self, key: str, meta: dict) -> None:
        (self.entry(key) / ENTRY).write_text(json.dumps(meta, indent=1, default=str))

    @contextmanager
    def lock(self, key: str) -> Iterator[Path]:
        """Hold the entry's lock; the entry's folder exists inside."""
        with locked_folder(self.entry(key)) as folder:
            folder.mkdir(exist_ok=True)
            yield folder
