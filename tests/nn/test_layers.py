"""The everyday hls4ml layers in the open RTL, bit-exact against hls4ml's C simulation.

Batch normalisation (fused into the Dense before it by hls4ml, and on its own after an activation),
QKeras' ApplyAlpha scales (alpha='auto_po2' and 'auto'), leaky (Keras LeakyReLU, QKeras quantized_relu
with negative_slope) and parametric ReLU, relu6, and tanh and sigmoid through hls4ml's own lookup
tables (its table size, range, table_t and index arithmetic).

Each model is converted and compiled once (session fixtures). Two checks per model:
- per layer: hls4ml's traced input of each element-wise layer, fed through that layer alone as the
  bridge traces it (da4ml's interpreter of the graph its Verilog is written from), against hls4ml's
  traced output of the layer, on 10 000 vectors; the tables' inputs are shown to reach both ends;
- end to end on Verilator, for both generators (da4ml at RF 1, the MAC generator at RF 2).
Two precisions: hls4ml's defaults for a float model (`ap_fixed<16,6>`, tables of 1024 x
`ap_fixed<18,8>`) and a narrow one (12-bit saturating round-half-even results, 10-bit weights, tables of
256 and 512 entries of other table types; marked slow).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from harness.fixed import FixedType
from harness.nn.bridge import trace
from harness.nn.elementwise import read
from harness.nn.mac import write_mac
from harness.nn.rtl import write_da
from harness.sim import SimJob, VerilatorSimulator

from .conftest import convert
from .test_bridge import _compare
from .test_mac import _vectors

N_VECTORS = 10_000
ELEMENTWISE = ("bn", "leaky", "prelu", "relu6", "tanh", "sigmoid")
NARROW = {
    "layers": {"result": "fixed<12,4,RND_CONV,SAT>"},
    "dense": {"weight": "fixed<10,3>", "bias": "fixed<10,3>", "accum": "fixed<22,8>"},
    "bn": {"scale": "fixed<10,3>", "bias": "fixed<10,3>"},
    "leaky": {"param": "ufixed<6,0>"},
    "tanh": {"table": "fixed<10,2,RND,SAT>", "table_size": 256},
    "sigmoid": {"table": "ufixed<9,1>", "table_size": 512},
}


def chain_model(seed: int):
    """4 -> 6 -> ... -> 4: Dense+BN (fused), ReLU, BN, LeakyReLU, Dense, PReLU, Dense, relu6, Dense, tanh,
    Dense, sigmoid, Dense. Weights are set so that every activation sees inputs on both sides of its
    table's range."""
    import tensorflow as tf

    tf.keras.utils.set_random_seed(seed)
    layer = tf.keras.layers
    model = tf.keras.Sequential(
        [
            tf.keras.Input((4,), name="inp"),
            layer.Dense(6, name="fc1"),
            layer.BatchNormalization(name="bn_fused"),
            layer.Activation("relu", name="relu"),
            layer.BatchNormalization(name="bn"),
            layer.LeakyReLU(0.3, name="leaky"),
            layer.Dense(6, name="fc2"),
            layer.PReLU(name="prelu"),
            layer.Dense(6, name="fc3"),
            layer.Activation("relu6", name="relu6"),
            layer.Dense(6, name="fc4"),
            layer.Activation("tanh", name="tanh"),
            layer.Dense(6, name="fc5"),
            layer.Activation("sigmoid", name="sigmoid"),
            layer.Dense(4, name="fc6"),
        ],
        name="chain",
    )
    rng = np.random.default_rng(seed)
    scales = {"fc1": 0.8, "fc2": 0.7, "fc3": 0.8, "fc4": 0.6, "fc5": 3.0, "fc6": 1.0}
    for name, std in scales.items():
        w, b = model.get_layer(name).get_weights()
        model.get_layer(name).set_weights([rng.normal(0, std, w.shape), rng.normal(0, 0.5, b.shape)])
    for name in ("bn_fused", "bn"):
        model.get_layer(name).set_weights(
            [rng.uniform(0.5, 2, 6), rng.normal(0, 1, 6), rng.normal(0, 1, 6), rng.uniform(0.3, 2, 6)]
        )
    model.get_layer("prelu").set_weights([rng.uniform(-0.5, 0.8, (6,))])
    return model


def chain_config(model, narrow: bool) -> dict:
    """hls4ml's model-wide defaults (every type ap_fixed<16,6>, as a float model gets), or the narrow
    types set per layer; every layer traced."""
    import hls4ml

    config = hls4ml.utils.config_from_keras_model(model, granularity="model", backend="Vitis")
    # the linear activations hls4ml inserts after each Dense are traced too (the narrow types keep them)
    names = [layer.name for layer in model.layers]
    names += [f"{name}_linear" for name in names if name.startswith("fc")]
    config["LayerName"] = {name: {"Trace": True} for name in names}
    if narrow:
        for name, entry in config["LayerName"].items():
            dense = name.startswith("fc") and not name.endswith("_linear")
            precision = dict(NARROW["layers"]) | (NARROW["dense"] if dense else {})
            for key, value in NARROW.get(name, {}).items():
                if key == "table_size":
                    entry["table_size"] = value
                else:
                    precision[key] = value
            entry["Precision"] = precision
    # hls4ml fuses a batch norm into the Dense before it only when that Dense's result type is left to it
    config["LayerName"]["fc1"].setdefault("Precision", {})["result"] = "auto"
    return config


class Chain:
    """One converted chain model, its 10 000 vectors and hls4ml's per-layer trace of them."""

    def __init__(self, root: Path, narrow: bool) -> None:
        model = chain_model(seed=3 if narrow else 2)
        self.hls = convert(model, chain_config(model, narrow), root / "hls4ml")
        self.x = np.random.default_rng(11).normal(0, 2.5, size=(N_VECTORS, 4)).astype(np.float32)
        _, self.traced = self.hls.trace(np.ascontiguousarray(self.x))
        self.layers = {layer.name: layer for layer in self.hls.get_layers()}
        self.order = [layer.name for layer in self.hls.get_layers()]

    def codes(self, name: str) -> tuple[np.ndarray, FixedType]:
        """Layer `name`'s traced output as integer codes of its result type."""
        t = FixedType.from_hls4ml(self.layers[name].get_output_variable().type.precision)
        values = np.asarray(self.traced[name], dtype=np.float64).reshape(N_VECTORS, -1)
        codes = np.round(values * 2.0**t.frac).astype(np.int64)
        assert np.array_equal(t.to_float(codes), values), f"{name}: traced values off the type's grid"
        return codes, t


@pytest.fixture(scope="session", params=["default", pytest.param("narrow", marks=pytest.mark.slow)])
def chain(request, tmp_path_factory) -> Chain:
    return Chain(tmp_path_factory.mktemp(f"chain-{request.param}"), request.param == "narrow")


def test_hls4ml_keeps_the_layers_under_test(chain):
    """hls4ml fused the batch norm after the Dense (fc1) and kept the one after the ReLU, as needed here."""
    kinds = {name: layer.class_name for name, layer in chain.layers.items()}
    assert "bn_fused" not in kinds and kinds["bn"] == "BatchNormalization"
    assert kinds["leaky"] == "ParametrizedActivation" and kinds["prelu"] == "PReLU"


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_each_layer_bit_exact_against_hls4ml_trace(chain, name):
    """The layer alone, as the bridge traces it, on hls4ml's own inputs to it: 10 000 vectors x 6."""
    from da4ml.trace import FixedVariableArrayInput, comb_trace

    from harness.nn.casts import kif

    previous = chain.order[chain.order.index(name) - 1]
    x_codes, x_type = chain.codes(previous)
    expected, out_type = chain.codes(name)
    op = read(chain.layers[name], x_codes.shape[1], x_type, out_type)
    inputs = FixedVariableArrayInput((x_codes.shape[1],))
    comb = comb_trace(inputs, op.trace(inputs.quantize(*kif(x_type))))
    got = np.round(np.asarray(comb.predict(x_type.to_float(x_codes))) * 2.0**out_type.frac).astype(np.int64)
    bad = np.flatnonzero((got.reshape(expected.shape) != expected).any(axis=1))
    assert bad.size == 0, (
        f"{name}: {bad.size} of {N_VECTORS} vectors differ; first: input {x_codes[bad[0]]} "
        f"hls4ml {expected[bad[0]]} bridge {got.reshape(expected.shape)[bad[0]]}"
    )
    assert len(np.unique(expected)) > 50
    if op.kind == "table":  # hls4ml's index: int(x * N / 2R) + N / 2, clamped; both ends reached
        size, span = op.table.size, 2 * op.table_range
        index = np.clip(np.trunc(x_type.to_float(x_codes) * size / span) + size // 2, 0, size - 1)
        assert index.min() == 0 and index.max() == size - 1
        assert len(np.unique(index)) > size // 4


@pytest.mark.parametrize("arithmetic", ["da", "mac"])
def test_chain_bit_exact_on_verilator(chain, arithmetic, toolchain, tmp_path):
    """The whole chain through each generator, 10 000 vectors x 4 outputs on Verilator."""
    out = tmp_path / arithmetic
    if arithmetic == "da":
        design = write_da(trace(chain.hls, toolchain=toolchain), "chain", out, 5.0)
        assert design.info["rom_bits"] > 0
    else:
        design = write_mac(chain.hls, "chain", out, 2, toolchain)
        tables = [read(chain.layers[n], 6, _out(chain, n), _out(chain, n)).table for n in ("tanh", "sigmoid")]
        assert design.info["rom_bits"] == 6 * sum(t.bits for t in tables)  # one ROM read per element
    sim = VerilatorSimulator(toolchain).run(
        SimJob(design.top, design.sources, out / "sim", _vectors(chain.hls, chain.x))
    )
    assert sim.comparison.vectors == N_VECTORS
    assert sim.comparison.mismatched_words == 0, sim.comparison.summary()


def _out(chain: Chain, name: str) -> FixedType:
    return FixedType.from_hls4ml(chain.layers[name].get_output_variable().type.precision)


@pytest.mark.parametrize(("bits", "arithmetic"), [(6, "mac"), pytest.param(8, "da", marks=pytest.mark.slow)])
def test_qkeras_alpha_scales_bit_exact(bits, arithmetic, toolchain, tmp_path):
    """QKeras quantizers with alpha='auto_po2' and alpha='auto': hls4ml inserts ApplyAlpha scale layers
    (po2 scales as int types, 'auto' ones as fixed). Bridged exactly: the trace on 10 000 vectors, and
    the generator's Verilog on Verilator (MAC generator at RF 2, or da4ml)."""
    import hls4ml
    import tensorflow as tf
    from qkeras import QActivation, QDense

    tf.keras.utils.set_random_seed(bits)
    q = f"quantized_bits({bits},0,alpha=1)"
    model = tf.keras.Sequential(
        [
            tf.keras.Input((4,), name="inp"),
            QDense(
                8, kernel_quantizer=f"quantized_bits({bits},0,alpha='auto_po2')", bias_quantizer=q, name="fc1"
            ),
            QActivation("quantized_relu(6,2)", name="relu1"),
            QDense(
                4, kernel_quantizer=f"quantized_bits({bits},0,alpha='auto')", bias_quantizer=q, name="fc2"
            ),
        ]
    )
    rng = np.random.default_rng(bits)
    for name in ("fc1", "fc2"):
        w, b = model.get_layer(name).get_weights()
        model.get_layer(name).set_weights([rng.normal(0, 2.0, w.shape), rng.normal(0, 0.3, b.shape)])
    config = hls4ml.utils.config_from_keras_model(model, granularity="name", backend="Vitis")
    hls_model = convert(model, config, tmp_path / "hls4ml")
    kinds = [layer.class_name for layer in hls_model.get_layers()]
    assert kinds.count("ApplyAlpha") == 2, kinds
    # the output is the last ApplyAlpha's 35-bit result: compared through hls4ml's double entry point
    assert FixedType.from_hls4ml(hls_model.get_output_variables()[0].type.precision).width > 24
    x = np.random.default_rng(5).normal(0, 2, size=(N_VECTORS, 4)).astype(np.float32)
    expected, got = _compare(hls_model, trace(hls_model, toolchain=toolchain), x)
    assert len(np.unique(expected)) > 100 and int((expected != got).sum()) == 0
    out = tmp_path / arithmetic
    design = (
        write_mac(hls_model, "alpha", out, 2, toolchain)
        if arithmetic == "mac"
        else write_da(trace(hls_model, toolchain=toolchain), "alpha", out, 5.0)
    )
    sim = VerilatorSimulator(toolchain).run(
        SimJob(design.top, design.sources, out / "sim", _vectors(hls_model, x))
    )
    assert sim.comparison.vectors == N_VECTORS
    assert sim.comparison.mismatched_words == 0, sim.comparison.summary()


@pytest.fixture(scope="session")
def binary_classifier(tmp_path_factory):
    """The issue's binary trigger: 2 -> 8 -> 4 -> 1 with a sigmoid output, ap_fixed<16,6> everywhere
    (hls4ml's model-wide default) and its default 1024-entry sigmoid table."""
    import hls4ml
    import tensorflow as tf

    tf.keras.utils.set_random_seed(21)
    layer = tf.keras.layers
    model = tf.keras.Sequential(
        [
            tf.keras.Input((2,), name="inp"),
            layer.Dense(8, activation="relu", name="fc1"),
            layer.Dense(4, activation="relu", name="fc2"),
            layer.Dense(1, activation="sigmoid", name="out"),
        ]
    )
    rng = np.random.default_rng(21)
    for dense in model.layers:
        w, b = dense.get_weights()
        dense.set_weights([rng.normal(0, 1.5, w.shape), rng.normal(0, 0.5, b.shape)])
    config = hls4ml.utils.config_from_keras_model(model, granularity="model", backend="Vitis")
    assert config["Model"]["Precision"]["default"] == "fixed<16,6>"
    return convert(model, config, tmp_path_factory.mktemp("binary") / "hls4ml")


@pytest.mark.parametrize("arithmetic", ["mac", pytest.param("da", marks=pytest.mark.slow)])
def test_binary_classifier_with_sigmoid_bit_exact(binary_classifier, arithmetic, toolchain, tmp_path):
    hls_model = binary_classifier
    sigmoid = next(
        layer
        for layer in hls_model.get_layers()
        if layer.class_name == "Activation" and layer.get_attr("activation") == "sigmoid"
    )
    assert int(sigmoid.get_attr("table_size")) == 1024
    assert str(sigmoid.get_attr("table_t").precision) == "fixed<18,8,TRN,WRAP,0>"
    x = np.random.default_rng(4).normal(0, 3, size=(N_VECTORS, 2)).astype(np.float32)
    vectors = _vectors(hls_model, x)
    assert vectors.expected.min() == 0 and vectors.expected.max() == 1023  # sigmoid's table: both ends
    out = tmp_path / arithmetic
    design = (
        write_mac(hls_model, "binary", out, 1, toolchain)
        if arithmetic == "mac"
        else write_da(trace(hls_model, toolchain=toolchain), "binary", out, 5.0)
    )
    sim = VerilatorSimulator(toolchain).run(SimJob(design.top, design.sources, out / "sim", vectors))
    assert sim.comparison.vectors == N_VECTORS
    assert sim.comparison.mismatched_words == 0, sim.comparison.summary()


#: Softmax types for the narrow case: hls4ml's `stable` softmax with small tables and saturating sums.
NARROW_SOFTMAX = {
    "Precision": {
        "result": "ufixed<10,0,RND,SAT>",
        "exp_table": "ufixed<12,4,RND,SAT>",
        "inv_table": "ufixed<14,4,RND,SAT>",
        "accum": "ufixed<14,6,RND,SAT>",
        "inv_inp": "ufixed<14,6,RND,SAT>",
    },
    "table_size": 256,
}


def five_class_classifier(tmp: Path, narrow: bool):
    """4 -> 16 -> 5 with the softmax kept (hls4ml keeps it unless told to Skip; the harness's conversion
    skips it unless the user's hls4ml configuration says `Skip: false`)."""
    import hls4ml
    import tensorflow as tf

    tf.keras.utils.set_random_seed(5)
    layer = tf.keras.layers
    model = tf.keras.Sequential(
        [
            tf.keras.Input((4,), name="inp"),
            layer.Dense(16, activation="relu", name="fc1"),
            layer.Dense(5, name="fc2"),
            layer.Activation("softmax", name="softmax"),
        ]
    )
    rng = np.random.default_rng(5)
    for dense in model.layers[:2]:
        w, b = dense.get_weights()
        dense.set_weights([rng.normal(0, 1.0, w.shape), rng.normal(0, 0.5, b.shape)])
    config = hls4ml.utils.config_from_keras_model(model, granularity="model", backend="Vitis")
    if narrow:
        config["Model"]["Precision"] = {"default": "fixed<12,5,RND_CONV,SAT>"}
        wrapping = {"Precision": {"accum": "fixed<24,10>", "result": "fixed<12,5,RND_CONV,SAT>"}}
        config["LayerName"] = {"softmax": NARROW_SOFTMAX, "fc1": wrapping, "fc2": wrapping}
    return convert(model, config, tmp / "hls4ml")


@pytest.mark.parametrize(
    "narrow", [False, pytest.param(True, marks=pytest.mark.slow)], ids=["default", "narrow"]
)
def test_kept_softmax_bit_exact(narrow, toolchain, tmp_path):
    """hls4ml's stable softmax (max, exp table on the top bits of max - x, balanced adder tree in accum_t,
    inverse table, product): the trace on 10 000 vectors and da4ml's Verilog on Verilator. The MAC
    generator refuses it naming the layer."""
    from harness.nn.types import UnsupportedModelError

    hls_model = five_class_classifier(tmp_path, narrow)
    softmax = next(layer for layer in hls_model.get_layers() if layer.class_name == "Softmax")
    assert softmax.get_attr("implementation") == "stable" and not softmax.get_attr("skip", False)
    x = np.random.default_rng(6).normal(0, 2.5, size=(N_VECTORS, 4)).astype(np.float32)
    traced = trace(hls_model, toolchain=toolchain)
    expected, got = _compare(hls_model, traced, x)
    assert len(np.unique(expected)) > 100 and int((expected != got).sum()) == 0
    design = write_da(traced, "softmax", tmp_path / "da", 5.0)
    assert design.info["rom_bits"] > 0
    sim = VerilatorSimulator(toolchain).run(
        SimJob(design.top, design.sources, tmp_path / "sim", _vectors(hls_model, x))
    )
    assert sim.comparison.vectors == N_VECTORS
    assert sim.comparison.mismatched_words == 0, sim.comparison.summary()
    with pytest.raises(UnsupportedModelError, match=r"layer softmax \(Softmax\) is kept .*arithmetic: da"):
        write_mac(hls_model, "softmax", tmp_path / "mac", 1, toolchain)


def everyday_qkeras_model():
    """A 16 -> 5 QKeras MLP with every layer of this file: auto_po2 and auto alphas (ApplyAlpha), a batch
    norm after an activation, LeakyReLU, PReLU, relu6, tanh, sigmoid and a softmax output."""
    import tensorflow as tf
    from qkeras import QActivation, QDense

    tf.keras.utils.set_random_seed(15)
    layer, q = tf.keras.layers, "quantized_bits(6,0,alpha=1)"
    model = tf.keras.Sequential(
        [
            tf.keras.Input((16,), name="fc1_input"),
            QDense(12, kernel_quantizer="quantized_bits(6,0,alpha='auto_po2')", bias_quantizer=q, name="fc1"),
            QActivation("quantized_relu(6,2)", name="relu1"),
            layer.BatchNormalization(name="bn1"),
            layer.LeakyReLU(0.2, name="leaky"),
            QDense(8, kernel_quantizer="quantized_bits(6,0,alpha='auto')", bias_quantizer=q, name="fc2"),
            layer.PReLU(name="prelu"),
            QDense(8, kernel_quantizer=q, bias_quantizer=q, name="fc3"),
            layer.Activation("relu6", name="relu6"),
            QDense(8, kernel_quantizer=q, bias_quantizer=q, name="fc4"),
            layer.Activation("tanh", name="tanh"),
            QDense(8, kernel_quantizer=q, bias_quantizer=q, name="fc5"),
            layer.Activation("sigmoid", name="sigmoid"),
            QDense(5, kernel_quantizer=q, bias_quantizer=q, name="fc6"),
            layer.Activation("softmax", name="softmax"),
        ],
        name="everyday",
    )
    rng = np.random.default_rng(15)
    for dense in ("fc1", "fc2", "fc3", "fc4", "fc5", "fc6"):
        w, b = model.get_layer(dense).get_weights()
        model.get_layer(dense).set_weights([rng.normal(0, 1.5, w.shape), rng.normal(0, 0.3, b.shape)])
    model.get_layer("bn1").set_weights(
        [rng.uniform(0.5, 2, 12), rng.normal(0, 1, 12), rng.normal(0, 1, 12), rng.uniform(0.3, 2, 12)]
    )
    model.get_layer("prelu").set_weights([rng.uniform(-0.5, 0.8, (8,))])
    return model


@pytest.mark.slow
def test_everyday_model_through_harness_evaluate(tmp_path, capsys):
    """All of them in one pretrained QKeras model, the softmax kept by the user's hls4ml configuration
    (`Skip: false`), through `harness evaluate` at fidelity verify: Yosys maps the ROMs, Verilator runs
    10 000 vectors against hls4ml's C simulation."""
    import json

    import yaml

    from harness.cli import main

    from .conftest import save_pretrained

    arch, weights = save_pretrained(everyday_qkeras_model(), tmp_path / "model")
    config = tmp_path / "model" / "hls4ml.yaml"
    config.write_text(yaml.safe_dump({"HLSConfig": {"LayerName": {"softmax": {"Skip": False}}}}))
    design = tmp_path / "everyday.yaml"
    pretrained = {"architecture": str(arch), "weights": str(weights), "hls4ml_config": str(config)}
    design.write_text(
        yaml.safe_dump(
            {
                "name": "everyday",
                "kind": "nn",
                "data": {"n_samples": 20_000, "test_fraction": 0.5},
                "model": {"pretrained": pretrained},
                "verify": {"vectors": N_VECTORS},
            }
        )
    )
    out = tmp_path / "run"
    assert main(["evaluate", str(design), "--out", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    kinds = {entry.split(":")[1] for entry in metrics["model"]["hls4ml_layers"]}
    assert {"BatchNormalization", "ApplyAlpha", "ParametrizedActivation", "PReLU", "Softmax"} <= kinds
    verification = metrics["verification"]
    assert verification["vectors"] == N_VECTORS and verification["mismatches"] == 0
    assert metrics["resources"]["lut"] > 0 and metrics["resources"]["source"].startswith("yosys")
    assert metrics["estimate"]["lut"] > 0 and "ROM bits" in metrics["estimate"]["source"]
    assert '"mismatches": 0' in capsys.readouterr().out


@pytest.mark.parametrize(
    ("layer", "words"),
    [
        (
            "elu",
            r"layer act \(ParametrizedActivation 'elu'\) is not supported by the open RTL \(supported: Dense",
        ),
        ("softplus", r"layer act \(Activation 'softplus'\) is not supported by the open RTL"),
    ],
)
def test_layers_still_unsupported_are_refused_naming_layer_and_type(layer, words, tmp_path):
    """Both generators refuse before writing anything; the CLI prints this as one `error:` line, exit 2."""
    import hls4ml
    import tensorflow as tf

    from harness.nn.rtl import rtl
    from harness.nn.types import UnsupportedModelError
    from harness.spec import load
    from harness.stages import Converted

    from ..conftest import ROOT

    model = tf.keras.Sequential(
        [
            tf.keras.Input((3,), name="inp"),
            tf.keras.layers.Dense(4, name="fc"),
            tf.keras.layers.Activation(layer, name="act"),
        ]
    )
    config = hls4ml.utils.config_from_keras_model(model, granularity="name", backend="Vitis")
    hls_model = convert(model, config, tmp_path / "hls4ml", compile=False)
    for arithmetic, reuse in (("da", 1), ("mac", 3)):
        spec = load(
            ROOT / "designs" / "jet_mlp.yaml",
            [f"firmware.arithmetic={arithmetic}", f"firmware.reuse_factor={reuse}"],
        )
        out = tmp_path / arithmetic
        with pytest.raises(UnsupportedModelError, match=words):
            rtl(spec, Converted(model=hls_model, input_types=[], output_types=[]), out, None)
        assert not out.exists()


#: QKeras quantized_relu with a negative slope (QKeras allows only powers of two), at two precisions and in
#: both places QKeras takes it (a QActivation layer, and a QDense's `activation=`, which hls4ml splits
#: off as `<dense>_quantized_relu`): hls4ml converts each to a ParametrizedActivation 'leaky_relu' whose
#: result type is the quantizer's, signed (fixed<6,1,RND_CONV,SAT> and fixed<8,4,RND_CONV,SAT>), and whose
#: alpha gets the narrowest exact param type (ufixed<1,-1> and ufixed<1,-2>):
#: res = result_t(x > 0 ? x : alpha * x), i.e. the negative part is rounded and saturated too.
QLEAKY = {
    "qleaky1": (
        "quantized_relu(6,0,negative_slope=0.25)",
        "fixed<6,1,RND_CONV,SAT,0>",
        "ufixed<1,-1,TRN,WRAP,0>",
    ),
    "fc2_quantized_relu": (
        "quantized_relu(8,3,negative_slope=0.125)",
        "fixed<8,4,RND_CONV,SAT,0>",
        "ufixed<1,-2,TRN,WRAP,0>",
    ),
}


def qkeras_leaky_model(n_in: int = 4, n_out: int = 4):
    """n_in -> 8 -> QActivation quantized_relu(6,0,negative_slope=0.25) -> 8 with activation
    quantized_relu(8,3,negative_slope=0.125) -> n_out. QDense quantized_bits(6,0,alpha=1), but fc2's
    kernel quantized_bits(8,4,alpha=1), so that its sums reach -64, where 0.125 * x saturates: both
    activations saturate on both sides and round their negative part."""
    import tensorflow as tf
    from qkeras import QActivation, QDense

    tf.keras.utils.set_random_seed(24)
    q = "quantized_bits(6,0,alpha=1)"
    model = tf.keras.Sequential(
        [
            tf.keras.Input((n_in,), name="fc1_input"),
            QDense(8, kernel_quantizer=q, bias_quantizer=q, name="fc1"),
            QActivation(QLEAKY["qleaky1"][0], name="qleaky1"),
            QDense(
                8,
                kernel_quantizer="quantized_bits(8,4,alpha=1)",
                bias_quantizer=q,
                activation=QLEAKY["fc2_quantized_relu"][0],
                name="fc2",
            ),
            QDense(n_out, kernel_quantizer=q, bias_quantizer=q, name="fc3"),
        ],
        name="qleaky",
    )
    rng = np.random.default_rng(24)
    for dense, std in (("fc1", 1.0), ("fc2", 8.0), ("fc3", 1.0)):
        w, b = model.get_layer(dense).get_weights()
        model.get_layer(dense).set_weights([rng.normal(0, std, w.shape), rng.normal(0, 0.3, b.shape)])
    return model


class QLeaky:
    """The QKeras leaky model converted by hls4ml (types per layer from the quantizers, every layer traced),
    its 10 000 input vectors and hls4ml's trace of them."""

    def __init__(self, root: Path) -> None:
        import hls4ml

        self.model = qkeras_leaky_model()
        config = hls4ml.utils.config_from_keras_model(self.model, granularity="name", backend="Vitis")
        for entry in config["LayerName"].values():
            entry["Trace"] = True
        self.hls = convert(self.model, config, root / "hls4ml")
        self.x = np.random.default_rng(24).normal(0, 2.5, size=(N_VECTORS, 4)).astype(np.float32)
        _, self.traced = self.hls.trace(np.ascontiguousarray(self.x))
        self.layers = {layer.name: layer for layer in self.hls.get_layers()}
        self.order = [layer.name for layer in self.hls.get_layers()]


@pytest.fixture(scope="session")
def qleaky(tmp_path_factory) -> QLeaky:
    return QLeaky(tmp_path_factory.mktemp("qleaky"))


@pytest.mark.parametrize("name", sorted(QLEAKY))
def test_qkeras_leaky_relu_layer_bit_exact(qleaky, name):
    """Each quantized_relu(..., negative_slope) alone, as the bridge traces it, on hls4ml's own inputs to it
    (10 000 vectors x 8): every output code equal to hls4ml's trace, with both saturation limits, negative
    outputs, round-half-even ties of alpha * x and every result code reached."""
    from da4ml.trace import FixedVariableArrayInput, comb_trace

    from harness.nn.casts import kif

    layer = qleaky.layers[name]
    assert (layer.class_name, layer.get_attr("activation")) == ("ParametrizedActivation", "leaky_relu")
    assert str(layer.get_output_variable().type.precision) == QLEAKY[name][1]
    assert str(layer.get_attr("param_t").precision) == QLEAKY[name][2]
    previous = qleaky.order[qleaky.order.index(name) - 1]
    x_type = FixedType.from_hls4ml(qleaky.layers[previous].get_output_variable().type.precision)
    out_type = FixedType.from_hls4ml(layer.get_output_variable().type.precision)
    x = np.asarray(qleaky.traced[previous], dtype=np.float64).reshape(N_VECTORS, -1)
    expected = np.round(
        np.asarray(qleaky.traced[name], dtype=np.float64).reshape(x.shape) * 2.0**out_type.frac
    )
    op = read(layer, x.shape[1], x_type, out_type)
    inputs = FixedVariableArrayInput((x.shape[1],))
    comb = comb_trace(inputs, op.trace(inputs.quantize(*kif(x_type))))
    got = np.round(np.asarray(comb.predict(x)).reshape(x.shape) * 2.0**out_type.frac)
    bad = np.flatnonzero((got != expected).any(axis=1))
    assert bad.size == 0, (
        f"{name}: {bad.size} of {N_VECTORS} vectors differ; first: input {x[bad[0]]} "
        f"hls4ml {expected[bad[0]]} bridge {got[bad[0]]}"
    )
    low, high = out_type.to_float(np.array([-(1 << (out_type.width - 1)), (1 << (out_type.width - 1)) - 1]))
    alpha = float(layer.get_attr("activ_param"))
    scaled = alpha * x[x < 0] * 2.0**out_type.frac  # the negative branch on the result's grid
    assert (x >= high).any() and (alpha * x <= low).any()  # both saturation limits
    assert ((x < 0) & (alpha * x > low)).sum() > 1000  # negative outputs inside the range
    assert (scaled - np.floor(scaled) == 0.5).any()  # ties, which round half to even
    assert len(np.unique(expected)) == 2**out_type.width  # every result code


@pytest.mark.parametrize(("arithmetic", "reuse"), [("da", 1), ("mac", 2)])
def test_qkeras_leaky_relu_bit_exact_on_verilator(qleaky, arithmetic, reuse, toolchain, tmp_path):
    """The whole QKeras leaky model through each generator (da4ml at RF 1, the MAC generator at RF 2):
    10 000 vectors x 4 output codes on Verilator against hls4ml's C simulation."""
    out = tmp_path / arithmetic
    design = (
        write_da(trace(qleaky.hls, toolchain=toolchain), "qleaky", out, 5.0)
        if arithmetic == "da"
        else write_mac(qleaky.hls, "qleaky", out, reuse, toolchain)
    )
    vectors = _vectors(qleaky.hls, qleaky.x)
    assert len(np.unique(vectors.expected)) > 100
    sim = VerilatorSimulator(toolchain).run(SimJob(design.top, design.sources, out / "sim", vectors))
    assert sim.comparison.vectors == N_VECTORS
    assert sim.comparison.mismatched_words == 0, sim.comparison.summary()


@pytest.mark.slow
@pytest.mark.parametrize(("arithmetic", "reuse"), [("da", 1), ("mac", 2)])
def test_qkeras_leaky_relu_through_harness_evaluate(arithmetic, reuse, tmp_path, capsys):
    """The QKeras leaky model (16 -> 5, for the synthetic jets) as a pretrained model through `harness
    evaluate` at fidelity verify: converted, written by each generator, mapped by Yosys, and 10 000 vectors
    on Verilator against hls4ml's C simulation."""
    import json

    import yaml

    from harness.cli import main

    from .conftest import pretrained_design, save_pretrained

    arch, weights = save_pretrained(qkeras_leaky_model(16, 5), tmp_path / "model")
    design = tmp_path / "qleaky.yaml"
    firmware = {"arithmetic": arithmetic, "reuse_factor": reuse}
    design.write_text(yaml.safe_dump(pretrained_design("qleaky", arch, weights, firmware, N_VECTORS)))
    out = tmp_path / "run"
    assert main(["evaluate", str(design), "--out", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["model"]["arithmetic"] == arithmetic
    kinds = [entry.split(":")[1] for entry in metrics["model"]["hls4ml_layers"]]
    assert kinds.count("ParametrizedActivation") == 2, kinds
    verification = metrics["verification"]
    assert verification["vectors"] == N_VECTORS and verification["mismatches"] == 0
    assert metrics["resources"]["lut"] > 0 and metrics["resources"]["source"].startswith("yosys")
    assert '"mismatches": 0' in capsys.readouterr().out
