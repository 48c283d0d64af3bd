import pytest

from harness.spec import NNModelSpec, SpecError, apply_overrides, from_dict, load

from ..conftest import ROOT

DESIGN = ROOT / "designs" / "jet_mlp.yaml"


def test_default_design_loads_with_documented_defaults():
    spec = load(DESIGN)
    assert spec.kind == "nn" and isinstance(spec.model, NNModelSpec)
    assert spec.model.hidden == [64, 32, 32] and spec.model.weight_bits == 6
    assert spec.firmware.part == "xcvu9p-flga2104-2L-e" and spec.firmware.clock_ns == 5.0
    assert spec.firmware.reuse_factor == 1 and spec.verify.vectors == 10000


def test_overrides_are_parsed_as_yaml():
    spec = load(DESIGN, ["model.hidden=[24,12]", "model.weight_bits=4", "firmware.pipeline_stages=null"])
    assert spec.model.hidden == [24, 12] and spec.model.weight_bits == 4
    assert spec.firmware.pipeline_stages is None


def test_hash_depends_on_every_field_and_seed():
    base = load(DESIGN)
    assert base.design_hash() == load(DESIGN).design_hash()
    assert base.design_hash() != load(DESIGN, ["seed=1"]).design_hash()
    assert base.design_hash() != load(DESIGN, ["firmware.clock_ns=4"]).design_hash()


def test_size_limit_left_null_keeps_existing_hashes():
    """verify.max_rtl_lut (added after designs were hashed) leaves the hash as it was while null, so
    cached results and regression baselines stay valid; a value set is part of the hash."""
    from harness.spec import hashing

    base = load(DESIGN)
    assert base.verify.max_rtl_lut is None
    spec = base.to_dict()
    del spec["verify"]["max_rtl_lut"]
    assert base.design_hash() == hashing.design_hash(spec, base.file_digests())
    assert base.design_hash() != load(DESIGN, ["verify.max_rtl_lut=200000"]).design_hash()
    with pytest.raises(SpecError, match=r"verify\.max_rtl_lut: 0 is not valid; must be > 0"):
        load(DESIGN, ["verify.max_rtl_lut=0"])


@pytest.mark.parametrize(
    "override, message",
    [
        ("model.hiden=[8]", r"unknown key model\.hiden; valid keys in model:\n  hidden: hidden layer widths"),
        ("model.weight_bits=0", r"model\.weight_bits: 0 is not valid; must be between 1 and 32"),
        ("model.hidden=[8,0]", r"model\.hidden: \[8, 0\] is not valid; must be a non-empty list"),
        ("firmware.input_precision=ap_fixed<16,6,ROUND>", r"rounding mode 'ROUND' is not valid"),
        (
            "firmware.strategy=Fast",
            r"firmware\.strategy: 'Fast' is not valid; must be one of 'Latency', 'Resource'",
        ),
        ("firmware.clock_ns=fast", r"firmware\.clock_ns: 'fast' is not valid; expected float"),
        ("data.name=mnist", r"data\.name: 'mnist' is not valid; must be one of 'jets-synthetic'"),
        ("verify=3", r"verify: expected a mapping, got 3"),
    ],
)
def test_bad_values_name_the_key_and_what_is_valid(override, message):
    with pytest.raises(SpecError, match=message):
        load(DESIGN, [override])


def test_bad_kind_and_bad_override_syntax():
    with pytest.raises(SpecError, match="kind: 'cnn' is not valid; must be one of 'nn', 'bdt'"):
        from_dict({"name": "x", "kind": "cnn"})
    with pytest.raises(SpecError, match="must look like key.sub=value"):
        apply_overrides({}, ["model.hidden"])
    with pytest.raises(SpecError, match="does not exist"):
        load(ROOT / "designs" / "nope.yaml")


def test_cli_rejects_bad_design_with_message(capsys):
    from harness.cli import main

    assert main(["evaluate", str(DESIGN), "--set", "model.activation_bits=99", "--fidelity", "estimate"]) == 2
    assert "model.activation_bits: 99 is not valid" in capsys.readouterr().out
