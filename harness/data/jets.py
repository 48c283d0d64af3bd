"""The hls4ml jet-tagging task: 16 jet-substructure features, classes g, q, W, Z, t.

`jets-hlf` is the real OpenML data set `hls4ml_lhc_jets_hlf` (or a local copy with the same
columns); `jets-synthetic` is a seeded generator with the same features and classes, for machines
without network access and for fast, reproducible tests.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from harness.data.dataset import Dataset, DataUnavailableError, split_and_standardise
from harness.spec import DataSpec

if TYPE_CHECKING:  # pandas is untyped here (Any to mypy): the name says what a value holds
    import pandas as pd

FEATURES = [
    "zlogz",
    "c1_b0_mmdt",
    "c1_b1_mmdt",
    "c1_b2_mmdt",
    "c2_b1_mmdt",
    "c2_b2_mmdt",
    "d2_b1_mmdt",
    "d2_b2_mmdt",
    "d2_a1_b1_mmdt",
    "d2_a1_b2_mmdt",
    "m2_b1_mmdt",
    "m2_b2_mmdt",
    "n2_b1_mmdt",
    "n2_b2_mmdt",
    "mass_mmdt",
    "multiplicity",
]
CLASSES = ["g", "q", "w", "z", "t"]
OPENML_NAME = "hls4ml_lhc_jets_hlf"


def load(spec: DataSpec, seed: int, base_dir: Path = Path(".")) -> Dataset:
    if spec.name == "jets-synthetic":
        x, y = generate(spec.n_samples, seed)
    elif spec.path:
        x, y = _read_local(base_dir / spec.path)
    else:
        x, y = _fetch_openml()
    return split_and_standardise(spec.resolved_name, x, y, FEATURES, CLASSES, spec, seed)


def generate(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Seeded jets with physically motivated shapes.

    Each jet gets latent properties drawn by class: groomed mass (Sudakov-like falling spectrum for
    q/g, resonance peaks at 80.4, 91.2 and 172.8 GeV for W, Z and t with detector resolution and a
    share of badly groomed jets), constituent multiplicity (gluons radiate most, top jets have three
    prongs), two- and three-prong substructure scores. The 16 observables are noisy, correlated
    functions of those, as energy-correlation and N-subjettiness ratios are. W and Z overlap in
    mass and substructure, and q/g differ only in degree, so the task is not separable.
    """
    rng = np.random.default_rng(seed)
    y = rng.integers(0, len(CLASSES), size=n)
    mass = np.empty(n)
    mult = np.empty(n)
    prong2 = np.empty(n)  # high for two-prong (W, Z, partly t) jets
    prong3 = np.empty(n)  # high for three-prong (t) jets
    for label in range(len(CLASSES)):
        idx = np.flatnonzero(y == label)
        k = idx.size
        if CLASSES[label] in ("g", "q"):
            scale = 22.0 if CLASSES[label] == "g" else 15.0
            mass[idx] = 5 + rng.gamma(1.6 if CLASSES[label] == "g" else 1.4, scale, k)
            mult[idx] = rng.poisson(46 if CLASSES[label] == "g" else 32, k)
            prong2[idx] = rng.beta(2.0, 4.0 if CLASSES[label] == "g" else 4.5, k)
            prong3[idx] = rng.beta(2.0, 5.0, k)
        elif CLASSES[label] in ("w", "z"):
            peak = 80.4 if CLASSES[label] == "w" else 91.2
            good = rng.random(k) < 0.8
            mass[idx] = np.where(good, rng.normal(peak, 0.11 * peak, k), 5 + rng.gamma(1.5, 20.0, k))
            mult[idx] = rng.poisson(34 if CLASSES[label] == "w" else 36, k)
            prong2[idx] = rng.beta(5.0, 2.5, k)
            prong3[idx] = rng.beta(2.2, 4.0, k)
        else:
            merged = rng.random(k)
            mass[idx] = np.where(
                merged < 0.65,
                rng.normal(172.8, 17.0, k),
                np.where(merged < 0.85, rng.normal(80.4, 10.0, k), 5 + rng.gamma(2.0, 25.0, k)),
            )
            mult[idx] = rng.poisson(52, k)
            prong2[idx] = rng.beta(4.0, 3.0, k)
            prong3[idx] = rng.beta(5.0, 2.0, k)
    mass = np.clip(mass, 1.0, None)

    def noise(scale: float) -> np.ndarray:
        return rng.normal(0.0, scale, n)

    lm = np.log(mass)
    c1 = 0.05 + 0.30 * (1 - prong2) * (mass / (mass + 60)) + noise(0.03)
    c2 = 0.45 - 0.30 * prong2 + 0.10 * (1 - prong3) + noise(0.05)
    d2 = 3.0 - 2.0 * prong2 + 0.8 * (1 - prong3) + 0.02 * mult + noise(0.4)
    n2 = 0.35 - 0.15 * prong2 + noise(0.04)
    m2 = 0.10 + 0.12 * prong3 + noise(0.03)
    features = np.stack(
        [
            -(1 + 0.01 * mult) * (2.5 + 0.3 * lm + noise(0.3)),  # zlogz
            0.25 + 0.05 * lm + noise(0.05),  # c1_b0
            c1,  # c1_b1
            c1 * (0.6 + noise(0.08)),  # c1_b2
            c2,  # c2_b1
            c2 * (0.8 + noise(0.1)),  # c2_b2
            d2,  # d2_b1
            d2 * (0.9 + noise(0.1)),  # d2_b2
            d2 * (0.7 + 0.002 * mass) + noise(0.3),  # d2_a1_b1
            d2 * (0.6 + 0.002 * mass) + noise(0.3),  # d2_a1_b2
            m2,  # m2_b1
            m2 * (0.7 + noise(0.1)),  # m2_b2
            n2,  # n2_b1
            n2 * (0.85 + noise(0.08)),  # n2_b2
            mass * (1 + noise(0.04)),  # mass_mmdt
            mult + rng.poisson(3, n),  # multiplicity
        ],
        axis=1,
    )
    return features.astype(np.float64), y


def _read_local(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """A local copy of the data set: .csv/.parquet with the OpenML columns, or .npz with x and y."""
    if not path.exists():
        raise DataUnavailableError(f"data.path {path} does not exist")
    if path.suffix == ".npz":
        with np.load(path, allow_pickle=False) as data:
            if "x" not in data or "y" not in data:
                raise DataUnavailableError(
                    f"{path} must hold arrays 'x' (n, 16) and 'y' (n,) of class indices"
                )
            return data["x"], data["y"]
    import pandas as pd

    frame = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    return _from_frame(frame, str(path))


def _from_frame(frame: pd.DataFrame, origin: str) -> tuple[np.ndarray, np.ndarray]:
    missing = [c for c in [*FEATURES, "class"] if c not in frame.columns]
    if missing:
        raise DataUnavailableError(f"{origin} lacks the columns {', '.join(missing)}")
    labels = frame["class"].astype(str).str.lower()
    unknown = sorted(set(labels) - set(CLASSES))
    if unknown:
        raise DataUnavailableError(f"{origin}: unknown classes {unknown}; expected {CLASSES}")
    return frame[FEATURES].to_numpy(np.float64), labels.map(CLASSES.index).to_numpy(np.int64)


def cache_dir() -> Path:
    return Path(os.environ.get("SCIKIT_LEARN_DATA", Path.home() / "scikit_learn_data"))


def _fetch_openml() -> tuple[np.ndarray, np.ndarray]:
    """The real data set via scikit-learn's fetch_openml (cached under its data home)."""
    from sklearn.datasets import fetch_openml

    try:
        bunch = fetch_openml(OPENML_NAME, version=1, as_frame=True, parser="auto", data_home=str(cache_dir()))
    except Exception as exc:  # network errors come in many types (URLError, OSError, HTTP errors)
        raise DataUnavailableError(
            f"could not download OpenML data set {OPENML_NAME!r} ({type(exc).__name__}: {exc}). It is cached "
            f"in {cache_dir()} once downloaded; offline, set data.path to a local .csv/.parquet/.npz copy, "
            "or use data.name=jets-synthetic"
        ) from exc
    frame = bunch.frame
    if "class" not in frame.columns:
        frame = frame.assign(**{"class": bunch.target})
    return _from_frame(frame, f"OpenML {OPENML_NAME}")
