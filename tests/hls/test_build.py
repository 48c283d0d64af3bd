"""The vendor build path as far as it goes without Vivado/Vitis: refusals, plans, and hls4ml's and
conifer's own build() calls.

No vendor tool exists here. Where a test needs one to be "found", it puts stand-in executables on the
search path: real shell scripts named vitis-run, vitis_hls, vivado_hls and vivado that print a version
banner and record the arguments and folder they were called with, and build nothing. They let the
real discovery find a versioned tool and show the exact command lines hls4ml and conifer run; they
are never used for any metric (a build through them must fail for want of reports, and does).
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import numpy as np
import pytest

from harness.hls.build import vendor_metrics
from harness.hls.build_plan import conifer_xilinxhls_model, plan_conifer_build, plan_hls4ml_build
from harness.hls.build_run import VendorBuildError, run_conifer_build, run_hls4ml_build
from harness.hls.ports import HlsPortError, array_groups, hls_ports, resolve_ports
from harness.hls.vendor_tools import VendorToolMissing
from harness.spec import from_dict
from harness.stages import Converted
from harness.toolchain import Toolchain, ToolNotFoundError

from .conftest import vendor_path

BANNERS = {
    "vitis-run": "vitis-run v2024.2 (64-bit)",
    "vitis_hls": "Vitis HLS - High-Level Synthesis from C, C++ and OpenCL v2023.2 (64-bit)",
    "vivado_hls": "Vivado(TM) HLS - High-Level Synthesis from C, C++ and SystemC v2020.1 (64-bit)",
    "vivado": "Vivado v2024.2 (64-bit)",
}
PART = "xcvu9p-flga2104-2L-e"


def stand_in_tools(folder: Path, *names: str) -> Toolchain:
    """The toolchain found on a search path holding only stand-ins for `names`."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        script = folder / name
        script.write_text(
            "#!/bin/sh\n"
            "# Stand-in: states a version and records its call; builds nothing.\n"
            f'case "$1" in -version|--version) echo "{BANNERS[name]}"; exit 0;; esac\n'
            f'{{ pwd; for a in "$@"; do echo "$a"; done; }} > "$(dirname "$0")/{name}.call"\n'
        )
        script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return Toolchain.discover(path=str(folder))


def recorded_call(folder: Path, name: str) -> tuple[Path, tuple[str, ...]]:
    """(working folder, argv[1:]) of the stand-in's last call."""
    cwd, *args = (folder / f"{name}.call").read_text().splitlines()
    return Path(cwd), tuple(args)


@pytest.fixture(scope="module")
def keras_model():
    from tensorflow import keras

    layers = keras.layers
    return keras.Sequential(
        [
            # Keras' default name for a first model's input, named so that models other tests built in
            # this process (input_2, input_3, ...) do not change it
            layers.Input((4,), name="input_1"),
            layers.Dense(3, name="fc1"),
            layers.Activation("relu", name="relu1"),
            layers.Dense(2, name="fc2"),
        ]
    )


def hls4ml_project(keras_model, backend: str, output_dir: Path):
    """A real hls4ml 1.3.0 io_parallel project, converted and written."""
    import hls4ml

    config = hls4ml.utils.config_from_keras_model(keras_model, granularity="model")
    model = hls4ml.converters.convert_from_keras_model(
        keras_model,
        hls_config=config,
        backend=backend,
        io_type="io_parallel",
        output_dir=str(output_dir),
        part=PART,
        clock_period=5,
    )
    model.write()
    return model


@pytest.fixture(scope="module")
def vitis_model(keras_model, tmp_path_factory):
    return hls4ml_project(keras_model, "Vitis", tmp_path_factory.mktemp("hls4ml") / "vitis_prj")


@pytest.fixture(scope="module")
def cpp_forest(tmp_path_factory):
    """A real conifer model on its cpp (emulation) backend, as the BDT flow converts them."""
    from conifer.converters import convert_from_sklearn
    from sklearn.ensemble import GradientBoostingClassifier

    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 3))
    y = (x[:, 0] + x[:, 1] > 0).astype(int)
    forest = GradientBoostingClassifier(n_estimators=3, max_depth=2).fit(x, y)
    precision = "ap_fixed<16,6>"
    return convert_from_sklearn(
        forest,
        {
            "Backend": "cpp",
            "OutputDir": str(tmp_path_factory.mktemp("conifer") / "cpp"),
            "ProjectName": "bdt",
            "InputPrecision": precision,
            "ThresholdPrecision": precision,
            "WeightPrecision": "ap_fixed<2,2>",
            "ScorePrecision": precision,
        },
    )


# --------------------------------------------------------------------------------------------------
# Refusals


def test_without_vendor_tools_every_entry_point_refuses_naming_the_tools(vitis_model, cpp_forest, tmp_path):
    bare = Toolchain.discover(path=str(tmp_path / "empty"))
    assert bare.vendor_hls is None
    with pytest.raises(VendorToolMissing) as refused:
        plan_hls4ml_build(vitis_model, bare)
    message = str(refused.value)
    assert isinstance(refused.value, ToolNotFoundError)
    assert "needs vitis-run, which hls4ml 1.3.0's Vitis backend runs" in message
    assert "Searched PATH for vitis-run, vitis_hls, vivado_hls: found none of them" in message
    assert "harness evaluate DESIGN --fidelity verify" in message and "settings64.sh" in message

    with pytest.raises(VendorToolMissing, match="needs vivado_hls or vitis_hls or vitis-run, which conifer"):
        plan_conifer_build(conifer_xilinxhls_model(cpp_forest, tmp_path / "x", PART, 5.0), bare)

    spec = from_dict({"name": "refused", "kind": "bdt"})
    for model in (vitis_model, cpp_forest):
        out = tmp_path / f"out-{type(model).__name__}"
        with pytest.raises(VendorToolMissing, match="--fidelity verify"):
            vendor_metrics(spec, Converted(model, [], []), out, bare)
        assert not out.exists()  # refused before doing any work


def test_vitis_hls_alone_does_not_serve_hls4ml_vitis_backend_but_serves_conifer(
    vitis_model, cpp_forest, tmp_path
):
    tools = stand_in_tools(tmp_path / "bin", "vitis_hls")
    with pytest.raises(VendorToolMissing, match="found only vitis_hls 2023.2, which hls4ml 1.3.0's Vitis"):
        plan_hls4ml_build(vitis_model, tools)
    forest = conifer_xilinxhls_model(cpp_forest, tmp_path / "conifer", PART, 5.0)
    plan = plan_conifer_build(forest, tools)
    assert plan.tool.name == "vitis_hls" and plan.tool_version == "2023.2"
    assert plan.commands == (("vitis_hls", "-f", "build_hls.tcl"),)
    with pytest.raises(VendorToolMissing, match="needs vivado, which conifer 1.11 \\(vsynth\\) runs"):
        plan_conifer_build(forest, tools, vsynth=True)


# --------------------------------------------------------------------------------------------------
# hls4ml plans, checked against what hls4ml's own build() runs


def test_vitis_plan_is_what_hls4ml_build_runs(vitis_model, tmp_path):
    bin_dir = tmp_path / "bin"
    tools = stand_in_tools(bin_dir, *BANNERS)
    work = Path(vitis_model.config.get_output_dir()).resolve()
    plan = plan_hls4ml_build(vitis_model, tools, vsynth=True)
    assert plan.tool.name == "vitis-run" and plan.tool_version == "2024.2" and plan.vivado.version == "2024.2"
    assert plan.work_dir == work and plan.top == "myproject"
    assert plan.commands == (
        ("vitis-run", "--tcl", "build_prj.tcl", "--mode", "hls"),
        ("vivado", "-mode", "batch", "-source", "vivado_synth.tcl"),
    )
    assert plan.files == {
        "build_opt.tcl": "array set opt {\n    reset      0\n    csim       0\n"
        "    synth      1\n    cosim      0\n    validation 0\n    export     0\n"
        "    vsynth     1\n    fifo_opt   0\n}\n"
    }
    report_dir = work / "myproject_prj" / "solution1" / "syn" / "report"
    assert plan.reports == {
        "csynth_rpt": report_dir / "myproject_csynth.rpt",
        "csynth_xml": report_dir / "myproject_csynth.xml",
        "verilog": work / "myproject_prj" / "solution1" / "syn" / "verilog",
        "vivado_synth": work / "vivado_synth.rpt",
    }
    assert plan.label == "hls4ml 1.3.0 Vitis backend build() via vitis-run 2024.2 and vivado 2024.2"
    # The scripts the commands name are the ones hls4ml wrote, and sourcing build_opt.tcl is how its
    # build_prj.tcl takes the options.
    assert "source [file join $tcldir build_opt.tcl]" in (work / "build_prj.tcl").read_text()
    assert (work / "vivado_synth.tcl").exists()
    assert plan_hls4ml_build(str(work), tools, vsynth=True) == plan

    path_before = os.environ["PATH"]
    with pytest.raises(VendorBuildError, match="finished but did not write .*myproject_csynth.rpt"):
        run_hls4ml_build(plan, vitis_model)
    assert os.environ["PATH"] == path_before
    assert recorded_call(bin_dir, "vitis-run") == (work, plan.commands[0][1:])
    assert (work / "build_opt.tcl").read_text() == plan.files["build_opt.tcl"]


def test_vivado_plan_is_what_hls4ml_build_runs_and_stale_reports_are_refused(keras_model, tmp_path):
    model = hls4ml_project(keras_model, "Vivado", tmp_path / "vivado_prj")
    bin_dir = tmp_path / "bin"
    tools = stand_in_tools(bin_dir, *BANNERS)
    work = (tmp_path / "vivado_prj").resolve()
    plan = plan_hls4ml_build(model, tools, csim=True, cosim=True)
    assert plan.tool.name == "vivado_hls" and plan.tool_version == "2020.1" and plan.vivado is None
    assert plan.commands == (
        (
            "vivado_hls",
            "-f",
            "build_prj.tcl",
            "reset=False csim=True synth=True "
            "cosim=True validation=False export=False vsynth=False fifo_opt=False",
        ),
    )
    assert plan.files == {}
    solution = work / "myproject_prj" / "solution1"
    assert plan.reports["cosim"] == solution / "sim" / "report" / "myproject_cosim.rpt"

    # A real Vivado HLS 2020.1 project left by an earlier run: its csynth report must not pass for
    # the result of this build.
    earlier = "calwilee-vivadohls2020.1-csynth-only"
    stale = plan.reports["csynth_rpt"]
    stale.parent.mkdir(parents=True)
    shutil.copy(vendor_path(earlier, "vivado_hls.app"), work / "myproject_prj")
    shutil.copy(vendor_path(earlier, "myproject_csynth.rpt"), stale)
    os.utime(stale, (1_600_000_000, 1_600_000_000))
    with pytest.raises(VendorBuildError, match="predates this build"):
        run_hls4ml_build(plan, model)
    assert recorded_call(bin_dir, "vivado_hls") == (work, plan.commands[0][1:])


# --------------------------------------------------------------------------------------------------
# conifer plans


def test_conifer_plan_follows_conifers_tool_order_and_is_what_its_build_runs(cpp_forest, tmp_path):
    bin_dir = tmp_path / "bin"
    tools = stand_in_tools(bin_dir, *BANNERS)
    forest = conifer_xilinxhls_model(cpp_forest, tmp_path / "conifer", PART, 5.0)
    assert forest.config.backend == "xilinxhls" and forest.config.score_precision == "ap_fixed<16,6>"
    forest.write()
    work = (tmp_path / "conifer").resolve()
    plan = plan_conifer_build(forest, tools, export=True)
    assert tools.vendor_hls.name == "vitis-run"  # the toolchain prefers Vitis; conifer does not
    assert plan.tool.name == "vivado_hls" and plan.tool_order == ("vivado_hls", "vitis_hls", "vitis-run")
    assert plan.commands == (("vivado_hls", "-f", "build_hls.tcl"),)
    assert plan.build_kwargs == {
        "reset": False,
        "csim": False,
        "synth": True,
        "cosim": False,
        "export": True,
        "vsynth": False,
    }
    assert plan.files["build_opt.tcl"] == (
        "array set opt {\n    reset 0\n    csim 0\n    synth 1\n    cosim 0\n    export 1\n}\n"
    )
    assert plan.reports["csynth_rpt"] == work / "bdt" / "solution1" / "syn" / "report" / "bdt_csynth.rpt"
    assert plan.reports["ip"] == work / "bdt" / "solution1" / "impl" / "ip"
    assert plan_conifer_build(str(work), tools, export=True) == plan

    with pytest.raises(VendorBuildError, match="did not write .*bdt_csynth.rpt"):
        run_conifer_build(plan, forest)
    assert recorded_call(bin_dir, "vivado_hls") == (work, plan.commands[0][1:])
    assert (work / "build_opt.tcl").read_text() == plan.files["build_opt.tcl"]

    only_unified = stand_in_tools(tmp_path / "bin-unified", "vitis-run")
    assert plan_conifer_build(forest, only_unified).commands == (
        ("vitis-run", "--mode", "hls", "--tcl", "build_hls.tcl"),
    )


# --------------------------------------------------------------------------------------------------
# Port conventions of HLS tops


def test_hls4ml_io_parallel_interface_is_the_one_the_stand_in_top_follows(vitis_model):
    """tests/hdl/hls_style_dot.v stands in for hls4ml's exported RTL: a packed (reshaped) ap_vld input
    and per-element (partitioned) ap_vld outputs. These are the pragmas hls4ml 1.3.0 writes."""
    top = (Path(vitis_model.config.get_output_dir()) / "firmware" / "myproject.cpp").read_text()
    assert "#pragma HLS ARRAY_RESHAPE variable=input_1 complete dim=0" in top
    assert "#pragma HLS ARRAY_PARTITION variable=layer5_out complete dim=0" in top
    assert "#pragma HLS INTERFACE ap_vld port=input_1,layer5_out" in top


def test_array_groups_tell_partitioned_ports_from_packed_ones():
    names = ["input_1", "layer5_out_1_V", "layer5_out_0_V", "x_3", "fc1_input_0", "fc1_input_1"]
    assert array_groups(names) == [
        ["fc1_input_0", "fc1_input_1"],
        ["input_1"],
        ["layer5_out_0_V", "layer5_out_1_V"],
        ["x_3"],
    ]


def test_port_introspection_refuses_what_it_cannot_decide():
    signals = {
        "ap_start": 1,
        "ap_ready": 1,
        "input_1": 32,
        "input_1_ap_vld": 1,
        "layer5_out_0": 16,
        "layer5_out_0_ap_vld": 1,
        "layer5_out_1": 16,
        "layer5_out_1_ap_vld": 1,
    }
    ports = resolve_ports(signals, [8] * 4, [16, 16])
    assert ports.inputs == ("input_1",) and ports.outputs == ("layer5_out_0", "layer5_out_1")
    # 2 x 16-bit in and out: the packed 32-bit port and the pair both fit either side.
    with pytest.raises(HlsPortError, match="2 \\(input, output\\) pairs.*HARNESS_HLS_INPUTS"):
        resolve_ports(signals, [16, 16], [16, 16])


def test_stream_tops_are_refused_by_the_port_reader(tmp_path):
    source = tmp_path / "stream_top.v"
    source.write_text(
        "module stream_top (ap_clk, ap_rst, ap_start, ap_done, ap_idle, ap_ready,\n"
        "        input_1_TDATA, input_1_TVALID, input_1_TREADY, layer5_out_TDATA,\n"
        "        layer5_out_TVALID, layer5_out_TREADY);\n"
        "input   ap_clk;\ninput   ap_rst;\ninput   ap_start;\noutput   ap_done;\n"
        "output   ap_idle;\noutput   ap_ready;\ninput  [31:0] input_1_TDATA;\n"
        "input   input_1_TVALID;\noutput   input_1_TREADY;\noutput  [31:0] layer5_out_TDATA;\n"
        "output   layer5_out_TVALID;\ninput   layer5_out_TREADY;\nendmodule\n"
    )
    with pytest.raises(HlsPortError, match="drives one input array and one output array"):
        hls_ports([source], "stream_top")
