"""Every refusal of the user's input, in every sub-command, is one `error:` line and exit status 2.

Exit status 1 means the firmware failed its check (RTL mismatches); a refused spec, model, data file or
study must not look like that, nor like a crash. `harness.cli.main` turns the refusals of all commands
(SpecError and its kinds: data, model, layer, precision, HLS ports; a missing tool) into that line.
A missing data file used to escape as a RuntimeError traceback.
"""

from __future__ import annotations

import pytest

from harness.cli import main

from ..conftest import ROOT


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (
            ["evaluate", "designs/jet_mlp.yaml", "--set", "data.name=jets-hlf", "--set", "data.path=no.npz"],
            "error: data.path designs/no.npz does not exist",
        ),
        (
            ["evaluate", "designs/jet_mlp.yaml", "--set", "model.hidden=[0]"],
            "error: model.hidden: [0] is not valid",
        ),
        (["sweep", "sweeps/missing.yaml"], "error: sweep file sweeps/missing.yaml does not exist"),
        (["sweep", "status"], "error: harness sweep status needs the sweep spec or --study NAME"),
        (["report"], "error: name the study"),
        (
            ["study", "add", "sweeps/jet_mlp.yaml", "no-such-metrics.json"],
            "error: no study 'jet_mlp': the storage",
        ),
    ],
    ids=["data-file", "design-value", "sweep-spec", "sweep-status", "report", "study-add"],
)
def test_refusal_is_one_error_line_with_exit_2(args, words, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    code = main([*args, *(["--out", str(tmp_path / "run")] if args[0] == "evaluate" else [])])
    out = capsys.readouterr().out
    errors = [line for line in out.splitlines() if line.startswith("error:")]
    assert code == 2 and len(errors) == 1 and errors[0].startswith(words), out


@pytest.mark.parametrize(
    ("command", "fidelity_words"),
    [
        (["evaluate", "designs/jet_mlp.yaml", "--fidelity", "synth"], "yosys is not available"),
        (["sweep", "sweeps/jet_mlp.yaml", "--trials", "1"], "yosys is not available"),
    ],
)
def test_a_missing_or_misnamed_yosys_is_refused_before_any_work(
    command, fidelity_words, tmp_path, monkeypatch, capsys
):
    """A fidelity's tools are required before training: a HARNESS_YOSYS that names no Yosys build is
    one `error:` line naming the variable and the valid builds, and nothing is trained or stored."""
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("HARNESS_YOSYS", "vivado")
    out = tmp_path / "out"
    extra = ["--out", str(out)] if command[0] == "evaluate" else ["--results", str(out)]
    assert main([*command, *extra]) == 2
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert (
        line.startswith(f"error: {fidelity_words}") and "HARNESS_YOSYS='vivado' is not a Yosys build" in line
    )
    assert "valid: pyosys, yowasp, system" in line and not out.exists()


def test_version_and_every_command_has_a_description(capsys):
    """`harness --version` prints the installed version; each command's --help says what it does and,
    where it can fail, its exit codes."""
    import harness
    from harness.cli import build_parser

    with pytest.raises(SystemExit) as stopped:
        main(["--version"])
    assert stopped.value.code == 0 and capsys.readouterr().out == f"harness {harness.__version__}\n"
    commands = build_parser()._subparsers._group_actions[0].choices  # noqa: SLF001
    assert set(commands) >= {"evaluate", "sweep", "report", "regress", "cosim", "doctor", "study"}
    for name in ("evaluate", "report", "doctor", "regress", "cosim"):
        assert "exit" in (commands[name].description or "").lower(), name
    assert "default verify" in commands["evaluate"].description
