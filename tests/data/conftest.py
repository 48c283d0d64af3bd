"""Small data files written the way users write them: pandas (CSV, Parquet), NumPy (.npz), uproot (ROOT)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd


def events(n: int = 3000, seed: int = 0, n_features: int = 3) -> pd.DataFrame:
    """`n` events with features f0..f{k-1}, a string class `kind` (sig/bkg/other by the features' sum,
    with label noise) and an event number `evt` that is not a feature."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, n_features))
    s = x.sum(axis=1) + rng.normal(0, 0.5, n)
    kind = np.where(s > 0.7, "sig", np.where(s < -0.7, "bkg", "other"))
    frame = pd.DataFrame({f"f{i}": x[:, i] for i in range(n_features)})
    return frame.assign(kind=kind, evt=np.arange(n))


def write(frame: pd.DataFrame, path: Path, label: str = "kind") -> Path:
    """`frame` in the format its suffix names; ROOT: a TTree `Events` with the label as int32 class codes
    (ROOT has no string branches here) unless it is numeric already. `.rntuple.root`: an RNTuple."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".csv":
        frame.to_csv(path, index=False)
    elif path.suffix == ".parquet":
        frame.to_parquet(path)
    elif path.suffix == ".npz":
        # strings as NumPy's fixed-width type: object arrays would need pickles, which are never loaded
        np.savez(path, **{c: _numpy_column(frame[c]) for c in frame.columns})
    elif path.suffix == ".root":
        import uproot

        branches = {c: _root_column(frame[c]) for c in frame.columns}
        with uproot.recreate(path) as root:
            if path.name.endswith(".rntuple.root"):
                root["Events"] = branches  # uproot 5.7 writes a dict as an RNTuple
            else:
                root.mktree("Events", {c: v.dtype for c, v in branches.items()})
                root["Events"].extend(branches)
    else:
        raise ValueError(path)
    return path


def _numpy_column(column: pd.Series) -> np.ndarray:
    return column.to_numpy(dtype=str) if pd.api.types.is_string_dtype(column) else column.to_numpy()


def _root_column(column: pd.Series) -> np.ndarray:
    if pd.api.types.is_string_dtype(column):  # string classes as their codes in sorted order
        return np.unique(column.to_numpy(dtype=str), return_inverse=True)[1].astype(np.int32)
    return column.to_numpy()
