"""Reuse-factor table for the jet design on the open flow: Yosys resources and measured timing per RF.

Each reuse factor is one `harness.ladder.evaluate` run at fidelity `verify` with `firmware.arithmetic: mac`
(QKeras training, hls4ml conversion and C simulation, the MAC generator, Yosys `synth_xilinx -family xcup`,
Verilator + cocotb against the C simulation), so every row has its own metrics.json under `--out`.

    python benchmarks/reuse_table.py                       # designs/jet_mlp.yaml at RF 1, 2, 4, 8, 16
    python benchmarks/reuse_table.py --rf 2 8 --set training.epochs=8

On two cores the RF 1 point dominates: Yosys needs many minutes for its ~4000 multipliers and adder trees.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from common import ROOT, table, write_result

DESIGN = ROOT / "designs" / "jet_mlp.yaml"


@dataclass(frozen=True)
class Row:
    """One reuse factor: scheduled multipliers, Yosys cells, and what the simulation measured."""

    reuse: int
    multipliers: int  # the generator's schedule: sum over layers of ceil(non-zero weights / RF)
    dsp: int
    lut: int
    ff: int
    latency: int
    ii: float
    vectors: int
    mismatches: int

    @classmethod
    def from_record(cls, reuse: int, record: dict) -> Row:
        """A row from a metrics.json record (resources from Yosys, latency and II measured by Verilator)."""
        res, lat, ver = record["resources"], record["latency"], record["verification"]
        return cls(
            reuse,
            record["estimate"]["dsp"],
            res["dsp"],
            res["lut"],
            res["ff"],
            lat["cycles"],
            lat["ii_cycles"],
            ver["vectors"],
            ver["mismatches"],
        )


def markdown(rows: list[Row], synth_source: str, sim_source: str) -> str:
    """The table as Markdown, with where each column comes from."""
    headers = ["RF", "multipliers", "DSP48E2", "LUT", "FF", "latency (cycles)", "II (cycles)"]
    body = [
        [r.reuse, r.multipliers, r.dsp, r.lut, r.ff, r.latency, f"{r.ii:g}", f"{r.mismatches} / {r.vectors}"]
        for r in rows
    ]
    return (
        table([*headers, "mismatches / vectors"], body)
        + f"\n\nmultipliers: the generator's schedule; DSP48E2, LUT, FF: {synth_source}; "
        f"latency, II and mismatches: {sim_source}."
    )


def run(reuse_factors: list[int], overrides: list[str], out: Path) -> tuple[list[Row], list[dict]]:
    """Evaluate the design at each reuse factor; returns the rows and the metrics.json records."""
    from harness.ladder import evaluate
    from harness.spec import load
    from harness.toolchain import Toolchain

    toolchain = Toolchain.discover()
    rows, records = [], []
    for rf in reuse_factors:
        spec = load(DESIGN, [*overrides, "firmware.arithmetic=mac", f"firmware.reuse_factor={rf}"])
        record = evaluate(spec, out / f"rf{rf}", toolchain, "verify").to_dict()
        rows.append(Row.from_record(rf, record))
        records.append(record)
    return rows, records


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rf", type=int, nargs="+", default=[1, 2, 4, 8, 16], help="reuse factors")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="spec override")
    parser.add_argument("--out", type=Path, default=ROOT / "runs" / "reuse_table", help="output folder")
    args = parser.parse_args(argv)
    rows, records = run(args.rf, args.set, args.out)
    synth_source, sim_source = records[0]["resources"]["source"], records[0]["latency"]["source"]
    print(markdown(rows, synth_source, sim_source))
    report = {
        "design": str(DESIGN.relative_to(ROOT)),
        "overrides": args.set,
        "rows": [asdict(r) for r in rows],
    }
    write_result(
        "reuse_table", {**report, "sources": {"synth": synth_source, "sim": sim_source}}, records[0]["tools"]
    )
    return 1 if any(r.mismatches for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
