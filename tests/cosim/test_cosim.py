"""`harness cosim` on project folders laid out as hls4ml and Vivado/Vitis HLS leave them.

No Vivado/Vitis HLS exists here, so the exported RTL is the hand-written HLS-convention Verilog of
tests/hdl (see those files), and the reference files are written by the test from the function that
Verilog computes, in the formats hls4ml writes them: `tb_input_features.dat` with float features,
`csim_results.log` with the outputs as `ap_fixed` prints them (6 significant digits).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from harness.cli import main
from harness.cosim.job import prepare
from harness.cosim.precision import find_precisions

from ..conftest import HDL
from ..hls.report_texts import csynth, write
from ..tb.test_hls_parallel import BIAS, II, LATENCY, WEIGHTS
from .conftest import CLOCK_NS, DOT_FRAC, VECTORS, Run, cosim, dot_project, printed


@dataclass
class DotRun(Run):
    project: Path
    codes: np.ndarray  # the input codes the reference was written from


@pytest.fixture(scope="module")
def dot_run(tmp_path_factory) -> DotRun:
    """`harness cosim` on the hls4ml-style project, run once for the module's tests. Its metrics are
    kept apart: a later run into the same folder reuses the built simulator (Verilator skips
    identical sources, make finds the objects up to date) and rewrites metrics.json."""
    folder = tmp_path_factory.mktemp("cosim-dot")
    project, codes = dot_project(folder / "hls_style_dot")
    out = folder / "out"
    code = main(["cosim", str(project), "--out", str(out)])
    kept = folder / "metrics.json"
    shutil.copy(out / "metrics.json", kept)
    return DotRun(code, out, "", kept, project, codes)


def test_hls4ml_project_is_bit_exact_with_latency_ii_and_sources(dot_run: DotRun) -> None:
    assert dot_run.code == 0
    metrics = dot_run.metrics
    verification = metrics["verification"]
    assert verification["vectors"] == VECTORS and verification["mismatches"] == 0
    assert verification["bit_exact"] and verification["testbench"] == "tb.hls_parallel"
    assert "tb_data/csim_results.log (inputs " in verification["reference"]
    latency = metrics["latency"]
    assert latency["cycles"] == latency["max_cycles"] == LATENCY and latency["ii_cycles"] == II
    assert latency["clock_ns"] == CLOCK_NS and latency["ns"] == LATENCY * CLOCK_NS
    assert latency["source"].startswith("verilator ") and "(measured) on vendor RTL" in latency["source"]
    assert latency["source"].endswith("hls_style_dot_prj/solution1/syn/verilog")
    found = metrics["cosim"]
    # defines.h decides over hls4ml_config.yml's model precision
    assert found["input_precision"] == {"type": "ap_fixed<8,3>", "source": "firmware/defines.h (input_t)"}
    assert found["output_precision"] == {"type": "ap_fixed<16,11>", "source": "firmware/defines.h (result_t)"}
    assert found["inputs"] == {"ports": ["input_1"], "elements": 4}
    assert found["outputs"] == {"ports": ["layer5_out_0", "layer5_out_1"], "elements": 2}
    assert "ProjectName in hls4ml_config.yml" in found["top_reason"]
    assert metrics["resources"]["lut"] is None  # no vendor report in the project: unknown, not zero
    assert metrics["tools"]["verilator"] and metrics["tools"]["cocotb"]


def test_study_add_accepts_the_cosim_metrics(dot_run: DotRun, tmp_path: Path) -> None:
    """The metrics.json goes into a study as a vendor-measured point with its measured latency."""
    from harness.report.study import from_spec
    from harness.sweep import SweepOptions, load_sweep, open_study
    from tests.sweep.conftest import TINY_SPACE, write_sweep

    spec = write_sweep(
        tmp_path,
        name="cosim",
        space=TINY_SPACE,
        objectives=[
            {"metric": "accuracy.emulation", "direction": "maximize"},
            {"metric": "latency.ns", "direction": "minimize"},
        ],
    )
    results = tmp_path / "results"
    open_study(load_sweep(spec), SweepOptions(results=results))  # the study, without running a trial
    args = ["study", "add", str(spec), str(dot_run.metrics_file), "--accuracy", "0.75"]
    assert main([*args, "--label", "cosim", "--results", str(results)]) == 0
    _, study = from_spec(str(spec), results, None, None)
    (trial,) = study.get_trials()
    assert trial.values == [0.75, LATENCY * CLOCK_NS]
    assert "(measured) on vendor RTL" in trial.user_attrs["sources"]["latency.ns"]
    # the harness simulated this vendor RTL itself: the point is verified, unlike a vendor report alone
    assert trial.user_attrs["verified"] is True and trial.user_attrs["mismatches"] == 0


def test_the_same_rtl_cosimulated_from_a_copied_project_is_a_duplicate(
    dot_run: DotRun, tmp_path: Path, capsys
) -> None:
    """The project copied under another name and co-simulated again: its metrics differ in every path
    and run time, but the RTL and vectors are the same, so `study add` flags the second import as a
    duplicate (before, the fingerprint hashed the whole file, paths and seconds included)."""
    from harness.sweep import SweepOptions, load_sweep, open_study, records
    from tests.sweep.conftest import write_sweep

    copy = tmp_path / "dot_reexported"
    shutil.copytree(dot_run.project, copy)
    again = cosim(capsys, copy, tmp_path / "out")
    assert again.code == 0, again.stdout
    first, second = dot_run.metrics, again.metrics
    assert first["cosim"]["project"] != second["cosim"]["project"]
    latency_only = [{"metric": "accuracy.emulation", "direction": "maximize"}]
    latency_only.append({"metric": "latency.ns", "direction": "minimize"})  # the RTL's resources: unknown
    spec = write_sweep(tmp_path, name="dup", objectives=latency_only)
    results = tmp_path / "results"
    assert main(["sweep", str(spec), "--results", str(results), "--trials", "0"]) == 0
    for run in (dot_run, again):
        args = ["study", "add", str(spec), str(run.metrics_file), "--accuracy", "0.75"]
        assert main([*args, "--results", str(results)]) == 0, capsys.readouterr().out
    said = capsys.readouterr().out
    assert said.count("[study] warning: duplicate of trial 0") == 1, said
    one, two = records(open_study(load_sweep(spec), SweepOptions(results=results)))
    assert one.design_hash == two.design_hash


def test_a_corrupted_expected_value_is_caught_naming_the_vector(
    capsys, dot_run: DotRun, tmp_path: Path
) -> None:
    """The same project against a copy of csim_results.log with one value one LSB off, into the same
    output folder (so the simulator built for it is reused)."""
    lines = (dot_run.project / "tb_data" / "csim_results.log").read_text().splitlines(keepends=True)
    row = dot_run.codes[57] @ WEIGHTS.T + BIAS
    lines[57] = printed([[row[0] / 2**DOT_FRAC, (row[1] + 1) / 2**DOT_FRAC]])
    corrupted = tmp_path / "csim_results.log"
    corrupted.write_text("".join(lines))
    inputs = dot_run.project / "tb_data" / "tb_input_features.dat"
    run = cosim(capsys, dot_run.project, dot_run.out, "--inputs", str(inputs), "--expected", str(corrupted))
    assert run.code == 1
    assert f"NOT bit-exact: 1 mismatched output words in 1 of {VECTORS} vectors" in run.stdout
    got = f"vector 57: inputs={dot_run.codes[57].tolist()} expected={[row[0], row[1] + 1]} rtl={row.tolist()}"
    assert got in run.stdout
    metrics = run.metrics
    assert metrics["verification"]["mismatches"] == 1 and not metrics["verification"]["bit_exact"]
    assert metrics["verification"]["first_mismatches"][0]["index"] == 57
    assert metrics["seconds"]["build"] < 5  # the simulator built for dot_run, not a new build


def _tanh_table() -> np.ndarray:
    """ap_fixed<16,6> codes of tanh(x) for every ap_fixed<8,3> code of x, addressed by its 8 bits."""
    x = (np.arange(256) - 256 * (np.arange(256) >= 128)) / 32
    return np.round(np.tanh(x) * 1024).astype(np.int64)


def test_packed_ports_and_a_rom_read_with_readmemh(capsys, tmp_path: Path) -> None:
    """Vivado HLS naming (`_V`), packed input and output ports, an active-low `ap_rst_n`, a ROM whose
    .dat sits beside the Verilog in impl/verilog, a C-synthesis report in syn/report; reference as
    comma-separated files, precisions given as flags."""
    table = _tanh_table()
    verilog = tmp_path / "prj" / "myproject_prj" / "solution1" / "impl" / "verilog"
    verilog.mkdir(parents=True)
    shutil.copy(HDL / "hls_style_rom.v", verilog)
    (verilog / "hls_style_rom_table_V_rom.dat").write_text("".join(f"{v & 0xFFFF:04x}\n" for v in table))
    report = csynth("Sat Mar 18 22:59:37 2023", "solution1", dsp=0, lut=321, top="hls_style_rom")
    write(verilog.parents[1] / "syn" / "report", "hls_style_rom_csynth.rpt", report)
    milli = np.random.default_rng(7).integers(-4096, 4096, size=(300, 4))  # multiples of 1/1024
    address = (milli >> 5) & 0xFF  # ap_fixed<8,3> truncates to 1/32, the code's 8 bits address the ROM
    inputs, expected = tmp_path / "x.csv", tmp_path / "y.csv"
    inputs.write_text("".join(",".join(repr(v) for v in row) + "\n" for row in milli / 1024))
    expected.write_text("".join(",".join(f"{v:.6g}" for v in row) + "\n" for row in table[address] / 1024))
    run = cosim(
        capsys,
        tmp_path / "prj",
        tmp_path / "out",
        *("--inputs", str(inputs), "--expected", str(expected)),
        *("--input-precision", "ap_fixed<8,3>", "--output-precision", "ap_fixed<16,6>"),
    )
    assert run.code == 0, run.stdout
    metrics = run.metrics
    assert metrics["verification"]["vectors"] == 300 and metrics["verification"]["mismatches"] == 0
    assert metrics["latency"]["cycles"] == 2 and metrics["latency"]["ii_cycles"] == 3
    assert metrics["latency"]["ns"] is None  # no clock in the project: unknown
    # resources from the project's own C-synthesis report, with its source; Verilator measures none
    assert (metrics["resources"]["lut"], metrics["resources"]["dsp"]) == (321, 0)
    assert metrics["resources"]["source"] == "Vivado HLS 2020.1 csynth estimate"
    assert metrics["vendor"]["top"] == "hls_style_rom"
    assert metrics["cosim"]["inputs"] == {"ports": ["x_V"], "elements": 4}
    assert metrics["cosim"]["outputs"] == {"ports": ["y_V"], "elements": 4}
    assert "bit-exact: 0 mismatched output words in 0 of 300 vectors" in run.stdout


def test_the_input_type_comes_from_the_input_layer_of_a_real_hls4ml_config(shared_fixtures: Path) -> None:
    """A real hls4ml_config.yml (Vivado HLS 2020.1 project) sets `input_1` to fixed<14,6> and leaves the
    other layers `auto`: the input port `input_1_V` takes the input layer's type, the output the model's."""
    project = shared_fixtures / "vendor-reports" / "calwilee-vivadohls2020.1-csynth-only"
    inputs, outputs = find_precisions(project, None, None, "input_1_V")
    assert (str(inputs.type), inputs.source) == (
        "ap_fixed<14,6>",
        "hls4ml_config.yml (HLSConfig.LayerName.input_1.Precision.result)",
    )
    assert (str(outputs.type), outputs.source) == (
        "ap_fixed<16,6>",
        "hls4ml_config.yml (HLSConfig.Model.Precision.default)",
    )


def test_per_element_ap_none_inputs_with_vivado_naming_are_found(tmp_path: Path) -> None:
    """The conifer-style top in the same file (`x_0_V`..`x_3_V`, ap_none) chosen with --top: one
    8-bit element per port, and the vectors coded for them (no build: `prepare` only)."""
    project, codes = dot_project(tmp_path / "prj", n=30)
    job = prepare(project, top="hls_style_dot_ap_none", vectors=25)
    assert job.inputs.ports == ("x_0_V", "x_1_V", "x_2_V", "x_3_V") and job.inputs.elements == 4
    assert job.outputs.ports == ("score_0_V", "score_1_V") and job.outputs.widths == (16, 16)
    assert job.top_reason == "given with --top"
    assert np.array_equal(job.vectors.inputs, codes[:25])
    assert np.array_equal(job.vectors.expected, codes[:25] @ WEIGHTS.T + BIAS)


# --------------------------------------------------------------------------------------------------
# Refusals: one `error:` line, exit 2, nothing built


def _refused(capsys, tmp_path: Path, project: Path, *extra: str) -> str:
    run = cosim(capsys, project, tmp_path / "out", *extra)
    assert run.code == 2, run.stdout
    lines = run.stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), run.stdout
    assert not (tmp_path / "out").exists()  # refused before any Verilator build
    return lines[0]


def test_no_verilog_is_refused_saying_where_it_looked(capsys, tmp_path: Path) -> None:
    project, _ = dot_project(tmp_path / "prj")
    shutil.rmtree(project / "hls_style_dot_prj")
    line = _refused(capsys, tmp_path, project)
    assert f"no Verilog (.v files) under {project}" in line
    assert "solution*/syn/verilog" in line and "impl/verilog" in line


def test_vectors_of_the_wrong_shape_are_refused_naming_both_shapes(capsys, tmp_path: Path) -> None:
    project, _ = dot_project(tmp_path / "prj", n=20)
    features = project / "tb_data" / "tb_input_features.dat"
    features.write_text(printed(np.ones((20, 3))))
    line = _refused(capsys, tmp_path, project)
    assert f"{features} holds 20 vectors of 3 values" in line
    assert "take 4 per vector (4 x ap_fixed<8,3> on packed port input_1 [32])" in line


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            ("--input-precision", "fixed<16"),
            "--input-precision: precision 'fixed<16' is not valid; write e.g.",
        ),
        (
            ("--output-precision", "ap_fixed<16,6,RND_NEAR>"),
            "rounding mode 'RND_NEAR' is not valid; must be one",
        ),
        (("--input-precision", "ap_fixed<12,4>"), "input ports {'input_1': 32} of hls_style_dot do not hold"),
        (("--output-precision", "ap_fixed<16,6>"), "is not a value of ap_fixed<16,6>"),
        (("--inputs", "x.dat"), "give both --inputs and --expected, or neither"),
        (
            ("--inputs", "nan.dat", "--expected", "nan.dat"),
            "nan.dat line 2: NaN or infinity among '1 nan 2 3'",
        ),
        (("--top", "nothing"), "--top nothing: no such module in the Verilog; modules: hls_style_dot,"),
    ],
)
def test_bad_input_is_refused_before_any_build(capsys, tmp_path: Path, extra: tuple, expected: str) -> None:
    project, _ = dot_project(tmp_path / "prj", n=20)
    (tmp_path / "nan.dat").write_text("0 1 2 3\n1 nan 2 3\n")
    extra = tuple(str(tmp_path / a) if a.endswith(".dat") else a for a in extra)
    assert expected in _refused(capsys, tmp_path, project, *extra)


def test_verilog_that_does_not_build_exits_2_with_verilators_error(capsys, tmp_path: Path) -> None:
    """Found and checked, then refused by Verilator's parser (seconds: nothing is compiled)."""
    project, _ = dot_project(tmp_path / "prj", n=20)
    source = project / "hls_style_dot_prj" / "solution1" / "syn" / "verilog" / "hls_style_dot.v"
    source.write_text(
        source.read_text().replace("assign layer5_out_0 = sum_0;", "assign layer5_out_0 = sum_0 +;")
    )
    run = cosim(capsys, project, tmp_path / "out")
    assert run.code == 2
    last = run.stdout.strip().splitlines()[-1]
    assert last.startswith("error: the Verilog did not build or run: %Error: ")
    assert "hls_style_dot.v:124:30: syntax error" in last
