"""The training cache: a trained model is stored in the `train` store (`harness.store`) and loaded back
instead of trained again, keyed by everything that determines it (`training_key`). See `harness.store`
for where the stores live and how their entries are completed and locked.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from harness import numerics
from harness.spec import DesignSpec, package_version
from harness.stages import Stages, Trained
from harness.store import Store, digest

if TYPE_CHECKING:
    from harness.data import Dataset

#: The float model's scores on the test split, stored beside the model.
SCORES = "float_scores.npy"
#: Libraries whose version can change a trained model.
TRAINING_PACKAGES = (
    "numpy",
    "tensorflow",
    "qkeras",
    "tensorflow-model-optimization",
    "xgboost-cpu",
    "scikit-learn",
)
#: Spec sections that determine the trained model (firmware and verify settings do not).
TRAINING_SECTIONS = ("kind", "seed", "data", "model", "training")


def training_key(spec: DesignSpec, train_module_file: str) -> str:
    """What determines a trained model: the spec's training sections and input files, the training
    libraries' versions and CPU numerics settings (`harness.numerics`), and the source of the kind's
    training module and of `harness.data`."""
    spec_part = {k: v for k, v in spec.to_dict().items() if k in TRAINING_SECTIONS}
    data_dir = Path(__file__).parent / "data"
    code = [Path(train_module_file), *sorted(data_dir.glob("*.py"))]
    return digest(
        {
            "spec": spec_part,
            "files": spec.file_digests(),
            "versions": {pkg: package_version(pkg) for pkg in TRAINING_PACKAGES},
            "numerics": numerics.settings(),
            "code": {p.name: digest(p.read_bytes()) for p in code},
        }
    )


def train(stages: Stages, spec: DesignSpec, dataset: Dataset, out_dir: Path) -> Trained:
    """`stages.train` through the `train` store: a complete entry is loaded (model, float scores on the
    test split, training info), otherwise the model is trained and stored when the kind can save it
    (`Stages.save_model` returns False for scikit-learn forests, which would need a pickle). A pretrained
    model is loaded from its own files, never stored: nothing was trained, and some (ONNX) have no Keras
    form to store."""
    store = Store.named("train")
    pretrained = getattr(spec.model, "pretrained", None) is not None
    if store is None or pretrained or stages.save_model is None or stages.load_model is None:
        return stages.train(spec, dataset, out_dir)
    train_file = sys.modules[stages.train.__module__].__file__
    assert train_file is not None, f"{stages.train.__module__} is loaded from a source file"
    key = training_key(spec, train_file)
    with store.lock(key) as folder:
        meta = store.complete(key)
        if meta is not None:
            print(f"[{spec.name}] trained model from the cache: {folder}", flush=True)
            model, located = stages.load_model(spec, folder, out_dir)
            scores = np.load(folder / SCORES, allow_pickle=False)
            return Trained(model, scores, {**meta["info"], **located, "train_cache": str(folder)})
        trained = stages.train(spec, dataset, out_dir)
        if stages.save_model(trained.model, folder):
            np.save(folder / SCORES, np.asarray(trained.float_scores), allow_pickle=False)
            store.finish(key, {"design": spec.name, "design_hash": spec.design_hash(), "info": trained.info})
        return trained
