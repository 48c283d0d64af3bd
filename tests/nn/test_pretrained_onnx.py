"""Pretrained networks as exporters write them (issue 24, items 1-3).

- A fixed batch dimension (tf2onnx's 1, torch.onnx.export's example size) is served in blocks of that
  size: the float scores equal those of the same network exported with a symbolic batch, and hls4ml's
  ONNX front end converts it (the tf2onnx case bit-exact on Verilator).
- An opset onnxruntime cannot run (opset 6's Gemm) is refused in seconds as one `error:` line.
- The opset-7 export converts; at the default ap_fixed<16,6> its RTL (~118k LUT by da4ml, which takes
  1.5 minutes, then Yosys over 15) is refused in seconds by the size guard, before da4ml runs; at
  ap_fixed<8,3> it goes through, the guard's estimate near da4ml's.
- A model whose input is not one flat vector of the data's features (Keras (None, 10, 4), ONNX
  (batch, 10, 4), or another feature count) is refused before any prediction or conversion, naming the
  model's input shape and what the data give.

The PyTorch exports are committed under `onnx_files/` with the script that made them (torch is not in
the harness's environment).
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import numpy as np
import pytest
import yaml

from harness.cli import main
from harness.data import load as load_data
from harness.flow import prepare, simulate
from harness.nn import convert as nn_convert
from harness.nn import emulate as nn_emulate
from harness.nn import train as nn_train
from harness.spec import from_dict
from harness.stages import decide

from ..data.conftest import events, write

FILES = Path(__file__).parent / "onnx_files"
FEATURES = [f"f{i}" for i in range(4)]


def jets_spec(name: str, model: Path, events_: int = 2006) -> object:
    """The synthetic jets (16 features, 5 classes) with a pretrained model; half the events are test
    events (1 003: not a multiple of the batch sizes 10 or 1 000)."""
    return from_dict(
        {
            "name": name,
            "kind": "nn",
            "data": {"n_samples": events_, "test_fraction": 0.5},
            "model": {"pretrained": str(model)},
            "verify": {"vectors": 1000},
        }
    )


def onnxruntime_scores(path: Path, x: np.ndarray) -> np.ndarray:
    """The file's output on all of `x` at once (a file with a symbolic batch dimension)."""
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: x.astype(np.float32)})[0]


def test_torch_export_with_fixed_batch_gives_the_dynamic_exports_scores(tmp_path):
    """torch.onnx.export fixed the batch dimension to its example's 10 rows; the 1 003 test events are
    served in blocks of 10 (the last padded), and every score equals the same network exported with a
    symbolic batch dimension, run on all events at once."""
    spec = jets_spec("bn_batch10", FILES / "bn_mlp_batch10.onnx")
    data = load_data(spec.data, spec.seed, spec.base_dir)
    assert len(data.x_test) % 10 != 0
    trained = nn_train.train(spec, data, tmp_path)
    assert trained.info["onnx_batch"] == 10
    reference = onnxruntime_scores(FILES / "bn_mlp_dynamic.onnx", data.x_test)
    assert trained.float_scores.shape == reference.shape == (len(data.x_test), 5)
    assert np.array_equal(trained.float_scores, reference.astype(np.float64))


def test_torch_export_with_fixed_batch_converts(tmp_path, toolchain):
    """hls4ml's ONNX front end (after qonnx's cleanup) reads the batch-10 file's input as 16 features,
    and its C simulation agrees with the float scores."""
    spec = jets_spec("bn_batch10", FILES / "bn_mlp_batch10.onnx")
    data = load_data(spec.data, spec.seed, spec.base_dir)
    trained = nn_train.train(spec, data, tmp_path)
    converted = nn_convert.convert(spec, trained, data, tmp_path, toolchain)
    assert list(converted.model.get_input_variables()[0].shape) == [16]
    emulation = nn_emulate.emulate(spec, converted, data.x_test)
    scale = 2.0 ** converted.output_types[0].frac
    agreement = np.mean(decide(emulation.output_codes / scale) == decide(trained.float_scores))
    assert agreement > 0.97, agreement


def test_tf2onnx_batch_one_export_is_bit_exact(tmp_path, toolchain):
    """tf2onnx exports a Keras model with batch size 1 when its signature says so (and by default from
    the command line); the float scores are Keras's for all 1 000 test events (served one by one), and
    the RTL equals hls4ml's C simulation on every vector."""
    import tensorflow as tf
    import tf2onnx

    from .test_pretrained_files import float_mlp

    csv = write(events(2000, seed=4, n_features=4), tmp_path / "events.csv")
    model = float_mlp()
    signature = (tf.TensorSpec((1, 4), tf.float32, name="inp"),)
    tf2onnx.convert.from_keras(
        model, input_signature=signature, opset=13, output_path=str(tmp_path / "b1.onnx")
    )
    spec = from_dict(
        {
            "name": "onnx_b1",
            "kind": "nn",
            "data": {"path": str(csv), "features": FEATURES, "label": "kind", "test_fraction": 0.5},
            "model": {"pretrained": str(tmp_path / "b1.onnx")},
            "verify": {"vectors": 1000},
        }
    )
    point = prepare(spec, tmp_path / "run", toolchain)
    assert point.trained.info["onnx_batch"] == 1
    assert np.allclose(point.trained.float_scores, model.predict(point.dataset.x_test, verbose=0), atol=1e-5)
    comparison = simulate(point, toolchain).comparison
    print(comparison.summary())
    assert comparison.vectors == 1000 and comparison.mismatched_words == 0, comparison.summary()
    assert len(np.unique(point.emulation.output_codes)) > 50


def run_cli(tmp_path: Path, design: dict, capsys) -> tuple[int, str, float]:
    """`harness evaluate` on `design` at fidelity estimate: exit status, stdout, seconds."""
    path = tmp_path / "design.yaml"
    path.write_text(yaml.safe_dump(design))
    start = time.monotonic()
    status = main(["evaluate", str(path), "--fidelity", "estimate", "--out", str(tmp_path / "run")])
    return status, capsys.readouterr().out, time.monotonic() - start


def test_opset_onnxruntime_cannot_run_is_refused_in_seconds(tmp_path, capsys):
    """An opset-6 export (Gemm-6: onnxruntime has no kernel for it) is one `error:` line with exit 2,
    naming the file, the operator and how to re-export, before qonnx or hls4ml see it."""
    path = FILES / "bn_mlp_opset6.onnx"
    design = {"name": "bn6", "kind": "nn", "data": {"n_samples": 2000}, "model": {"pretrained": str(path)}}
    status, out, seconds = run_cli(tmp_path, design, capsys)
    errors = [line for line in out.splitlines() if line.startswith("error:")]
    assert status == 2 and len(errors) == 1, out
    assert f"model.pretrained: {path} cannot be run by onnxruntime" in errors[0]
    assert "Gemm(6)" in errors[0] and "opset_version=13" in errors[0]
    assert "Traceback" not in out and seconds < 60, seconds
    assert not (tmp_path / "run" / "hls4ml").exists()


def test_old_opset_batch_norm_mlp_finishes_and_names_its_size(tmp_path, capsys):
    """The opset-7 export (Gemm-7: qonnx's GemmToMatMul warns it supports Gemm-9 explicitly) goes
    through `harness evaluate --fidelity estimate`: hls4ml fuses each batch norm into the Dense before
    it, the C simulation agrees with onnxruntime, and before any synthesis the run says that the model
    is float and how large its RTL is: the size guard's estimate before da4ml runs, under the default
    limit, then da4ml's own. At ap_fixed<8,3> this takes about a minute on 2 busy cores; at the default
    ap_fixed<16,6> (da4ml alone 1.5 minutes for ~118k LUT, then Yosys over 15 minutes) it is refused,
    see the next test."""
    path = FILES / "bn_mlp_opset7.onnx"
    design = {
        "name": "bn7",
        "kind": "nn",
        "data": {"n_samples": 4000, "test_fraction": 0.5},
        "model": {"pretrained": str(path)},
        "firmware": {"default_precision": "ap_fixed<8,3>"},
    }
    status, out, _ = run_cli(tmp_path, design, capsys)
    assert status == 0, out
    assert "note: the model has no quantizers" in out and "firmware.default_precision ap_fixed<8,3>" in out
    guard = re.search(
        r"\[rtl\] da: ~(\d+) LUT before generation \(estimate: .*limit verify.max_rtl_lut 100000", out
    )
    da4ml = re.search(r"\[rtl\] da: ~(\d+) LUT, \d+ cycle\(s\)", out)
    assert guard and da4ml, out
    # the guard's cheap estimate (from weights and types) is near da4ml's own (measured 39 000 / 35 918)
    assert 1 / 1.5 < int(da4ml[1]) / int(guard[1]) < 1.5, (guard[1], da4ml[1])
    record = json.loads((tmp_path / "run" / "metrics.json").read_text())
    layers = [name.split(":")[1] for name in record["model"]["hls4ml_layers"]]
    assert layers == ["Input", "Dense", "Activation", "Dense", "Activation", "Dense", "Activation", "Dense"]
    assert record["accuracy"]["emulation_vs_float_agreement"] > 0.95


BN7 = {"name": "bn7", "kind": "nn", "data": {"n_samples": 4000, "test_fraction": 0.5}}


@pytest.mark.parametrize(
    ("firmware", "verify", "expected"),
    [
        (
            {},
            {},
            "ap_fixed<16,6> (weights ap_fixed<16,6>, accumulators up to 39 bits), reuse factor 1 (da4ml",
        ),
        ({"reuse_factor": 2}, {}, "reuse factor 2 (MAC back end"),
        (
            {"default_precision": "ap_fixed<8,3>"},
            {"max_rtl_lut": 20000},
            "ap_fixed<8,3> (weights ap_fixed<8,3>",
        ),
    ],
    ids=["default-precision", "mac-reuse-2", "8-bit-under-a-lower-limit"],
)
def test_rtl_too_large_for_the_flow_is_refused_in_seconds(tmp_path, capsys, firmware, verify, expected):
    """The opset-7 float MLP at the default ap_fixed<16,6> (da4ml: ~118k LUT after 1.5 minutes, then
    over 15 minutes of Yosys), at reuse factor 2 (the MAC generator's own estimate, ~143k LUT), and at
    ap_fixed<8,3> under a limit set below its size: one `error:` line with exit 2, well within a minute,
    naming the model, precision, reuse factor, the estimate and its method, the limit and the ways to
    fit; no RTL is written."""
    path = FILES / "bn_mlp_opset7.onnx"
    design = {**BN7, "model": {"pretrained": str(path)}, "firmware": firmware, "verify": verify}
    status, out, seconds = run_cli(tmp_path, design, capsys)
    errors = [line for line in out.splitlines() if line.startswith("error:")]
    assert status == 2 and len(errors) == 1, out
    error = errors[0]
    assert f"design bn7: model.pretrained {path} at firmware.default_precision ap_fixed<" in error
    assert expected in error, error
    found = re.search(r"makes an RTL of ~(\d+) LUT \(estimate: .+?\), above verify.max_rtl_lut (\d+)", error)
    assert found and int(found[1]) > int(found[2]) == verify.get("max_rtl_lut", 100000), error
    assert "no RTL was generated" in error and "firmware.reuse_factor" in error
    assert "firmware.default_precision" in error.split("To fit")[1] and "--set verify.max_rtl_lut=" in error
    assert "Traceback" not in out and seconds < 60, seconds
    assert not (tmp_path / "run" / "rtl").exists() and not (tmp_path / "run" / "synth").exists()
    assert not (tmp_path / "run" / "metrics.json").exists()


def test_rtl_under_a_raised_limit_goes_through(tmp_path, capsys):
    """The refusal's own advice: the same design at reuse factor 2 (MAC back end, ~143k LUT) with
    verify.max_rtl_lut raised past it is generated and recorded with the generator's estimate."""
    path = FILES / "bn_mlp_opset7.onnx"
    design = {
        **BN7,
        "model": {"pretrained": str(path)},
        "firmware": {"reuse_factor": 2},
        "verify": {"max_rtl_lut": 150000},
    }
    status, out, _ = run_cli(tmp_path, design, capsys)
    assert status == 0, out
    record = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert record["model"]["arithmetic"] == "mac"
    assert 100000 < record["resources"]["lut"] <= 150000, record["resources"]
    assert (tmp_path / "run" / "rtl" / "bn7_top.v").exists()


def keras_file(tmp_path: Path, input_shape: tuple[int, ...]) -> Path:
    """A float Keras model with input `input_shape` (flattened inside), saved whole as HDF5."""
    import tensorflow as tf

    model = tf.keras.Sequential(
        [
            tf.keras.Input(input_shape, name="inp"),
            tf.keras.layers.Flatten(),
            tf.keras.layers.Dense(8, activation="relu"),
            tf.keras.layers.Dense(3),
        ]
    )
    path = tmp_path / "keras.h5"
    model.save(path)
    return path


@pytest.mark.parametrize(
    ("model", "n_features", "shape"),
    [
        ("keras", 40, "(None, 10, 4)"),
        ("onnx", 40, "(None, 10, 4)"),
        ("keras", 4, "(None, 16)"),
        ("onnx", 4, "(None, 16)"),
        ("onnx", 16, "(None, None)"),
    ],
    ids=["keras-10x4", "onnx-10x4", "keras-16-features", "onnx-16-features", "onnx-symbolic-features"],
)
def test_input_that_is_not_the_datas_flat_vector_is_refused(tmp_path, capsys, model, n_features, shape):
    """A model taking (batch, 10, 4) on data of 40 features, 16 features on data of 4, or a symbolic
    feature count: one `error:` line with exit 2 naming the model's input shape and the data's feature
    count, before conversion."""
    non_flat = shape.count(",") == 2
    if model == "keras":
        path = keras_file(tmp_path, (10, 4) if non_flat else (16,))
    else:
        path = FILES / ("flat_10x4.onnx" if non_flat else "bn_mlp_dynamic.onnx")
    if "None, None" in shape:  # the feature dimension made symbolic too
        import onnx

        proto = onnx.load(str(path))
        proto.graph.input[0].type.tensor_type.shape.dim[1].dim_param = "features"
        path = tmp_path / "symbolic.onnx"
        onnx.save(proto, str(path))
    features = [f"f{i}" for i in range(n_features)]
    csv = write(events(400, seed=2, n_features=n_features), tmp_path / "events.csv")
    design = {
        "name": "shape",
        "kind": "nn",
        "data": {"path": str(csv), "features": features, "label": "kind", "standardise": False},
        "model": {"pretrained": str(path)},
    }
    status, out, _ = run_cli(tmp_path, design, capsys)
    errors = [line for line in out.splitlines() if line.startswith("error:")]
    assert status == 2 and len(errors) == 1, out
    assert f"model.pretrained: {path}: the model's input" in errors[0]
    assert f"has shape {shape}" in errors[0]
    if "None, None" in shape:
        assert "its feature dimension is not fixed" in errors[0]
    assert f"the data give one flat vector of {n_features} features per event" in errors[0]
    assert not (tmp_path / "run" / "hls4ml").exists()
