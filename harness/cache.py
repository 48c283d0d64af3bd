"""Caches of the flow's two expensive deterministic steps, shared by every command on the machine.

    train   trained models, keyed by the training part of the design hash (seed, data, model,
            training recipe, input files), the versions of the training libraries and a digest of
            the harness's training and data code
    yosys   Yosys results, keyed by the bytes of every RTL source, the synthesis script and the
            Yosys version

Nothing else is cached: conversion, emulation, RTL generation and the RTL simulation with its
comparison run every time, so a cached entry can only save time, never hide a changed bit. Both keys
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
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from filelock import FileLock

from harness.spec import DesignSpec, package_version

if TYPE_CHECKING:
    from harness.data import Dataset
    from harness.flow import Stages, Trained

#: The file that completes an entry (its metadata); written last.
ENTRY = "entry.json"
#: The float model's scores on the test split, stored beside the model.
SCORES = "float_scores.npy"
#: Libraries whose version can change a trained model.
TRAINING_PACKAGES = (
    "numpy",
    "tensorflow",
    "qkeras",
    "tensorflow-model-optimization",
    "xgboost-cpu",
    "scikit-learn",
)
#: Spec sections that determine the trained model (firmware and verify settings do not).
TRAINING_SECTIONS = ("kind", "seed", "data", "model", "training")


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
    """One kind of cached result (`train`, `yosys`): a folder per key."""

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


def training_key(spec: DesignSpec, train_module_file: str) -> str:
    """What determines a trained model: the spec's training sections and input files, the training
    libraries' versions, and the source of the kind's training module and of `harness.data`."""
    spec_part = {k: v for k, v in spec.to_dict().items() if k in TRAINING_SECTIONS}
    data_dir = Path(__file__).parent / "data"
    code = [Path(train_module_file), *sorted(data_dir.glob("*.py"))]
    return digest(
        {
            "spec": spec_part,
            "files": spec.file_digests(),
            "versions": {pkg: package_version(pkg) for pkg in TRAINING_PACKAGES},
            "code": {p.name: digest(p.read_bytes()) for p in code},
        }
    )


def train(stages: Stages, spec: DesignSpec, dataset: Dataset, out_dir: Path) -> Trained:
    """`stages.train` through the `train` store: a complete entry is loaded (model, float scores on the
    test split, training info), otherwise the model is trained and stored when the kind can save it
    (`Stages.save_model` returns False for scikit-learn forests, which would need a pickle). A pretrained
    model is loaded from its own files, never stored: nothing was trained, and some (ONNX) have no Keras
    form to store."""
    from harness.flow import Trained

    store = Store.named("train")
    pretrained = getattr(spec.model, "pretrained", None) is not None
    if store is None or pretrained or stages.save_model is None or stages.load_model is None:
        return stages.train(spec, dataset, out_dir)
    key = training_key(spec, sys.modules[stages.train.__module__].__file__)
    with store.lock(key) as folder:
        meta = store.complete(key)
        if meta is not None:
            print(f"[{spec.name}] trained model from the cache: {folder}", flush=True)
            model, located = stages.load_model(spec, folder, out_dir)
            scores = np.load(folder / SCORES, allow_pickle=False)
            return Trained(model, scores, {**meta["info"], **located, "train_cache": str(folder)})
        trained = stages.train(spec, dataset, out_dir)
        if stages.save_model(trained.model, folder):
            np.save(folder / SCORES, np.asarray(trained.float_scores), allow_pickle=False)
            store.finish(key, {"design": spec.name, "design_hash": spec.design_hash(), "info": trained.info})
        return trained
