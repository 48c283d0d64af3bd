"""Helpers for sweep tests: sweep YAML files written from dicts, around small, quick design points;
a throw-away PostgreSQL server for the multi-worker tests (one per session, a database per test)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT
from tests.postgres import Cluster, PostgresUnavailable, throwaway_cluster

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


@pytest.fixture(scope="session")
def postgres() -> Iterator[Cluster]:
    """A PostgreSQL server in a temporary folder on a free loopback port, stopped after the session.
    Missing server binaries fail the tests that need it (they must not pass by being skipped)."""
    try:
        with throwaway_cluster() as cluster:
            yield cluster
    except PostgresUnavailable as exc:
        pytest.fail(str(exc))


@pytest.fixture
def postgres_url(postgres: Cluster, request: pytest.FixtureRequest) -> str:
    """A new, empty database for this test; its Optuna storage URL."""
    return postgres.create_database(re.sub(r"[^a-z0-9]+", "_", request.node.name.lower())[:60])
