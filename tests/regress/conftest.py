"""Small golden designs taken through the real flow twice: once for their baselines (`harness regress
--update`), and once after a change (a weight bit of the MLP flipped, a threshold of the BDT moved, a
recorded tool version of a third design edited). Each run is shared by the tests that judge it.

The changes are made where they would come from: the trained models in the trained-model cache (as a
retrained model with one different weight or threshold would be) and the baseline file (as one taken
under an older Yosys would be). The caches are private to these tests (`HARNESS_CACHE`), so nothing
edited here reaches another run.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import yaml

from harness.cache import training_key
from harness.cli import main
from harness.regress.baseline import Baseline, load_baseline
from harness.regress.golden import GoldenDesign, discover
from harness.regress.run import Observation
from harness.regress.session import run_designs

from ..conftest import ROOT

#: Small but real: a 16-6-5 jet MLP (4-bit) on da4ml and two track-quality forests of 4 trees.
GOLDEN = {
    "nn": {
        "design": str(ROOT / "designs" / "jet_mlp.yaml"),
        "set": {
            "data.n_samples": 3000,
            "data.test_fraction": 0.4,
            "model.hidden": [6],
            "model.weight_bits": 4,
            "model.activation_bits": 4,
            "training.epochs": 2,
            "firmware.input_precision": "ap_fixed<10,4>",
            "verify.vectors": 1000,
        },
    },
    "bdt": {
        "design": str(ROOT / "designs" / "track_quality_bdt.yaml"),
        "set": {
            "data.n_samples": 3000,
            "data.test_fraction": 0.4,
            "model.n_trees": 4,
            "model.max_depth": 3,
            "verify.vectors": 1000,
        },
    },
}
GOLDEN["bdt_tools"] = {"design": GOLDEN["bdt"]["design"], "set": {**GOLDEN["bdt"]["set"], "seed": 7}}
VECTORS = 1000
#: The MLP's flipped weight: bit 2 (worth 0.5) of the 4-bit code of fc1's weight from input 0 to unit 0.
FLIPPED_BIT = 2
#: The BDT's moved threshold: the root of its first tree, by 0.5 (standardised feature units).
THRESHOLD_SHIFT = 0.5
#: The Yosys version the edited baseline claims it was taken with.
OLD_YOSYS = "0.60.0.0.post1"
#: The BDT generator's estimate source as baselines recorded it before it said `estimate: ` first.
OLD_ESTIMATE_SOURCE = (
    "harness.bdt.rtl generator model (LUTs per comparator/mux/adder bit fitted to Yosys; ff = register bits "
    "of the netlist, of which Yosys packs delay lines into SRL16E; latency from the pipeline plan)"
)


@contextmanager
def private_cache(path: Path) -> Iterator[None]:
    """HARNESS_CACHE=path for this process and the design processes it spawns."""
    before = os.environ.get("HARNESS_CACHE")
    os.environ["HARNESS_CACHE"] = str(path)
    try:
        yield
    finally:
        if before is None:
            del os.environ["HARNESS_CACHE"]
        else:
            os.environ["HARNESS_CACHE"] = before


def write_golden(root: Path, designs: dict[str, dict]) -> Path:
    for name, golden in designs.items():
        (root / name).mkdir(parents=True, exist_ok=True)
        (root / name / "golden.yaml").write_text(yaml.safe_dump(golden))
    return root


@dataclass
class Baselined:
    root: Path

    @property
    def golden(self) -> Path:
        return self.root / "golden"

    @property
    def cache(self) -> Path:
        return self.root / "cache"


@dataclass
class Changed:
    """The second run, after the changes, with everything its judgement needs."""

    goldens: list[GoldenDesign]
    baselines: dict[str, Baseline | None]
    observations: dict[str, Observation | str]
    flipped: dict  # {"nn": (old, new weight code), "bdt": (old, new threshold)}


@pytest.fixture(scope="session")
def baselined(tmp_path_factory) -> Baselined:
    """`harness regress --update` over the three small designs, in a private cache."""
    done = Baselined(tmp_path_factory.mktemp("regress"))
    write_golden(done.golden, GOLDEN)
    args = [
        "regress",
        "--update",
        "--jobs",
        "2",
        "--golden",
        str(done.golden),
        "--out",
        str(done.root / "run1"),
    ]
    with private_cache(done.cache):
        assert main(args) == 0
    return done


@pytest.fixture(scope="session")
def changed(baselined, tmp_path_factory) -> Changed:
    """The designs again (real flow), after the MLP's weight bit, the BDT's threshold and the third
    design's recorded Yosys version and estimate source were changed."""
    golden = tmp_path_factory.mktemp("changed") / "golden"
    shutil.copytree(baselined.golden, golden)  # the changed baseline stays out of the first run's folder
    goldens = {g.name: g for g in discover(golden)}
    flipped = {
        "nn": flip_weight_bit(goldens["nn"], baselined.cache, golden.parent / "keras"),
        "bdt": move_threshold(goldens["bdt"], baselined.cache),
    }
    baseline = json.loads(goldens["bdt_tools"].baseline_path.read_text())
    baseline["tools"]["yosys"] = OLD_YOSYS
    baseline["sources"]["estimate"] = OLD_ESTIMATE_SOURCE
    baseline["design_hash"] = "0" * 16  # the design hash covers the tool versions
    goldens["bdt_tools"].baseline_path.write_text(json.dumps(baseline, indent=2))
    baselines = {name: load_baseline(g) for name, g in goldens.items()}
    with private_cache(baselined.cache):
        observations = run_designs(list(goldens.values()), baselines, golden.parent / "run2", jobs=2)
    return Changed(list(goldens.values()), baselines, observations, flipped)


def train_entry(golden: GoldenDesign, cache: Path, module) -> Path:
    entry = cache / "train" / training_key(golden.spec(), module.__file__)
    assert (entry / "entry.json").exists(), "the first run stored the trained model"
    return entry


def flip_weight_bit(golden: GoldenDesign, cache: Path, scratch: Path) -> tuple[int, int]:
    """Flip one bit of one quantised weight of the cached MLP (fc1, input 0 -> unit 0)."""
    from harness.nn import train

    spec = golden.spec()
    entry = train_entry(golden, cache, train)
    model, _ = train.load_model(spec, entry, scratch)
    layer = model.get_layer("fc1")
    kernel, bias = layer.get_weights()
    bits = spec.model.weight_bits
    step = 2.0 ** -(bits - 1 - spec.model.weight_integer_bits)
    codes = np.round(np.asarray(layer.kernel_quantizer_internal(kernel)) / step).astype(int)
    old = int(codes[0, 0])
    unsigned = (old & ((1 << bits) - 1)) ^ (1 << FLIPPED_BIT)
    new = unsigned - (1 << bits) if unsigned >= 1 << (bits - 1) else unsigned
    kernel[0, 0] = new * step  # on the quantiser's grid: the firmware weight is exactly this code
    layer.set_weights([kernel, bias])
    train.save_model(model, entry)
    return old, new


def move_threshold(golden: GoldenDesign, cache: Path) -> tuple[float, float]:
    """Move the root threshold of the cached forest's first tree."""
    from harness.bdt import train

    path = train_entry(golden, cache, train) / train.MODEL_FILE
    model = json.loads(path.read_text())
    conditions = model["learner"]["gradient_booster"]["model"]["trees"][0]["split_conditions"]
    old = float(conditions[0])
    conditions[0] = old + THRESHOLD_SHIFT
    path.write_text(json.dumps(model))
    return old, conditions[0]
