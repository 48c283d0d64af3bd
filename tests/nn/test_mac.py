"""The time-multiplexed MAC generator (harness.nn.mac) on Verilator, judged by hls4ml's C simulation.

Small real hls4ml models (6 -> 12 -> 4) check the arithmetic across types, rounding and overflow modes
and awkward reuse factors quickly; the jet designs check it at full size on >= 10 000 vectors, with the
measured II and latency, and the Yosys table shows the DSP count falling as 1/RF.
"""

from __future__ import annotations

import copy
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from harness.fixed import FixedType
from harness.nn.mac import write_mac
from harness.nn.mac_schedule import feeds, from_hls4ml, schedule
from harness.nn.types import UnsupportedModelError
from harness.sim import SimJob, StreamVectors, VerilatorSimulator

from .conftest import small_hls_model
from .test_bridge import CASES

#: Every rounding mode but RND (in CASES) and every overflow mode, with saturating accumulators that are
#: wide enough never to saturate (|x| <= 8, |w| <= 2, 6 inputs; then |x| <= 4, 12 inputs).
ALL_MODES = {
    "dense_0": {
        "weight": "fixed<8,2>",
        "bias": "fixed<8,2>",
        "accum": "fixed<22,10,RND_INF,SAT>",
        "result": "fixed<9,3,RND_ZERO,SAT_SYM>",
    },
    "relu_0": {"result": "ufixed<7,2,RND_MIN_INF,SAT_ZERO>"},
    "dense_1": {
        "weight": "fixed<8,2>",
        "bias": "fixed<8,2>",
        "accum": "fixed<18,8,TRN_ZERO,SAT>",
        "result": "fixed<8,3,RND_CONV,SAT_ZERO>",
    },
}

#: (precision case, reuse factors): valid by hls4ml's rule for 6 x 12 and 12 x 4 layers. Rounding and
#: overflow modes and saturating accumulators (all_modes), several outputs per multiplier (24, 12) and a
#: single multiplier for a whole layer (48). QKeras types and the dense one-output-per-multiplier
#: schedule are covered by the jet designs below, truncated products by the Resource-strategy test.
SMALL = {
    "all_modes-rf2-12": ("all_modes", {"dense_0": 2, "dense_1": 12}),
    "wrapping_results-rf24-48": ("wrapping_results", {"dense_0": 24, "dense_1": 48}),
}


def _precisions(case: str) -> dict:
    return ALL_MODES if case == "all_modes" else CASES[case]


def _vectors(hls_model, x: np.ndarray) -> StreamVectors:
    """Input codes as hls4ml sees them (float32 -> input_t) and its C simulation's output codes."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    layers = list(hls_model.get_layers())
    in_type = FixedType.from_hls4ml(layers[0].get_output_variable().type.precision)
    out_type = FixedType.from_hls4ml(hls_model.get_output_variables()[0].type.precision)
    y = np.asarray(hls_model.predict(x.astype(np.float64)), dtype=np.float64)  # doubles: every code
    expected = np.round(y * 2.0**out_type.frac).astype(np.int64)
    n_out = expected.shape[1]
    return StreamVectors(
        in_type.quantize(x),
        [in_type.width] * x.shape[1],
        [out_type.width] * n_out,
        [out_type.signed] * n_out,
        expected,
    )


# ------------------------------------------------------------------------------------------- schedule


@pytest.mark.parametrize("reuse", [1, 2, 3, 5, 8, 64])
def test_schedule_takes_every_nonzero_weight_once(reuse):
    rng = np.random.default_rng(reuse)
    codes = rng.integers(-31, 32, size=(16, 8)) * (rng.random((16, 8)) > 0.6)  # ~60 % exact zeros
    slots = schedule(codes, reuse)
    nonzero = np.count_nonzero(codes)
    assert len(slots) == math.ceil(nonzero / reuse)
    assert all(len(run) <= reuse for run in slots)
    taken = sorted((s.i, s.j, s.code) for run in slots for s in run)
    assert taken == sorted((i, j, int(codes[i, j])) for i, j in zip(*np.nonzero(codes), strict=True))
    # every (multiplier, cycle) feeds exactly one output, in one contiguous range per output
    spans = [
        (f.m, k) for per_output in feeds(slots, codes.shape[1]) for f in per_output for k in range(f.lo, f.hi)
    ]
    assert sorted(spans) == sorted((m, k) for m, run in enumerate(slots) for k in range(len(run)))


def test_dense_schedule_is_output_stationary():
    """Without zeros and with RF dividing n_in, each multiplier serves one output (as hls4ml's Resource
    strategy assigns them), so its products accumulate without any output selection."""
    codes = np.arange(1, 16 * 8 + 1).reshape(16, 8)
    for run in schedule(codes, 4):
        assert len({s.j for s in run}) == 1 and len(run) == 4


# ------------------------------------------------------------------------------- small models, Verilator


@pytest.mark.parametrize("name", sorted(SMALL))
def test_small_model_bit_exact_at_its_ii(name, tmp_path, toolchain):
    case, reuse = SMALL[name]
    seed = sorted(SMALL).index(name)
    hls_model = small_hls_model(tmp_path, seed, (6, 12, 4), _precisions(case))
    design = write_mac(hls_model, "small", tmp_path / "rtl", reuse)
    vectors = _vectors(hls_model, np.random.default_rng(seed).normal(0, 3, size=(2000, 6)))
    sim = VerilatorSimulator(toolchain).run(SimJob(design.top, design.sources, tmp_path / "sim", vectors))
    assert sim.comparison.exact, sim.comparison.summary()
    ii = max(reuse.values())
    assert sim.ii_cycles == ii == design.estimate["ii_cycles"]
    assert sim.latency_cycles == sim.latency_max_cycles == sum(r + 1 for r in reuse.values())
    assert design.estimate["dsp"] == sum(
        math.ceil(np.count_nonzero(d.codes) / d.reuse) for d in from_hls4ml(hls_model, "small", reuse).layers
    )
    assert len(np.unique(vectors.expected)) > 100  # the outputs span their type, wrapping or saturating


def test_resource_strategy_model_and_reuse_free_c_simulation(tmp_path, toolchain):
    """One C simulation judges every reuse factor: the same Keras model converted at RF 1 (Latency) and
    at RF 6/4 with hls4ml's Resource strategy (which stores the weights transposed and accumulates in
    another order) predicts the same bits, and the MAC design built from the Resource model matches it
    with products truncated into a narrow wrapping accumulator."""
    import hls4ml

    reuse = {"dense_0": 6, "dense_1": 4}
    base = small_hls_model(tmp_path / "latency", 5, (6, 12, 4), CASES["narrow_wrapping_accumulator"])
    config = copy.deepcopy(base.config.config["HLSConfig"])
    for name, rf in reuse.items():
        config["LayerName"][name].update(ReuseFactor=rf, Strategy="Resource")
    resource = hls4ml.converters.convert_from_keras_model(
        base.config.config["KerasModel"],
        hls_config=config,
        output_dir=str(tmp_path / "resource"),
        backend="Vitis",
        io_type="io_parallel",
    )
    resource.compile()
    dense = [layer for layer in resource.get_layers() if layer.class_name == "Dense"]
    assert [
        (d.get_attr("strategy"), d.get_attr("reuse_factor"), d.get_attr("_weights_transposed")) for d in dense
    ] == [("resource", 6, True), ("resource", 4, True)]
    x = np.random.default_rng(5).normal(0, 3, size=(2000, 6)).astype(np.float32)
    assert np.array_equal(base.predict(x), resource.predict(x))
    design = write_mac(resource, "small", tmp_path / "rtl", reuse)
    sim = VerilatorSimulator(toolchain).run(
        SimJob(design.top, design.sources, tmp_path / "sim", _vectors(resource, x))
    )
    assert sim.comparison.exact, sim.comparison.summary()
    assert sim.ii_cycles == 6


def test_saturating_accumulator_that_can_saturate_is_refused(tmp_path):
    """hls4ml sums in input order and a saturating accumulator makes that order visible; time
    multiplexing changes the order, so the generator refuses rather than build a different function."""
    hls_model = small_hls_model(tmp_path, 0, (6, 12, 4), CASES["saturating_accumulator"])
    with pytest.raises(
        UnsupportedModelError,
        match=r"layer dense_0: accumulator ap_fixed<10,3,RND,SAT> can "
        r"saturate .* range \[-512, 511\]",
    ):
        write_mac(hls_model, "small", tmp_path / "rtl", 2)


# ------------------------------------------------------------------------------- jet designs, full size

DESIGN = Path(__file__).resolve().parents[2] / "designs" / "jet_mlp.yaml"
#: Short training that still leaves 11 000 test events (20 000 x 0.55) for the >= 10 000 RTL vectors.
FAST = ["data.n_samples=20000", "data.test_fraction=0.55", "training.epochs=8", "firmware.arithmetic=mac"]
VARIANTS = {
    "6bit": [],
    # batch 128 gives the pruning schedule (which updates every 100 steps) enough steps to reach 80 %
    "4bit-pruned": [
        "model.weight_bits=4",
        "model.activation_bits=4",
        "model.pruning=0.8",
        "training.batch_size=128",
    ],
}
MIX = {"fc1": 4, "fc2": 8, "fc3": 2, "output": 1}
REUSE = {"rf1": 1, "rf2": 2, "rf4": 4, "rf8": 8, "mix": MIX, "rf16": 16}
#: The issue's bit-exact points, on both variants.
BIT_EXACT = ("rf1", "rf2", "rf4", "rf8", "mix")
#: Two points of the table, RF 8 and 16 (Yosys needs about 1.5 minutes for each on two cores; RF 2 takes
#: over 5); benchmarks/reuse_table.py makes the full RF 1..16 table in the docs (how-to/reuse-factor.md).
TABLE = ("rf8", "rf16")


def _per_layer(reuse: int | dict[str, int]) -> list[int]:
    return (
        [reuse.get(name, 1) for name in ("fc1", "fc2", "fc3", "output")]
        if isinstance(reuse, dict)
        else [reuse] * 4
    )


@dataclass
class Jet:
    """One trained and converted jet model, and its RTL runs by reuse factor (each built once)."""

    name: str
    overrides: list[str]
    out: Path
    toolchain: object
    data: object
    trained: object
    converted: object
    emulation: object
    runs: dict = field(default_factory=dict)

    def run(self, key: str):
        """The MAC design at REUSE[key] and its Verilator run against the C simulation."""
        if key not in self.runs:
            from harness.flow import DesignPoint, simulate
            from harness.nn.rtl import rtl
            from harness.spec import load

            spec = load(DESIGN, [*self.overrides, f"firmware.reuse_factor={json.dumps(REUSE[key])}"])
            out = self.out / key
            design = rtl(spec, self.converted, out / "rtl", self.toolchain)
            point = DesignPoint(
                spec, out, self.data, self.trained, self.converted, self.emulation, design, {}
            )
            self.runs[key] = (design, simulate(point, self.toolchain))
        return self.runs[key]


class Jets:
    """The jet models of this module, each trained and converted once, when a test first needs it.

    One conversion judges every reuse factor: hls4ml's C simulation does not depend on it (see
    test_resource_strategy_model_and_reuse_free_c_simulation)."""

    def __init__(self, root: Path, toolchain) -> None:
        self.root, self.toolchain, self.models = root, toolchain, {}

    def __getitem__(self, name: str) -> Jet:
        if name not in self.models:
            from harness.data import load as load_data
            from harness.nn import STAGES
            from harness.spec import load

            overrides = [*FAST, *VARIANTS[name]]
            spec = load(DESIGN, overrides)
            out = self.root / name
            data = load_data(spec.data, spec.seed)
            trained = STAGES.train(spec, data, out)
            converted = STAGES.convert(spec, trained, data, out, self.toolchain)
            emulation = STAGES.emulate(spec, converted, data.x_test)
            self.models[name] = Jet(name, overrides, out, self.toolchain, data, trained, converted, emulation)
        return self.models[name]


@pytest.fixture(scope="module")
def jets(tmp_path_factory, toolchain) -> Jets:
    return Jets(tmp_path_factory.mktemp("jets"), toolchain)


@pytest.mark.slow
@pytest.mark.parametrize(("variant", "key"), [(v, k) for v in VARIANTS for k in BIT_EXACT])
def test_jet_bit_exact_at_ii_equal_to_reuse_factor(jets, variant, key):
    jet = jets[variant]
    design, sim = jet.run(key)
    rfs = _per_layer(REUSE[key])
    comparison = sim.comparison
    assert comparison.vectors >= 10_000
    assert comparison.exact, comparison.summary()
    assert sim.ii_cycles == max(rfs)
    assert (
        sim.latency_cycles
        == sim.latency_max_cycles
        == design.estimate["latency_cycles"]
        == sum(rf + 1 for rf in rfs)
    )
    # exact zeros take no multiplier: the count is hls4ml's Latency-strategy multiplier_limit per layer
    assert design.info["multipliers"] == design.info["hls4ml_multiplier_limit"]
    if jet.name == "4bit-pruned":
        assert jet.trained.info["sparsity"] > 0.7
        assert sum(design.info["multipliers"].values()) < 0.4 * sum(
            math.ceil(n / rf) for n, rf in zip((1024, 2048, 1024, 160), rfs, strict=True)
        )
    print(
        f"\n{jet.name} {key}: {comparison.vectors} vectors, 0 mismatches; II {sim.ii_cycles:g} cycles, "
        f"latency {sim.latency_cycles} cycles; multipliers {design.info['multipliers']}"
    )


@pytest.mark.slow
def test_reuse_table_dsp_falls_as_one_over_rf(jets, tmp_path, monkeypatch):
    """Yosys cells and measured latency for the default jet design: the DSP count falls as 1/RF.

    Yosys is single-threaded, so the points are synthesised side by side on the two cores."""
    from concurrent.futures import ThreadPoolExecutor

    from harness.synth import synthesize

    # the benchmark's own table code, imported as `python benchmarks/reuse_table.py` runs it (beside
    # benchmarks/common.py)
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[2] / "benchmarks"))
    from reuse_table import Row, markdown

    jet = jets["6bit"]

    def point(key: str):
        design, sim = jet.run(key)
        synth = synthesize(jet.toolchain, design.sources, design.top, tmp_path / key, "xcup", 1800)
        comparison = sim.comparison
        return (
            synth,
            sim,
            Row(
                REUSE[key],
                design.estimate["dsp"],
                synth.dsp,
                synth.lut,
                synth.ff,
                sim.latency_cycles,
                sim.ii_cycles,
                comparison.vectors,
                comparison.mismatched_words,
            ),
        )

    with ThreadPoolExecutor(len(TABLE)) as pool:
        results = list(pool.map(point, TABLE))
    synth, sim, _ = results[0]
    rows = [row for _, _, row in results]
    print("\n" + markdown(rows, synth.source, f"{sim.simulator} (measured)"))
    assert all(row.mismatches == 0 and row.vectors >= 10_000 and row.ii == row.reuse for row in rows)
    low, high = rows
    for row in rows:  # with weights from a ROM, Yosys maps (nearly) every scheduled multiplier to a DSP48E2
        assert 0.9 * row.multipliers <= row.dsp <= row.multipliers
    assert high.reuse / low.reuse * 0.8 <= low.dsp / high.dsp <= high.reuse / low.reuse * 1.2
