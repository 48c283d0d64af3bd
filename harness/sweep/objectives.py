"""What a sweep optimises and constrains: metrics read from a design point's metrics.json record.

Any numeric metrics.json field may be an objective or a constraint, named by its dotted path; the
table below lists them with the first fidelity at which the flow knows them (earlier they are null).
One derived metric exists: `lut_equivalent` = LUT + dsp_weight x DSP (the field's usual single
resource figure; 55 LUTs per DSP48 by default). Each value travels with its source: the tool and
version that produced it, or `estimate: <method>`.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.record import Record

#: metric -> (meaning, first fidelity that knows it)
METRICS: dict[str, tuple[str, str]] = {
    "accuracy.emulation": ("accuracy of the bit-accurate reference (what the firmware computes)", "estimate"),
    "accuracy.float": ("accuracy of the float/QAT model", "estimate"),
    "accuracy.rtl": ("accuracy of the RTL on the verification vectors", "verify"),
    "accuracy.rtl_vs_float_agreement": ("share of RTL decisions equal to the float model's", "verify"),
    "lut_equivalent": ("LUT + dsp_weight x DSP", "estimate"),
    "resources.lut": ("LUTs", "estimate"),
    "resources.dsp": ("DSP slices", "estimate"),
    "resources.ff": ("flip-flops", "synth"),
    "resources.bram": ("block RAM in 18 Kb units", "synth"),
    "resources.carry": ("carry chains (CARRY8)", "synth"),
    "latency.ns": ("latency in ns (cycles x clock)", "estimate"),
    "latency.cycles": ("latency in clock cycles", "estimate"),
    "latency.ii_cycles": ("initiation interval in cycles", "estimate"),
    "model.sparsity": ("share of zero weights (NN)", "estimate"),
    "model.parameters": ("trainable parameters (NN)", "estimate"),
    "verification.mismatches": ("RTL output words differing from the reference", "verify"),
}


@dataclass(frozen=True)
class Objective:
    metric: str
    direction: str  # minimize | maximize


@dataclass(frozen=True)
class Measured:
    """A metric's value in one record and where it came from."""

    value: float | None
    source: str | None


def _source(record: Record, metric: str) -> str | None:
    section = metric.split(".")[0]
    events = record.data.get("test_events")
    if metric == "accuracy.float":
        return f"{record.kind} float model on {events} test events"
    if metric == "accuracy.emulation":
        return f"{record.verification.reference} on {events} test events"
    if section in ("accuracy", "verification"):
        return record.verification.simulator
    if section == "resources" or metric == "lut_equivalent":
        return record.resources.source
    if section == "latency":
        return record.latency.source
    return f"harness {section} record"


def measure(record: Record, metric: str, dsp_weight: float) -> Measured:
    """The metric's value (None when the record's fidelity does not know it) and its source (None
    with the value). `metric` is a dotted metrics.json path (`METRICS`) or `lut_equivalent`."""
    if metric == "lut_equivalent":
        lut, dsp = record.resources.lut, record.resources.dsp
        value = None if lut is None or dsp is None else float(lut) + dsp_weight * float(dsp)
    else:
        raw = record.metric(metric)
        value = None if raw is None else float(raw)
    return Measured(value, _source(record, metric) if value is not None else None)
