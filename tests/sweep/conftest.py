"""Helpers for sweep tests: sweep YAML files written from dicts, around small, quick design points."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.conftest import ROOT

DESIGNS = ROOT / "designs"

#: A jet MLP that trains in ~2 s and verifies 300 vectors: the sweeps' logic, not the models, is tested.
TINY_NN = {"data.n_samples": 3000, "training.epochs": 2, "verify.vectors": 300}
TINY_BDT = {"data.n_samples": 3000, "model.n_trees": 3, "model.max_depth": 2, "verify.vectors": 300}


def write_sweep(folder: Path, name: str = "sweep", **fields) -> Path:
    """A sweep YAML in `folder`; `design` defaults to the jet MLP with the tiny settings."""
    raw = {"name": name, "seed": 0, "trials": 3}
    if "designs" not in fields:
        raw.update(design=str(DESIGNS / "jet_mlp.yaml"), set=dict(TINY_NN))
    raw.update(fields)
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path
