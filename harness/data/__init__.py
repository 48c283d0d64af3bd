"""Data sets behind one small interface: a name and a `DataSpec` in, train/val/test arrays out.

Each data set lives in its own module with a `load(spec: DataSpec, seed: int) -> Dataset` function;
`load` here looks the name up. Standardisation is fitted on the training split only and travels with
the data set (and so with the design's results), because the firmware sees standardised inputs.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

import numpy as np

from harness.spec import DataSpec, SpecError

#: name -> module implementing `load(spec, seed)`.
DATASETS = {
    "jets-synthetic": "harness.data.jets",
    "jets-hlf": "harness.data.jets",
    "tracks-synthetic": "harness.data.tracks",
}


class DataUnavailableError(RuntimeError):
    """A data set cannot be obtained here (offline, missing file); the message lists alternatives."""


@dataclass
class Dataset:
    name: str
    feature_names: list[str]
    class_names: list[str]
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    mean: np.ndarray  # standardisation fitted on the training split
    scale: np.ndarray

    @property
    def n_features(self) -> int:
        return len(self.feature_names)

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    def standardisation(self) -> dict:
        return {"features": self.feature_names, "mean": self.mean.tolist(), "scale": self.scale.tolist()}


def load(spec: DataSpec, seed: int) -> Dataset:
    module = DATASETS.get(spec.name)
    if module is None:
        raise SpecError(f"data.name: {spec.name!r} is not a known data set; valid: {', '.join(DATASETS)}")
    return importlib.import_module(module).load(spec, seed)


def split_and_standardise(
    name: str,
    x: np.ndarray,
    y: np.ndarray,
    feature_names: list[str],
    class_names: list[str],
    spec: DataSpec,
    seed: int,
) -> Dataset:
    """Shuffle with `seed`, split test/val/train, standardise with the training split's statistics."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(x))
    x, y = np.asarray(x, dtype=np.float64)[order], np.asarray(y, dtype=np.int64)[order]
    n_test = int(round(spec.test_fraction * len(x)))
    n_val = int(round(spec.val_fraction * len(x)))
    x_test, y_test = x[:n_test], y[:n_test]
    x_val, y_val = x[n_test : n_test + n_val], y[n_test : n_test + n_val]
    x_train, y_train = x[n_test + n_val :], y[n_test + n_val :]
    mean = x_train.mean(axis=0)
    scale = x_train.std(axis=0)
    scale[scale == 0] = 1.0

    def norm(a: np.ndarray) -> np.ndarray:
        return ((a - mean) / scale).astype(np.float32)

    return Dataset(
        name,
        list(feature_names),
        list(class_names),
        norm(x_train),
        y_train,
        norm(x_val),
        y_val,
        norm(x_test),
        y_test,
        mean,
        scale,
    )
