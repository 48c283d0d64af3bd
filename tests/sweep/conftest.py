"""Helpers for sweep tests: sweep YAML files written from dicts, around small, quick design points;
a PostgreSQL server for the multi-worker tests (started by .ci/run, or else one per session; a database
per test)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests import postgres as postgres_cluster
from tests.conftest import ROOT
from tests.postgres import Cluster

DESIGNS = ROOT / "designs"

#: A jet MLP that trains in ~2 s and verifies 300 vectors: the sweeps' logic, not the models, is tested.
TINY_NN = {"data.n_samples": 3000, "training.epochs": 2, "verify.vectors": 300}
TINY_BDT = {"data.n_samples": 3000, "model.n_trees": 3, "model.max_depth": 2, "verify.vectors": 300}


TINY_SPACE = {
    "model.hidden": {
        "type": "list",
        "length": {"type": "int", "low": 1, "high": 2},
        "item": {"type": "int", "low": 4, "high": 8, "step": 4},
    },
    "model.weight_bits": {"type": "int", "low": 3, "high": 6},
    "firmware.reuse_factor": {"type": "categorical", "choices": [1, 2]},
}

#: The shared small study (the `tiny_study` fixture): 5 random trials, promotion from the third on, a
#: 30 ns budget some designs miss, the front verified on Verilator.
TINY_STUDY = dict(
    name="tiny",
    seed=3,
    trials=5,
    sampler="random",
    budget_us=0.03,
    space=TINY_SPACE,
    promotion={"fidelity": "verify", "near": 0.0, "max": 2, "after": 2, "verify_front": True},
)


def run_sweep(folder: Path, *extra: str, **fields) -> tuple[Path, Path]:
    """Write a sweep from `fields` into `folder` and run it with `harness sweep`; (spec, results)."""
    from harness.cli import main

    spec = write_sweep(folder, **fields)
    results = folder / "results"
    assert main(["sweep", str(spec), "--results", str(results), *extra]) == 0
    return spec, results


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
    """The PostgreSQL server .ci/run started (`HARNESS_TEST_POSTGRES`: its folder), or else one in a
    temporary folder on a free loopback port, stopped after the session. Missing server binaries fail
    the tests that need it (they must not pass by being skipped)."""
    started = os.environ.get("HARNESS_TEST_POSTGRES")
    if started:
        yield postgres_cluster.read(Path(started))
        return
    try:
        with postgres_cluster.throwaway_cluster() as cluster:
            yield cluster
    except postgres_cluster.PostgresUnavailable as exc:
        pytest.fail(str(exc))


@pytest.fixture
def postgres_url(postgres: Cluster, request: pytest.FixtureRequest) -> str:
    """A new, empty database for this test; its Optuna storage URL."""
    return postgres.create_database(re.sub(r"[^a-z0-9]+", "_", request.node.name.lower())[:60])
