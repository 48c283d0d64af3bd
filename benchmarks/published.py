"""Benchmark 4, a published table reproduced: hls4ml's `qkeras_3layer` through the open flow.

The third-party QKeras jet tagger (16-64-32-32-5, `quantized_bits(6,0,alpha=1)` weights,
`quantized_relu(6,0)`; fastmachinelearning/example-models, in ../shared/fixtures/models with hls4ml's
per-layer configuration) goes through the open flow at 5 ns: hls4ml conversion and C simulation,
da4ml RTL, Yosys `synth_xilinx -family xcup` (the UltraScale+ family of the VU9P), Verilator against
the C simulation. Printed: LUT, FF, DSP, LUT + 55 x DSP (the LUT-equivalent hls4ml papers use) and the
measured latency in ns, beside the Vivado numbers Coelho et al. 2021 (Nature Machine Intelligence 3,
675; arXiv:2006.10159) report for their Q6 model, where those numbers are available here.

Limits of the comparison: Yosys is not Vivado (no timing-driven mapping, no retiming, other LUT
packing), da4ml's constant-matrix adder graphs are not hls4ml's HLS multipliers, the paper's network
was trained on the OpenML jet data set while the weights here are example-models' (inputs here are
the embedded synthetic jets, so accuracies are not comparable and are not printed as such).

    python benchmarks/published.py

Writes benchmarks/results/published.json.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from common import ROOT, cold, table, write_result

MODELS = ROOT.parent / "shared" / "fixtures" / "models"
DSP_LUT_EQUIVALENT = 55

#: The paper's Q6 row. None: not available here (see PAPER_NOTE); never fill in from memory.
PAPER_Q6 = {"lut": None, "ff": None, "dsp": None, "latency_ns": None}
PAPER_NOTE = (
    "not available here: the Q6 resource and latency numbers of Coelho et al. 2021 are in neither "
    "../shared/fixtures nor ../shared/notes, and the stored copies of the paper the search tool reaches "
    "(arXiv 2006.10159, nature.com s42256-021-00356-5) hold only its abstract and opening, not its table"
)


def spec_dict(clock_ns: float) -> dict:
    return {
        "name": "qkeras_3layer",
        "kind": "nn",
        "data": {"n_samples": 60000},
        "model": {
            "pretrained": {
                "architecture": str(MODELS / "qkeras_3layer.json"),
                "weights": str(MODELS / "qkeras_3layer_weights.h5"),
                "hls4ml_config": str(MODELS / "qkeras_3layer_config.yml"),
            }
        },
        "firmware": {"clock_ns": clock_ns},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clock-ns", type=float, default=5.0)
    parser.add_argument("--out", type=Path, default=ROOT / "runs" / "bench" / "published")
    args = parser.parse_args(argv)
    cold(args.out)
    if not MODELS.is_dir():
        print(f"error: the third-party models are not at {MODELS} (../shared/fixtures beside the checkout)")
        return 2

    from harness.ladder import evaluate
    from harness.spec import from_dict
    from harness.toolchain import Toolchain

    record = evaluate(from_dict(spec_dict(args.clock_ns)), args.out, Toolchain.discover(), "verify").to_dict()
    res, lat, ver = record["resources"], record["latency"], record["verification"]
    ours = {
        "lut": res["lut"],
        "ff": res["ff"],
        "dsp": res["dsp"],
        "lut_equivalent": res["lut"] + DSP_LUT_EQUIVALENT * res["dsp"],
        "latency_cycles": lat["cycles"],
        "latency_ns": lat["ns"],
        "ii_cycles": lat["ii_cycles"],
        "vectors": ver["vectors"],
        "mismatches": ver["mismatches"],
    }
    paper = dict(PAPER_Q6)
    paper["lut_equivalent"] = (
        paper["lut"] + DSP_LUT_EQUIVALENT * paper["dsp"] if None not in (paper["lut"], paper["dsp"]) else None
    )
    headers = ["flow", "LUT", "FF", "DSP", f"LUT + {DSP_LUT_EQUIVALENT} x DSP", "latency ns"]
    rows = [
        [f"open flow: da4ml RTL, {res['source']}; latency {lat['source']}"]
        + [ours[k] for k in ("lut", "ff", "dsp", "lut_equivalent", "latency_ns")],
        ["Coelho et al. 2021, Q6, Vivado (VU9P)"]
        + [paper[k] for k in ("lut", "ff", "dsp", "lut_equivalent")]
        + [paper["latency_ns"]],
    ]
    print(
        f"\npublished: qkeras_3layer at {args.clock_ns} ns, {ver['mismatches']} mismatches / {ver['vectors']}"
    )
    print(table(headers, rows))
    print(f"  paper: {PAPER_NOTE}")
    print("  ratio open flow / paper: not computed (the paper's numbers are not available here)")
    report = {
        "model": "qkeras_3layer (fastmachinelearning/example-models, ../shared/fixtures/models)",
        "clock_ns": args.clock_ns,
        "open_flow": {**ours, "resources_source": res["source"], "latency_source": lat["source"]},
        "paper_q6": {**paper, "source": "Coelho et al. 2021, Nat. Mach. Intell. 3, 675", "note": PAPER_NOTE},
        "ratio": None,
    }
    write_result("published", report, record["tools"])
    return 1 if ver["mismatches"] else 0


if __name__ == "__main__":
    sys.exit(main())
