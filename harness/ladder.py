"""The fidelity ladder: the one place that knows the order of the rungs and climbs them.

    estimate   train, convert, bit-accurate emulation, RTL generation: the generator's estimates
    synth      + Yosys resources
    verify     + the RTL on Verilator: every output word against the reference, measured latency
    vendor     instead of synth and verify: hls4ml's/conifer's own build() with the vendor tools

An `Evaluation` is one design point on its way up. It keeps what each rung computed (the prepared
point: trained model, conversion, reference, RTL) so a higher rung reuses it, and writes metrics.json
after every rung. It may start from a record read back from a results folder: that record stands for
every rung it reached, and climbing higher prepares the point again (the trained-model and Yosys caches
make that cheap). `harness evaluate`, the sweep's trials and their promotion, and `harness regress` all
climb through here.
"""

from __future__ import annotations

from pathlib import Path

from harness import faults
from harness.errors import SpecError
from harness.flow import (
    DesignPoint,
    add_synth,
    add_vendor,
    add_verify,
    estimate_record,
    prepare,
    write_record,
)
from harness.hls.vendor_tools import require_vendor_tools
from harness.record import FIDELITIES, OPEN_FLOW, Record, fidelity_rank
from harness.sim import SimResult
from harness.spec import DesignSpec
from harness.toolchain import Toolchain


def check_fidelity(fidelity: str) -> None:
    """SpecError naming the valid fidelities for anything else."""
    if fidelity not in FIDELITIES:
        raise SpecError(f"fidelity {fidelity!r} is not valid; must be one of {', '.join(FIDELITIES)}")


def require_tools(spec: DesignSpec, toolchain: Toolchain, fidelity: str) -> None:
    """Every tool `fidelity` needs for this design, before any work: ToolNotFoundError (or the vendor
    build's own error) naming the missing tool and how to get it."""
    check_fidelity(fidelity)
    faults.injected()
    if fidelity == "vendor":
        require_vendor_tools(spec.kind, toolchain)
    toolchain.require_fidelity(fidelity)


class Evaluation:
    """One design point climbing the ladder; `record` is None until the first rung ran (or was read)."""

    def __init__(
        self, spec: DesignSpec, out_dir: Path, toolchain: Toolchain, record: Record | None = None
    ) -> None:
        self.spec, self.out_dir, self.toolchain = spec, Path(out_dir), toolchain
        self.record = record
        self.point: DesignPoint | None = None
        #: The RTL simulation of rung verify (its output words are what `harness regress` keeps).
        self.sim: SimResult | None = None

    def climb(self, fidelity: str) -> Record:
        """Reach `fidelity` (a record already there is returned as it is), writing metrics.json after
        each rung. Raises what the stages raise; SpecError for an unknown fidelity."""
        check_fidelity(fidelity)
        if self.record is not None and self.record.reached(fidelity):
            return self.record
        if self.point is None:
            # a record read back has no point: prepare it and start from its estimate again
            self.point = prepare(self.spec, self.out_dir, self.toolchain)
            self.record = estimate_record(self.point, self.toolchain)
            write_record(self.point, self.record)
        point, record = self.point, self.record
        assert record is not None
        if fidelity == "vendor":
            add_vendor(point, record, self.toolchain)
            write_record(point, record)
            return record
        for rung in OPEN_FLOW[fidelity_rank(record.fidelity) + 1 : fidelity_rank(fidelity) + 1]:
            if rung == "synth":
                add_synth(point, record, self.toolchain)
            else:
                self.sim = add_verify(point, record, self.toolchain)
            write_record(point, record)
        return record


def evaluate(spec: DesignSpec, out_dir: Path, toolchain: Toolchain, fidelity: str = "verify") -> Record:
    """Run the flow for one design point up to `fidelity` and write `out_dir/metrics.json`.

    Raises SpecError / ToolNotFoundError before any work for a bad spec, fidelity or a missing tool.
    """
    require_tools(spec, toolchain, fidelity)
    return Evaluation(spec, out_dir, toolchain).climb(fidelity)
