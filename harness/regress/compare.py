"""A new run of a golden design against its baseline: one row per field, each with its verdict.

design       the spec (and its input files) must be the baseline's; a changed design hash with the
             same spec means only tool versions changed, which passes with a note
vectors      the same vector set (hash of every input code)
words        every RTL output word identical (no tolerance); otherwise how many vectors differ and
             the first few with their inputs, baseline and new words
reference    the RTL still matches its bit-accurate reference (hls4ml / conifer) on every vector
numbers      RTL accuracy, latency, II, Yosys resources, the generator's estimates: within the
             golden design's tolerance for that field
tools        tool versions: a change is a note, never a failure by itself
sources      where each number comes from (tool and version, or `estimate: <method>`): a change is a
             note, never a failure by itself (the numbers are judged as above)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from harness.regress.baseline import Baseline, words_hash
from harness.regress.golden import FIELDS, Field, GoldenDesign
from harness.regress.run import Observation
from harness.verify import compare as compare_words

PASS, FAIL, NOTE = "pass", "FAIL", "note"
#: Differing vectors shown in a words failure.
SHOWN = 5


@dataclass
class Row:
    field: str  # the JUnit test case name
    label: str
    baseline: str
    new: str
    change: str
    tolerance: str
    verdict: str
    message: str = ""  # why it failed, or the note


@dataclass
class DesignResult:
    """The verdict on one golden design: its rows, or the error that stopped its flow."""

    name: str
    rows: list[Row] = field(default_factory=list)
    error: str | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    sources: dict[str, str | None] = field(default_factory=dict)  # where the new numbers come from

    @property
    def failed(self) -> bool:
        return self.error is not None or any(r.verdict == FAIL for r in self.rows)

    @property
    def notes(self) -> list[Row]:
        return [r for r in self.rows if r.verdict == NOTE]


def compare(golden: GoldenDesign, base: Baseline, obs: Observation) -> DesignResult:
    rows = [
        _design(base, obs),
        _exact(
            "vectors",
            "vector set",
            f"{base.vectors} {base.vectors_hash[:10]}",
            f"{len(obs.inputs)} {obs.vectors_hash[:10]}",
            "the vector set changed (data generation, split or input precision)",
        ),
        _words(golden.name, base, obs),
        _reference(obs),
        *(
            _number(f, base.metrics.get(f.name), obs.metrics.get(f.name), golden.tolerance(f.name))
            for f in FIELDS.values()
        ),
        _tools(base.tools, obs.tools),
        _sources(base.sources, obs.sources),
    ]
    return DesignResult(golden.name, rows, seconds=obs.seconds, sources=obs.sources)


def _exact(name: str, label: str, old: str, new: str, why: str) -> Row:
    same = old == new
    return Row(
        name,
        label,
        old,
        new,
        "same" if same else "changed",
        "identical",
        PASS if same else FAIL,
        "" if same else f"{why}: {old} -> {new}",
    )


def _design(base: Baseline, obs: Observation) -> Row:
    changed = _differences(base.spec, obs.spec) + _differences(base.input_files, obs.input_files, "file ")
    old, new = base.design_hash, obs.design_hash
    if changed:
        return Row(
            "design",
            "design (spec hash)",
            old,
            new,
            f"{len(changed)} key(s)",
            "identical",
            FAIL,
            "the design changed: "
            + "; ".join(changed)
            + " (a deliberate change is taken with `harness regress --update`)",
        )
    if old != new:
        return Row(
            "design",
            "design (spec hash)",
            old,
            new,
            "tool versions",
            "identical",
            NOTE,
            "same spec; the design hash changed with the tool versions (see tools)",
        )
    return Row("design", "design (spec hash)", old, new, "same", "identical", PASS)


def _differences(old: dict, new: dict, prefix: str = "") -> list[str]:
    """`key: old -> new` for each differing leaf of two nested mappings (dotted keys)."""
    out = []
    for key in sorted(set(old) | set(new), key=str):
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            out += _differences(a, b, f"{prefix}{key}.")
        elif a != b:
            out.append(f"{prefix}{key}: {a!r} -> {b!r}")
    return out


def _words(name: str, base: Baseline, obs: Observation) -> Row:
    """Every output word: identical, or how many vectors differ and the first few."""
    old_hash, new_hash = base.words_hash, words_hash(obs.words)
    row = Row(
        "words",
        "RTL output words",
        f"{base.words.size} {old_hash[:10]}",
        f"{obs.words.size} {new_hash[:10]}",
        "same",
        "identical",
        PASS,
    )
    if old_hash == new_hash:
        return row
    row.verdict = FAIL
    if base.words.shape != obs.words.shape:
        row.change = "shape"
        row.message = (
            f"{name}: the RTL output has shape {obs.words.shape} (vectors, outputs), "
            f"the baseline {base.words.shape}"
        )
        return row
    diff = compare_words(obs.inputs, base.words, obs.words, keep=SHOWN)
    row.change = f"{diff.mismatched_vectors} vectors differ"
    lines = [f"vector {m.index}: inputs={m.inputs} baseline={m.expected} new={m.got}" for m in diff.first]
    row.message = "\n".join(
        [
            f"{name}: {diff.mismatched_vectors} of {diff.vectors} vectors differ ({diff.mismatched_words} "
            f"output words); first {len(lines)}:",
            *("  " + line for line in lines),
        ]
    )
    return row


def _reference(obs: Observation) -> Row:
    """The RTL against its bit-accurate reference in this run: a regression in itself when not exact."""
    n = obs.metrics["reference_mismatches"]
    ok = n == 0
    return Row(
        "reference",
        "mismatches vs reference",
        "0",
        str(n),
        "" if ok else f"+{n}",
        "0",
        PASS if ok else FAIL,
        "" if ok else f"the RTL no longer matches {obs.sources['reference']}: {n} mismatched words",
    )


def _number(f: Field, old: float | None, new: float | None, tolerance: float) -> Row:
    tol = f"±{tolerance:g} {'pt' if f.unit == 'points' else '%'}"
    shown = _percent if f.unit == "points" else _plain
    row = Row(f.name, f.label, shown(old), shown(new), "", tol, PASS)
    if old is None or new is None:
        if old is not new:
            row.change, row.verdict = "known/unknown", FAIL
            row.message = f"{f.label} was {shown(old)}, is now {shown(new)}"
        return row
    if f.unit == "points":
        delta = 100.0 * (new - old)
        row.change = f"{delta:+.2f} pt"
        within = abs(delta) <= tolerance + 1e-9
    else:
        relative = 0.0 if new == old else (math.inf if old == 0 else 100.0 * (new - old) / abs(old))
        row.change = "0" if new == old else f"{new - old:+g} ({relative:+.1f} %)"
        within = abs(relative) <= tolerance + 1e-9
    if not within:
        row.verdict = FAIL
        row.message = f"{f.label}: baseline {row.baseline}, new {row.new} ({row.change}), tolerance {tol}"
    return row


def _tools(old: dict, new: dict) -> Row:
    changed = _differences(old, new)
    if not changed:
        return Row("tools", "tool versions", f"{len(old)} tools", f"{len(new)} tools", "same", "note", PASS)
    return Row(
        "tools",
        "tool versions",
        f"{len(old)} tools",
        f"{len(new)} tools",
        f"{len(changed)} changed",
        "note",
        NOTE,
        "tool versions changed: " + "; ".join(changed),
    )


def _sources(old: dict, new: dict) -> Row:
    """The sources of the numbers: a changed wording or method is shown, never failed by itself."""
    changed = _differences(old or {}, new or {})
    counts = f"{len(old or {})} sources", f"{len(new or {})} sources"
    if not changed:
        return Row("sources", "sources of the numbers", *counts, "same", "note", PASS)
    return Row(
        "sources",
        "sources of the numbers",
        *counts,
        f"{len(changed)} changed",
        "note",
        NOTE,
        "sources changed: " + "; ".join(changed),
    )


def _percent(value: float | None) -> str:
    return "unknown" if value is None else f"{100.0 * value:.2f} %"


def _plain(value: float | None) -> str:
    return "unknown" if value is None else f"{value:g}"
