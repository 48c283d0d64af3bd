"""A data set as the flow uses it: train/val/test arrays, the standardisation fitted on the training
split, and where the events came from (`Dataset`), built by `split_and_standardise`.

Standardisation is fitted on the training split only and travels with the data set (and so with the
design's results), because the firmware sees standardised inputs; `data.standardise: false` keeps the
raw features (a model trained on them), recorded as mean 0 and scale 1.

`split_and_standardise` refuses NaN and infinite features (for NN and BDT designs alike) before anything
is trained: fixed-point inputs have no NaN, conifer's trees have no missing-value branch (xgboost's
learned default direction would be lost in conversion) and hls4ml would saturate or wrap them, so the
firmware could not compute what the model was trained on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from harness.spec import DataSpec, SpecError


class DataUnavailableError(SpecError):
    """A data set cannot be obtained here (offline, missing file); the message lists alternatives."""


class InvalidDataError(SpecError):
    """The data hold values the firmware cannot represent (NaN, inf); the message names the columns."""


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
    mean: np.ndarray  # standardisation fitted on the training split (0 and 1 when not standardised)
    scale: np.ndarray
    standardised: bool = True
    #: where the events came from, for a file: path, format, tree, sha256, rows, label and class mapping
    source: dict = field(default_factory=dict)

    @property
    def n_features(self) -> int:
        return len(self.feature_names)

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    def standardisation(self) -> dict:
        return {
            "applied": self.standardised,
            "features": self.feature_names,
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
        }

    def record(self) -> dict:
        """The data set's part of metrics.json: what was read, the classes and the standardisation."""
        return {
            "name": self.name,
            "test_events": int(len(self.y_test)),
            "classes": list(self.class_names),
            "source": self.source or None,
            "standardisation": self.standardisation(),
        }


def split_and_standardise(
    name: str,
    x: np.ndarray,
    y: np.ndarray,
    feature_names: list[str],
    class_names: list[str],
    spec: DataSpec,
    seed: int,
    origin: str | None = None,
) -> Dataset:
    """Refuse NaN/inf, shuffle with `seed`, split test/val/train, standardise with the training statistics
    (unless `spec.standardise` is false). `origin` names the events in errors (default: the path)."""
    x = np.asarray(x, dtype=np.float64)
    check_finite(x, feature_names, origin or spec.path or f"data set {name}")
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(x))
    x, y = x[order], np.asarray(y, dtype=np.int64)[order]
    n_test = int(round(spec.test_fraction * len(x)))
    n_val = int(round(spec.val_fraction * len(x)))
    x_test, y_test = x[:n_test], y[:n_test]
    x_val, y_val = x[n_test : n_test + n_val], y[n_test : n_test + n_val]
    x_train, y_train = x[n_test + n_val :], y[n_test + n_val :]
    if spec.standardise:
        mean = x_train.mean(axis=0)
        scale = x_train.std(axis=0)
        scale[scale == 0] = 1.0
    else:
        mean, scale = np.zeros(x.shape[1]), np.ones(x.shape[1])

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
        spec.standardise,
    )


def check_finite(x: np.ndarray, feature_names: list[str], origin: str) -> None:
    """Refuse NaN/inf features, naming each column, how many rows hold them, and what to do instead."""
    nan, inf = np.isnan(x), np.isinf(x)
    bad_rows = int((nan | inf).any(axis=1).sum())
    if not bad_rows:
        return
    columns = [
        f"{name} ({_counts(int(nan[:, j].sum()), int(inf[:, j].sum()))})"
        for j, name in enumerate(feature_names)
        if nan[:, j].any() or inf[:, j].any()
    ]
    raise InvalidDataError(
        f"{origin}: {bad_rows} of {len(x)} rows hold NaN or infinite features, in columns "
        f"{', '.join(columns)}. The firmware has no missing-value branch (conifer's trees and hls4ml's "
        "fixed-point inputs have none), so the model would not be the one that runs. Impute them (e.g. "
        "the column median, or a sentinel value outside the feature's range) or drop those rows, then "
        "load the file again"
    )


def _counts(n_nan: int, n_inf: int) -> str:
    parts = [f"{what} in {n} rows" for n, what in ((n_nan, "NaN"), (n_inf, "inf")) if n]
    return ", ".join(parts)
