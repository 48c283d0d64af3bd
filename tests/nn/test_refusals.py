"""Models the flow cannot build are refused through the CLI as one `error:` line with exit status 2.

hls4ml raises a bare `Exception("ERROR: Unsupported layer type: GaussianNoise")` for a Keras layer it has
no handler for, which reached the user as a traceback with exit status 1 (the status the README keeps
for RTL mismatches). The refusal now names the user's layer, its type and what hls4ml supports; a layer
hls4ml converts but the RTL bridge does not implement is refused the same way, before any Verilog.
"""

from __future__ import annotations

import pytest
import yaml

from harness.cli import main

from .conftest import pretrained_design, save_pretrained


def _model(kind: str):
    import tensorflow as tf

    tf.keras.utils.set_random_seed(0)
    extra = {
        "noise": tf.keras.layers.GaussianNoise(0.1, name="smear"),
        "elu": tf.keras.layers.Activation("elu", name="soft_relu"),
    }[kind]
    return tf.keras.Sequential(
        [tf.keras.Input((16,)), tf.keras.layers.Dense(8, name="fc1"), extra, tf.keras.layers.Dense(5)],
        name=kind,
    )


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("noise", "error: layer smear (GaussianNoise) is not supported by hls4ml 1.3.0: remove it"),
        ("elu", "error: layer soft_relu (ParametrizedActivation"),  # ELU: hls4ml converts, the RTL does not
    ],
)
def test_unsupported_layer_is_one_error_line_and_exit_2(kind, words, tmp_path, capsys):
    arch, weights = save_pretrained(_model(kind), tmp_path / "model")
    design = tmp_path / "design.yaml"
    design.write_text(yaml.safe_dump(pretrained_design(kind, arch, weights, {"arithmetic": "da"}, 500)))
    code = main(["evaluate", str(design), "--fidelity", "estimate", "--out", str(tmp_path / "run")])
    out = capsys.readouterr().out
    assert code == 2, out
    errors = [line for line in out.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith(words) and "not supported" in errors[0], out
    assert "Traceback" not in out and not (tmp_path / "run" / "metrics.json").exists()
