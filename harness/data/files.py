"""The user's own data (`data.name: file`): CSV, Parquet, NumPy .npz or a ROOT TTree.

Each format is read by its own well-kept library (pandas for CSV, pyarrow for Parquet, NumPy without
pickles for .npz, uproot for ROOT) into named 1-D or 2-D numeric columns; `data.features` picks the
model's inputs from them in order (a 2-D column, e.g. an .npz array `x` of shape (n, k) or a ROOT
branch `float x[k]`, gives k features `x[0]` ... `x[k-1]`) and `data.label` the classes.

Classes are the label's distinct values in sorted order (integers numerically, strings
lexicographically, False before True), mapped to 0, 1, ...: scikit-learn's `LabelEncoder` order, so
a model trained elsewhere on encoded labels sees the same indices. The mapping is recorded.

Everything that makes a file unusable is refused here, before any training, naming the file, the
column and the row count: a column that does not exist (listing those that do), a non-numeric or
variable-length feature, a missing or non-integer label, a label with one class, and NaN or infinite
features (`check_finite`, shared with the built-in data sets).
"""

from __future__ import annotations

import difflib
from pathlib import Path

import numpy as np

from harness.data.dataset import Dataset, InvalidDataError, split_and_standardise
from harness.spec import DataSpec, SpecError, file_digest

#: ROOT objects read as tables: TTrees, and RNTuples (their successor, which uproot 5.7 writes by default).
TREE_CLASSES = ("TTree", "ROOT::RNTuple")
#: Columns listed in full in an error; longer listings are cut.
MAX_LISTED = 40


def load(spec: DataSpec, seed: int, base_dir: Path = Path(".")) -> Dataset:
    """Read `spec.features` and `spec.label` from the file, map the classes, split and standardise."""
    if spec.path is None or spec.features is None or spec.label is None:  # DataSpec refuses this for `file`
        raise SpecError("data.name file needs data.path, data.features and data.label")
    features, label = spec.features, spec.label
    path = base_dir / spec.path
    if not path.is_file():
        raise InvalidDataError(f"data.path: {path} does not exist")
    fmt = spec.data_format()
    columns, tree = read_columns(path, fmt, spec.tree, [*features, label], spec.columns)
    origin = f"{path}" + (f" (tree {tree})" if tree else "")
    x, feature_names = _features(columns, features, origin)
    y, classes = encode_labels(columns[label], label, origin)
    dataset = split_and_standardise("file", x, y, feature_names, classes, spec, seed, origin=origin)
    dataset.source = {
        "path": str(path),
        "format": fmt,
        "tree": tree,
        "sha256": file_digest(path),
        "rows": int(len(y)),
        "features": list(features),
        "label": label,
        "classes": {name: index for index, name in enumerate(classes)},
    }
    return dataset


def read_columns(
    path: Path, fmt: str, tree: str | None, names: list[str], header: list[str] | None = None
) -> tuple[dict[str, np.ndarray], str | None]:
    """The named columns of the file as arrays (ROOT: of its TTree, whose name is returned too).

    `header` names the columns of a CSV file without a header row (`data.columns`, in file order);
    otherwise a CSV file's first row names them, stripped of padding (" pt" is `pt`)."""
    if fmt == "csv":
        readers: dict = {"csv": lambda p, t, n: _read_csv(p, t, n, header)}
    else:
        readers = {"parquet": _read_parquet, "npz": _read_npz, "root": _read_root}
    try:
        return readers[fmt](path, tree, names)
    except (InvalidDataError, SpecError):
        raise
    except Exception as exc:  # each library raises its own types for a file that is not of its format
        raise InvalidDataError(
            f"{path} could not be read as {fmt} ({type(exc).__name__}: {exc}); check the file and data.format"
        ) from None


def _read_csv(path: Path, tree: str | None, names: list[str], columns: list[str] | None) -> tuple[dict, None]:
    import pandas as pd

    first = pd.read_csv(path, nrows=1, header=None, dtype=str, keep_default_na=False)
    first_row = [str(v).strip() for v in first.iloc[0]] if len(first) else []
    if columns is not None:  # no header row: data.columns names the columns, the first row is data
        if set(names) <= set(first_row):
            raise InvalidDataError(
                f"data.columns: {path} has a header row ({_listed(first_row)}); data.columns is for a CSV "
                "file without one: leave it out"
            )
        if len(first_row) != len(columns):
            raise InvalidDataError(
                f"data.columns names {len(columns)} columns; {path} has {len(first_row)} "
                f"(first row: {_listed(first_row)}): name every column, in the file's order"
            )
        frame = pd.read_csv(path, header=None, names=columns, usecols=names, skipinitialspace=True)
        return {n: frame[n].to_numpy() for n in names}, None
    header = _header_names(first_row)
    if missing := [n for n in names if n not in header]:
        rows = sum(1 for _ in path.open()) - 1
        if len(missing) == len(names) and any(_parses_as_number(h) for h in header):
            raise InvalidDataError(
                f"{path} has no header row (its first row holds numbers: {_listed(header)}); name its "
                f"{len(header)} columns in the file's order with data.columns: [...]"
            )
        raise InvalidDataError(_missing(path, missing, header, rows))
    frame = pd.read_csv(path, header=0, names=header, usecols=names, skipinitialspace=True)
    return {n: frame[n].to_numpy() for n in names}, None


def _header_names(cells: list[str]) -> list[str]:
    """Column names from a CSV header row's cells, already stripped of padding (" pt" is `pt`), named as
    pandas names them otherwise: an empty cell i is `Unnamed: i`, a repeated name `a` is `a.1`, `a.2`."""
    names: list[str] = []
    for i, cell in enumerate(cells):
        name = cell or f"Unnamed: {i}"
        if name in names:
            name = next(f"{name}.{k}" for k in range(1, len(cells) + 1) if f"{name}.{k}" not in names)
        names.append(name)
    return names


def _listed(values: list[str]) -> str:
    return ", ".join(values[:MAX_LISTED]) + (" ..." if len(values) > MAX_LISTED else "")


def _parses_as_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _read_parquet(path: Path, tree: str | None, names: list[str]) -> tuple[dict, None]:
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(path)
    available = parquet.schema_arrow.names
    if missing := [n for n in names if n not in available]:
        raise InvalidDataError(_missing(path, missing, available, parquet.metadata.num_rows))
    table = parquet.read(columns=names)
    return {n: _stack(table.column(n).to_numpy(zero_copy_only=False)) for n in names}, None


def _read_npz(path: Path, tree: str | None, names: list[str]) -> tuple[dict, None]:
    with np.load(path, allow_pickle=False) as data:
        available = list(data.files)
        if missing := [n for n in names if n not in available]:
            rows = len(data[available[0]]) if available else 0
            raise InvalidDataError(_missing(path, missing, available, rows, "arrays"))
        try:
            return {n: data[n] for n in names}, None
        except ValueError as exc:  # object arrays need pickles, which are never loaded
            raise InvalidDataError(
                f"{path}: {exc}. Save numeric arrays (np.savez with numbers or fixed-width strings)"
            ) from None


def _read_root(path: Path, tree: str | None, names: list[str]) -> tuple[dict, str]:
    import uproot

    with uproot.open(path) as root:
        trees = sorted({key.split(";")[0] for key, cls in root.classnames().items() if cls in TREE_CLASSES})
        if tree is None:
            if len(trees) != 1:
                raise InvalidDataError(
                    f"{path} holds {len(trees)} trees (TTree or RNTuple: {', '.join(trees) or 'none'}); "
                    "name one with data.tree"
                )
            tree = trees[0]
        elif tree not in trees:
            raise InvalidDataError(
                f"data.tree: {path} has no TTree or RNTuple {tree!r}; it has: {', '.join(trees) or 'none'}"
            )
        ttree = root[tree]
        available = list(ttree.keys())  # branches (TTree) or fields (RNTuple)
        if missing := [n for n in names if n not in available]:
            raise InvalidDataError(
                _missing(f"{path} (tree {tree})", missing, available, ttree.num_entries, "branches")
            )
        arrays = ttree.arrays(names, library="np")
    return {n: _stack(arrays[n], f"{path} (tree {tree})", n) for n in names}, tree


def _stack(column: np.ndarray, origin: str = "", name: str = "") -> np.ndarray:
    """An object column of equal-length arrays (ROOT/Parquet fixed-size arrays) as one 2-D array;
    variable-length (jagged) entries cannot be features of a fixed-width firmware input."""
    if column.dtype != object or len(column) == 0 or not isinstance(column[0], np.ndarray | list):
        return column
    lengths = {len(entry) for entry in column}
    if len(lengths) > 1:
        raise InvalidDataError(
            f"{origin}: {name!r} holds variable-length entries ({min(lengths)} to {max(lengths)} values per "
            f"row, {len(column)} rows); firmware inputs have a fixed width: select or pad them (e.g. the "
            "leading k values) into fixed columns"
        )
    return np.stack([np.asarray(entry) for entry in column])


def _missing(origin: object, missing: list[str], available: list[str], rows: int, what="columns") -> str:
    listed = ", ".join(available[:MAX_LISTED]) + (" ..." if len(available) > MAX_LISTED else "")
    close = {name: difflib.get_close_matches(name, available, n=1) for name in missing}
    hints = "; ".join(f"did you mean {near[0]!r} for {name!r}?" for name, near in close.items() if near)
    return (
        f"{origin}: no {what} {', '.join(map(repr, missing))} among its {len(available)} {what} "
        f"({rows} rows): {listed}" + (f" ({hints})" if hints else "")
    )


def _features(columns: dict[str, np.ndarray], names: list[str], origin: str) -> tuple[np.ndarray, list[str]]:
    """The feature matrix (rows x features) and its feature names, 2-D columns expanded in place."""
    blocks, feature_names = [], []
    for name in names:
        column = columns[name]
        if column.dtype.kind not in "biuf":
            raise InvalidDataError(_not_numeric(column, name, origin))
        if column.ndim == 1:
            blocks.append(column[:, None])
            feature_names.append(name)
        elif column.ndim == 2:
            blocks.append(column)
            feature_names += [f"{name}[{i}]" for i in range(column.shape[1])]
        else:
            raise InvalidDataError(
                f"{origin}: {name!r} has shape {column.shape}; features are 1-D columns or 2-D (rows x k)"
            )
    return np.concatenate(blocks, axis=1).astype(np.float64), feature_names


def _not_numeric(column: np.ndarray, name: str, origin: str) -> str:
    """Why feature `name` is not numeric: the rows whose value is not a number (counted, the first one
    named by its row, 1 = the first data row), or the column's type when every row is of it."""
    import pandas as pd

    fix = "firmware inputs are numbers: encode it or leave it out of data.features"
    if column.dtype.kind not in "OUS" or column.ndim != 1:
        return (
            f"{origin}: feature column {name!r} is {column.dtype}, not numeric, in all {len(column)} rows; "
            f"{fix}"
        )
    values = pd.Series(column)
    bad = np.flatnonzero(pd.to_numeric(values, errors="coerce").isna().to_numpy() & values.notna().to_numpy())
    if len(bad) == 0:
        return (
            f"{origin}: feature column {name!r} holds numbers stored as text ({column.dtype}) in its "
            f"{len(column)} rows; store it as a numeric column"
        )
    return (
        f"{origin}: feature column {name!r} is not numeric in {len(bad)} of {len(column)} rows (e.g. row "
        f"{bad[0] + 1}: {column[bad[0]]!r}); {fix}"
    )


def encode_labels(column: np.ndarray, name: str, origin: str) -> tuple[np.ndarray, list[str]]:
    """Class indices 0, 1, ... in the sorted order of the label's distinct values, and their names."""
    values = np.asarray(column)
    n = len(values)
    if values.ndim != 1:
        raise InvalidDataError(f"{origin}: label {name!r} has shape {values.shape}; it must be one column")
    if values.dtype == object:
        missing = int(sum(v is None or (isinstance(v, float) and np.isnan(v)) for v in values))
        if missing:
            raise InvalidDataError(_missing_labels(origin, name, missing, n))
        values = values.astype(str)
    elif values.dtype.kind == "f":
        missing = int(np.sum(~np.isfinite(values)))
        if missing:
            raise InvalidDataError(_missing_labels(origin, name, missing, n))
        fractional = values != np.round(values)
        if fractional.any():
            raise InvalidDataError(
                f"{origin}: label {name!r} holds non-integer values in {int(fractional.sum())} of {n} rows "
                f"(e.g. {values[fractional][0]!r}); a class label is an integer, boolean or string"
            )
        values = values.astype(np.int64)
    classes, y = np.unique(values, return_inverse=True)
    if len(classes) < 2:
        raise InvalidDataError(
            f"{origin}: label {name!r} holds a single class ({classes[0]!r}) in all {n} rows; a classifier "
            "needs at least two"
        )
    return y.astype(np.int64), [str(c) for c in classes.tolist()]


def _missing_labels(origin: str, name: str, missing: int, n: int) -> str:
    return f"{origin}: label {name!r} is missing (NaN or empty) in {missing} of {n} rows; drop those rows"
