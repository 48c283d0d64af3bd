"""Optuna samplers by the names a sweep spec gives them (`sampler: tpe | nsga2 | random | gp`)."""

from __future__ import annotations

import warnings
from typing import Any

from harness.spec import SpecError


def make_sampler(name: str, seed: int, trials: int) -> Any:
    """The sampler `name` seeded with `seed`; GP needs PyTorch (the `gp` extra).

    TPE and GP start with random trials: a quarter of the study (2 to 10), not Optuna's fixed 10,
    so a 20-trial sweep spends 15 of its trials on the model-based search.
    """
    import optuna

    startup = min(10, max(2, trials // 4))
    if name == "tpe":
        with warnings.catch_warnings():  # `multivariate` and `group` are "experimental" since Optuna 2.2
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            return optuna.samplers.TPESampler(
                seed=seed, multivariate=True, group=True, n_startup_trials=startup
            )
    if name == "nsga2":
        return optuna.samplers.NSGAIISampler(seed=seed, population_size=max(4, min(50, trials // 3)))
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    try:
        import torch  # noqa: F401
    except ImportError:
        raise SpecError(
            "sampler: gp needs PyTorch, which is not installed; `pip install 'fpga-ml-harness[gp]'` "
            "(or choose tpe, nsga2 or random)"
        ) from None
    return optuna.samplers.GPSampler(seed=seed, n_startup_trials=startup)
