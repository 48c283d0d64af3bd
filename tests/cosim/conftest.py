"""What the cosim tests share: an hls4ml project around the hand-written tests/hdl/hls_style_dot.v, its
reference files written from the function that Verilog computes, and `harness cosim` run in-process."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from harness.cli import main

from ..conftest import HDL
from ..tb.test_hls_parallel import BIAS, WEIGHTS

VECTORS = 400
CLOCK_NS = 5.0
#: hls_style_dot's codes read as ap_fixed: 8-bit inputs with 5 fractional bits, 16-bit outputs with 5.
DOT_FRAC = 5
HLS4ML_CONFIG = f"""\
Backend: Vitis
ClockPeriod: {CLOCK_NS}
IOType: io_parallel
KerasModel: !keras_model hls_style_dot/keras_model.keras
OutputDir: hls_style_dot
ProjectName: hls_style_dot
HLSConfig:
  Model:
    Precision: fixed<16,6>
    ReuseFactor: 1
"""
DEFINES_H = """\
#ifndef DEFINES_H_
#define DEFINES_H_
#include "ap_fixed.h"
#include "ap_int.h"
// hls-fpga-machine-learning insert layer-precision
typedef ap_fixed<8,3> input_t;
typedef ap_fixed<16,11> layer2_t;
typedef ap_fixed<16,11> result_t;
#endif
"""


def printed(values: np.ndarray) -> str:
    """One vector a line, space-separated, as hls4ml's testbench prints (6 significant digits)."""
    return "".join(" ".join(f"{v:.6g}" for v in row) + " \n" for row in values)


def dot_project(folder: Path, n: int = VECTORS, seed: int = 5) -> tuple[Path, np.ndarray]:
    """An hls4ml io_parallel project synthesised by Vitis HLS, around tests/hdl/hls_style_dot.v; the
    input codes it was written from."""
    codes = np.random.default_rng(seed).integers(-128, 128, size=(n, 4))
    verilog = folder / "hls_style_dot_prj" / "solution1" / "syn" / "verilog"
    verilog.mkdir(parents=True)
    shutil.copy(HDL / "hls_style_dot.v", verilog)
    (folder / "firmware").mkdir()
    (folder / "firmware" / "defines.h").write_text(DEFINES_H)
    (folder / "hls4ml_config.yml").write_text(HLS4ML_CONFIG)
    (folder / "tb_data").mkdir()
    (folder / "tb_data" / "tb_input_features.dat").write_text(printed(codes / 2**DOT_FRAC))
    (folder / "tb_data" / "csim_results.log").write_text(printed((codes @ WEIGHTS.T + BIAS) / 2**DOT_FRAC))
    return folder, codes


@dataclass
class Run:
    code: int
    out: Path
    stdout: str
    metrics_file: Path

    @property
    def metrics(self) -> dict:
        return json.loads(self.metrics_file.read_text())


def cosim(capsys, project: Path, out: Path, *extra: str) -> Run:
    code = main(["cosim", str(project), "--out", str(out), *extra])
    return Run(code, out, capsys.readouterr().out, out / "metrics.json")
