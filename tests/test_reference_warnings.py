"""When the bit-accurate reference itself departs from the float model, the record says so.

Bit-exact RTL of a broken reference is still broken: hls4ml 1.3.0 drops a QActivation(quantized_bits)
that follows a QDense, and a BDT's leaves can wrap in a narrow score type. Both used to show only as
a low agreement or a count buried in the record; now they are printed and listed under `warnings`.
"""

from harness.flow import estimate_record, prepare
from harness.spec import load

from .conftest import ROOT
from .nn.conftest import pretrained_spec, qkeras_mlp, save_pretrained


def _record(spec, tmp_path, toolchain):
    return estimate_record(prepare(spec, tmp_path, toolchain), toolchain).to_dict()


def test_layer_dropped_by_hls4ml_is_a_warning(tmp_path, toolchain, capsys):
    from qkeras import QActivation

    records = {}
    for name, quantizer in (("relu", "quantized_relu(6,0)"), ("bits", "quantized_bits(3,0,alpha=1)")):
        model = qkeras_mlp((16, 32, 5), 3, lambda i, q=quantizer: QActivation(q, name=f"act{i}"))
        arch, weights = save_pretrained(model, tmp_path / name)
        spec = pretrained_spec(f"w_{name}", arch, weights, {}, vectors=2000)
        records[name] = _record(spec, tmp_path / f"run_{name}", toolchain)
    assert records["relu"]["warnings"] == []
    assert records["relu"]["accuracy"]["emulation_vs_float_agreement"] >= 0.9
    bits = records["bits"]
    assert bits["accuracy"]["emulation_vs_float_agreement"] < 0.9
    assert "agrees with the float model on only" in bits["warnings"][0]
    assert "warning: the bit-accurate reference agrees" in capsys.readouterr().out


def test_bdt_leaves_wrapping_in_the_score_type_is_a_warning(tmp_path, toolchain):
    overrides = ["data.n_samples=4000", "model.n_trees=10", "model.max_depth=6", "model.learning_rate=1.0"]
    overrides.append("firmware.score_precision=ap_fixed<5,2>")  # range [-2, 1.875]
    record = _record(load(ROOT / "designs" / "track_quality_bdt.yaml", overrides), tmp_path, toolchain)
    assert record["model"]["leaves_out_of_range"] > 0
    assert any("leaf values lie outside the score precision" in w for w in record["warnings"])
