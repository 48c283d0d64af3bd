"""Data sets behind one small interface: a name and a `DataSpec` in, a `Dataset` (train/val/test
arrays, `harness.data.dataset`) out.

Each data set lives in its own module with a `load(spec: DataSpec, seed: int, base_dir: Path) ->
Dataset` function (`base_dir`: the design file's folder, which a relative `data.path` is read from) and,
for a built-in one, its `FEATURES` and `CLASSES`; `DATASETS` maps each name to its module, and `load`
here looks the name up.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from harness.data import files, jets, tracks
from harness.data.dataset import (
    Dataset,
    DataUnavailableError,
    InvalidDataError,
    split_and_standardise,
)
from harness.spec import DataSpec, SpecError

__all__ = [
    "DATASETS",
    "DataUnavailableError",
    "Dataset",
    "InvalidDataError",
    "known_shape",
    "load",
    "split_and_standardise",
]

#: data.name -> the module that loads it.
DATASETS: dict[str, ModuleType] = {
    "jets-synthetic": jets,
    "jets-hlf": jets,
    "tracks-synthetic": tracks,
    "file": files,
}


def load(spec: DataSpec, seed: int, base_dir: Path = Path(".")) -> Dataset:
    """The data set `spec` names; a relative `data.path` is read from `base_dir` (the design's folder).

    Raises:
        SpecError: an unknown `data.name` (naming the valid ones), or the data set's own refusal
            (`DataUnavailableError`, `InvalidDataError`, a bad file).
    """
    module = DATASETS.get(spec.resolved_name)
    if module is None:
        raise SpecError(f"data.name: {spec.name!r} is not a known data set; valid: {', '.join(DATASETS)}")
    dataset: Dataset = module.load(spec, seed, base_dir)
    return dataset


def known_shape(spec: DataSpec) -> tuple[int, int] | None:
    """(features, classes) of a built-in data set, known before loading; None for a file (`file`), whose
    columns and classes are known only once it is read."""
    if spec.name == "file":
        return None
    module = DATASETS[spec.resolved_name]
    return len(module.FEATURES), len(module.CLASSES)
