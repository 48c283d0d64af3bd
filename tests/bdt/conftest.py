"""Shared BDT design points: each is trained, converted, emulated, generated and simulated once.

Every point runs the real tools (xgboost, conifer's compiled cpp emulation, the Verilog generator,
cocotb + Verilator) on the real test vectors; the tests then only inspect the results. Points are
session-scoped because each costs a conifer compile (~20 s) and a Verilator build (20-60 s).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import harness
from harness.bdt import STAGES
from harness.data import Dataset
from harness.data import load as load_data
from harness.sim import SimJob, SimResult, StreamVectors, VerilatorSimulator
from harness.spec import DesignSpec, load
from harness.stages import Converted, Emulation, RTLDesign
from harness.toolchain import Toolchain

from ..conftest import ROOT

DESIGNS = ROOT / "designs"
VECTORS = 10_000


@dataclass
class DesignPoint:
    spec: DesignSpec
    dataset: Dataset
    converted: Converted
    emulation: Emulation
    rtl: RTLDesign
    sim: SimResult


def stream_vectors(converted: Converted, emulation: Emulation, n: int = VECTORS) -> StreamVectors:
    """The first `n` test events as the testbench drives them, with conifer's outputs expected."""
    return StreamVectors(
        inputs=emulation.input_codes[:n],
        in_widths=[t.width for t in converted.input_types],
        out_widths=[t.width for t in converted.output_types],
        out_signed=[t.signed for t in converted.output_types],
        expected=emulation.output_codes[:n],
    )


def simulate(rtl: RTLDesign, vectors: StreamVectors, work_dir: Path, toolchain: Toolchain) -> SimResult:
    return VerilatorSimulator(toolchain).run(SimJob(rtl.top, rtl.sources, work_dir, vectors))


def run_point(design: str, overrides: list[str], out_dir: Path, toolchain: Toolchain) -> DesignPoint:
    """All BDT stages plus the Verilator run for `designs/<design>.yaml` with `overrides`."""
    spec = load(DESIGNS / f"{design}.yaml", overrides)
    dataset = load_data(spec.data, spec.seed)
    trained = STAGES.train(spec, dataset, out_dir)
    converted = STAGES.convert(spec, trained, dataset, out_dir, toolchain)
    emulation = STAGES.emulate(spec, converted, dataset.x_test)
    rtl = STAGES.rtl(spec, converted, out_dir / "rtl", toolchain)
    sim = simulate(rtl, stream_vectors(converted, emulation), out_dir / "sim", toolchain)
    return DesignPoint(spec, dataset, converted, emulation, rtl, sim)


#: Track quality with narrow saturating types: thresholds round to nearest, scores saturate at +-2.
TRACK_SATURATING = [
    "firmware.threshold_precision=ap_fixed<12,4,RND,SAT>",
    "firmware.score_precision=ap_fixed<8,2,RND,SAT>",
]
#: The jet forest with scores one bit short of its range: same grid as ap_fixed<16,6>, range +-4, WRAP.
JET_WRAPPING = ["firmware.score_precision=ap_fixed<13,3>", "firmware.clock_ns=2.5"]
#: The jet forest at the design's precision, pipelined by hand.
JET_DEFAULT = ["firmware.pipeline_stages=6"]
#: A small scikit-learn forest (its nodes split with <=, xgboost's with <).
TRACK_SKLEARN = ["model.trainer=sklearn", "model.n_trees=10", "model.max_depth=3"]


@pytest.fixture(scope="session")
def track_flow(toolchain, tmp_path_factory) -> tuple[dict, Path]:
    """`harness evaluate designs/track_quality_bdt.yaml` at full fidelity (Yosys + Verilator), through the
    public API (`harness.evaluate`), as its JSON form (metrics.json)."""
    out = tmp_path_factory.mktemp("track_flow")
    record = harness.evaluate(DESIGNS / "track_quality_bdt.yaml", fidelity="verify", out=out)
    return record.to_dict(), out


@pytest.fixture(scope="session")
def track_saturating(toolchain, tmp_path_factory) -> DesignPoint:
    return run_point("track_quality_bdt", TRACK_SATURATING, tmp_path_factory.mktemp("track_sat"), toolchain)


@pytest.fixture(scope="session")
def track_sklearn(toolchain, tmp_path_factory) -> DesignPoint:
    return run_point("track_quality_bdt", TRACK_SKLEARN, tmp_path_factory.mktemp("track_sklearn"), toolchain)


@pytest.fixture(scope="session")
def jet_default(toolchain, tmp_path_factory) -> DesignPoint:
    return run_point("jet_bdt", JET_DEFAULT, tmp_path_factory.mktemp("jet_default"), toolchain)


@pytest.fixture(scope="session")
def jet_wrapping(toolchain, tmp_path_factory) -> DesignPoint:
    return run_point("jet_bdt", JET_WRAPPING, tmp_path_factory.mktemp("jet_wrap"), toolchain)


def assert_bit_exact(point: DesignPoint) -> None:
    comparison = point.sim.comparison
    print(f"{point.spec.name} {point.converted.info['score_precision']}: {comparison.summary()}")
    assert comparison.vectors >= VECTORS
    assert comparison.mismatched_words == 0, comparison.summary()
    assert point.sim.testbench_passed
    assert np.array_equal(point.sim.outputs.astype(np.int64), point.emulation.output_codes[:VECTORS])
