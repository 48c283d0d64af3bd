"""Resource and latency estimates for a generated BDT: the generator's own model, and conifer's.

`estimate` is what the `estimate` fidelity reports for a BDT: LUTs from per-bit costs fitted to Yosys,
flip-flops from the netlist's register bits, latency from the pipeline plan. `conifer_estimates` is
conifer's own figure for its VHDL and HLS implementations, reported beside it for comparison.
"""

from __future__ import annotations

from typing import Any

from harness.bdt.forest import Forest
from harness.bdt.pipeline import Plan, n_terms

#: LUT cost per bit of each element: least-squares fit (within 15 %) to Yosys synth_xilinx -family xcup
#: on six generated forests (track and jet data, depth 3-5, 10-50 trees per class, 10-16 bit types).
#: Comparisons against constants pack into carry chains, and leaf muxes over constants mostly
#: vanish into the comparison logic. The saturation term comes from one saturating-chain design.
LUT_PER_COMPARE_BIT = 0.23  # per distinct (feature, threshold) comparison
LUT_PER_SELECT_BIT = 0.04  # per 2:1 leaf-mux bit
LUT_PER_ADDER_BIT = 1.16
LUT_PER_SATURATE_BIT = 1.2


def estimate(forest: Forest, accumulation: str, plan: Plan, reg_bits: int) -> dict:
    """The generator's estimate for a design with `reg_bits` register bits in its netlist."""
    return {
        "lut": lut_estimate(forest, accumulation),
        "ff": reg_bits + forest.n_features * forest.threshold_type.width + plan.n_stages + 1,
        "dsp": 0,
        "latency_cycles": plan.n_stages,
        "ii_cycles": 1,
        "source": "estimate: harness.bdt.rtl generator model (LUTs per comparator/mux/adder bit fitted to "
        "Yosys; ff = register bits of the netlist, of which Yosys packs delay lines into "
        "SRL16E; latency from the pipeline plan)",
    }


def lut_estimate(forest: Forest, accumulation: str) -> int:
    wt, ws = forest.threshold_type.width, forest.score_type.width
    trees = [tree for trees in forest.trees for tree in trees]
    distinct = len({(t.feature[n], t.threshold[n]) for t in trees for n in t.internal})
    compares = distinct * wt * LUT_PER_COMPARE_BIT
    selects = sum(len(tree.leaves) - 1 for tree in trees) * ws * LUT_PER_SELECT_BIT
    adders = (n_terms(forest) - 1) * forest.n_outputs * ws * LUT_PER_ADDER_BIT
    chained = accumulation != "adder tree"
    saturate = forest.n_trees * forest.n_outputs * ws * LUT_PER_SATURATE_BIT if chained else 0
    return int(round(compares + selects + adders + saturate))


def conifer_estimates(model: Any) -> dict:
    """conifer's own latency/LUT/FF estimates for its VHDL and HLS implementations of this model."""
    import conifer
    from conifer.utils.performance import performance_estimates

    estimates: dict[str, Any] = {
        backend: {key: int(value) for key, value in performance_estimates(model, backend=backend).items()}
        for backend in ("vhdl", "xilinxhls")
    }
    estimates["source"] = (
        f"conifer {conifer.__version__} utils.performance.performance_estimates (vhdl: "
        "analytic, 2 + depth + ceil(log2 trees) cycles; xilinxhls: BDT fitted to HLS "
        "reports)"
    )
    return estimates
