"""hls4ml options that change how Dense weights are stored or summed, bit-exact in the open RTL.

hls4ml's Resource strategies store a Dense layer's weights transposed, (n_out, n_in)
(`_weights_transposed`), and sum each output's products in another order than input by input. The
bridge used to read them as Latency weights: a pretrained QKeras 16 -> 16 layer with `strategy:
Resource` at RF 1 gave RTL that mismatched almost every word, and a 16 -> 64 layer crashed the RTL
stage (`Matrix shapes do not match`). Here every strategy the RTL reads (Latency, Resource,
resource_unrolled; model-wide and per layer) with both io types is checked bit for bit against
hls4ml's C simulation, for each arithmetic (da, mac, auto) at several reuse factors; strategies it
cannot read are refused naming the layer.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from harness.flow import prepare, simulate
from harness.nn.bridge import trace
from harness.nn.rtl import rtl
from harness.nn.types import UnsupportedModelError
from harness.sim import SimJob, VerilatorSimulator
from harness.spec import load
from harness.stages import Converted

from ..conftest import ROOT
from .conftest import pretrained_spec, qkeras_mlp, save_pretrained, small_hls_model
from .test_bridge import CASES, _compare
from .test_mac import _vectors

SIZES = (8, 8, 12, 4)  # a square layer (a transposition keeps its shape) and two non-square ones
DENSE = ("dense_0", "dense_1", "dense_2")
#: Products truncated into narrow wrapping accumulators; round-half-even saturating activations.
PRECISIONS = {
    name: {"weight": "fixed<8,3>", "bias": "fixed<8,3>", "accum": "fixed<14,6>", "result": "fixed<14,6>"}
    for name in DENSE
} | {f"relu_{i}": {"result": "ufixed<8,3,RND_CONV,SAT>"} for i in range(2)}


def _all(**options) -> dict[str, dict]:
    return {name: dict(options) for name in DENSE}


#: name -> (per-layer hls4ml options, io type, expected hls4ml strategy per dense layer)
MODELS = {
    "latency": ({}, "io_parallel", ["latency"] * 3),
    "resource": (_all(Strategy="Resource"), "io_parallel", ["resource"] * 3),
    "resource_unrolled": (
        _all(Strategy="resource_unrolled", ReuseFactor=2),
        "io_parallel",
        ["resource_unrolled"] * 3,
    ),
    "mixed_per_layer": (
        {"dense_0": {"Strategy": "Resource", "ReuseFactor": 4}, "dense_2": {"Strategy": "Resource"}},
        "io_parallel",
        ["resource", "latency", "resource"],
    ),
    "resource_io_stream": (_all(Strategy="Resource", ReuseFactor=2), "io_stream", ["resource"] * 3),
    "latency_io_stream": ({}, "io_stream", ["latency"] * 3),
}
#: (arithmetic, reuse factor) points of the RTL; reuse factors valid for 8x8, 8x12 and 12x4 layers.
POINTS = [("da", 1), ("mac", 1), ("mac", 2), ("mac", 4), ("auto", 1), ("auto", 4)]
#: The points run without `-m slow` (one Verilator build each); the rest of the matrix is marked slow.
#: (da4ml at RF 1 on a Resource model runs without `-m slow` in the pretrained-model test below.)
FAST = {("resource_unrolled", "mac", 4)}


class Models:
    """Each strategy model converted (and compiled) once; each distinct Verilog simulated once."""

    def __init__(self, root: Path, toolchain) -> None:
        self.root, self.toolchain, self.models, self.sims = root, toolchain, {}, {}
        self.x = np.random.default_rng(7).normal(0, 2, size=(2000, SIZES[0])).astype(np.float32)

    def __getitem__(self, name: str):
        if name not in self.models:
            options, io_type, _ = MODELS[name]
            seed = sorted(MODELS).index(name)
            self.models[name] = small_hls_model(
                self.root / name, seed, SIZES, PRECISIONS, layer_options=options, io_type=io_type
            )
        return self.models[name]

    def simulate(self, name: str, arithmetic: str, reuse: int):
        """The RTL stage's design for this point, and its Verilator comparison with the C simulation."""
        hls_model = self[name]
        spec = load(
            ROOT / "designs" / "jet_mlp.yaml",
            [f"firmware.arithmetic={arithmetic}", f"firmware.reuse_factor={reuse}"],
        )
        out = self.root / name / f"{arithmetic}{reuse}"
        design = rtl(spec, Converted(model=hls_model, input_types=[], output_types=[]), out, None)
        key = hashlib.sha256(b"".join(Path(p).read_bytes() for p in design.sources)).hexdigest()
        if key not in self.sims:  # `auto` writes exactly the Verilog of the generator it picks
            job = SimJob(design.top, design.sources, out / "sim", _vectors(hls_model, self.x))
            self.sims[key] = VerilatorSimulator(self.toolchain).run(job)
        return design, self.sims[key]


@pytest.fixture(scope="module")
def models(tmp_path_factory, toolchain) -> Models:
    return Models(tmp_path_factory.mktemp("strategies"), toolchain)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_hls4ml_applies_the_layout_under_test(models, name):
    """The inputs are what they claim: the strategies (and transposed weights) hls4ml really applied,
    and the same function as the Latency model's C simulation (so one bridge must serve all)."""
    hls_model = models[name]
    dense = [layer for layer in hls_model.get_layers() if layer.class_name == "Dense"]
    assert [layer.get_attr("strategy") for layer in dense] == MODELS[name][2]
    assert [bool(layer.get_attr("_weights_transposed", False)) for layer in dense] == [
        s != "latency" for s in MODELS[name][2]
    ]
    assert hls_model.config.get_config_value("IOType") == MODELS[name][1]


@pytest.mark.parametrize("name", sorted(MODELS))
def test_bridge_trace_is_exact_for_every_layout(models, name):
    """da4ml's interpreter of the traced computation (the graph its Verilog is written from) against
    the C simulation: integers compared on 2000 vectors x 4 outputs."""
    expected, got = _compare(models[name], trace(models[name]), models.x)
    assert expected.shape == (2000, 4) and len(np.unique(expected)) > 50
    assert int((expected != got).sum()) == 0


@pytest.mark.parametrize(
    ("name", "arithmetic", "reuse"),
    [
        pytest.param(n, a, r, marks=() if (n, a, r) in FAST else pytest.mark.slow, id=f"{n}-{a}-rf{r}")
        for n in sorted(MODELS)
        for a, r in POINTS
    ],
)
def test_rtl_bit_exact_on_verilator(models, name, arithmetic, reuse):
    design, sim = models.simulate(name, arithmetic, reuse)
    assert design.info["arithmetic"] == ("da" if (arithmetic, reuse) in (("da", 1), ("auto", 1)) else "mac")
    comparison = sim.comparison
    assert comparison.vectors == 2000
    assert comparison.mismatched_words == 0, comparison.summary()
    assert sim.ii_cycles == reuse


@pytest.mark.parametrize("width", [16, pytest.param(64, marks=pytest.mark.slow)])
def test_pretrained_qkeras_with_resource_strategy_is_bit_exact(width, toolchain, tmp_path):
    """The issue's inputs through the flow: a pretrained QKeras 16 -> width -> 5 MLP, `strategy: Resource`
    at RF 1 with the default arithmetic (auto, so da4ml). Before the fix, width 16 mismatched almost
    every word and width 64 crashed the RTL stage."""
    arch, weights = save_pretrained(qkeras_mlp((16, width, 5), seed=width), tmp_path / "model")
    spec = pretrained_spec(f"resource{width}", arch, weights, {"strategy": "Resource"})
    point = prepare(spec, tmp_path / "run", toolchain)
    dense = [layer for layer in point.converted.model.get_layers() if layer.class_name == "Dense"]
    assert [(d.get_attr("strategy"), d.get_attr("_weights_transposed")) for d in dense] == [
        ("resource", True)
    ] * 2
    assert point.rtl.info["arithmetic"] == "da"
    comparison = simulate(point, toolchain).comparison
    assert comparison.vectors == 3000 and len(np.unique(point.emulation.output_codes)) > 100
    assert comparison.mismatched_words == 0, comparison.summary()


def test_resource_order_with_a_saturating_accumulator_is_refused(tmp_path):
    """Resource strategies sum in another order; where a saturating accumulator can saturate, that order
    decides the bits, so the bridge refuses (naming the layer) instead of summing input by input."""
    hls_model = small_hls_model(
        tmp_path,
        0,
        (6, 12, 4),
        CASES["saturating_accumulator"],
        layer_options={"dense_0": {"Strategy": "Resource"}},
        compile=False,
    )
    with pytest.raises(
        UnsupportedModelError, match=r"layer dense_0: accumulator ap_fixed<10,3,RND,SAT> can saturate"
    ):
        trace(hls_model)


def test_strategy_the_rtl_cannot_read_is_refused(tmp_path):
    """hls4ml's own distributed-arithmetic kernel (its C simulation differs from the Latency model's):
    refused naming the layer and the supported strategies, before any RTL is written."""
    options = {"dense_1": {"Strategy": "distributed_arithmetic"}}
    hls_model = small_hls_model(tmp_path, 0, (6, 12, 4), {}, layer_options=options, compile=False)
    spec = load(ROOT / "designs" / "jet_mlp.yaml", ["firmware.arithmetic=auto"])
    converted = Converted(model=hls_model, input_types=[], output_types=[])
    pattern = r"layer dense_1: hls4ml strategy 'distributed_arithmetic' is hls4ml's own .*Latency, Resource"
    with pytest.raises(UnsupportedModelError, match=pattern):
        trace(hls_model)
    with pytest.raises(UnsupportedModelError, match=pattern):
        rtl(spec, converted, tmp_path / "rtl", None)
    assert not (tmp_path / "rtl").exists()
