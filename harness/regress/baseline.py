"""Baselines: `baseline.json` (hashes, numbers, sources, tool versions) and `words.csv` (every RTL output
word, one line per vector) in a golden design's folder, written by `harness regress --update`.

Both are plain text so a deliberate change is one reviewed commit: the JSON diff shows which numbers
moved and the CSV diff shows which vectors now compute other words. The JSON holds the SHA-256 of the
CSV; a CSV that no longer matches it is refused rather than compared.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from harness.regress.golden import GoldenDesign
from harness.regress.run import Observation
from harness.spec import SpecError
from harness.store import digest

FORMAT = 1


@dataclass
class Baseline:
    """A stored baseline (the JSON's content, and the words from the CSV)."""

    design: str
    overrides: dict
    design_hash: str
    spec: dict
    input_files: dict[str, str]
    vectors: int
    vectors_hash: str
    words_hash: str
    words: np.ndarray  # (vectors, n_out) Python ints
    metrics: dict[str, float | int | None]
    sources: dict[str, str | None]
    tools: dict[str, str | None]

    @classmethod
    def of(cls, golden: GoldenDesign, obs: Observation) -> Baseline:
        return cls(
            design=golden.design,
            overrides=golden.overrides,
            design_hash=obs.design_hash,
            spec=obs.spec,
            input_files=obs.input_files,
            vectors=int(obs.inputs.shape[0]),
            vectors_hash=obs.vectors_hash,
            words_hash=words_hash(obs.words),
            words=obs.words,
            metrics=obs.metrics,
            sources=obs.sources,
            tools=obs.tools,
        )

    def write(self, golden: GoldenDesign) -> None:
        golden.words_path.write_text(words_csv(self.words))
        data = {
            "format": FORMAT,
            "golden": golden.name,
            "design": self.design,
            "set": self.overrides,
            "design_hash": self.design_hash,
            "spec": self.spec,
            "input_files": self.input_files,
            "vectors": {"count": self.vectors, "sha256": self.vectors_hash},
            "words": {"file": golden.words_path.name, "sha256": self.words_hash},
            "metrics": self.metrics,
            "sources": self.sources,
            "tools": self.tools,
        }
        golden.baseline_path.write_text(json.dumps(data, indent=2) + "\n")


def load_baseline(golden: GoldenDesign) -> Baseline | None:
    """The design's baseline, None when it has none yet; SpecError for a damaged one."""
    path = golden.baseline_path
    if not path.exists():
        return None
    retake = f"`harness regress --update --only {golden.name}`"
    try:
        data = json.loads(path.read_text())
        text = golden.words_path.read_text()
    except (OSError, ValueError) as exc:
        raise SpecError(
            f"baseline of {golden.name} cannot be read ({exc}); retake it with {retake}"
        ) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise SpecError(f"{path} is not a format-{FORMAT} baseline; retake it with {retake}")
    if digest(text.encode()) != (data.get("words") or {}).get("sha256"):
        raise SpecError(
            f"{golden.words_path} does not match the SHA-256 in {path} (edited by hand?); restore it "
            f"or retake the baseline with {retake}"
        )
    try:
        return Baseline(
            design=data["design"],
            overrides=data["set"],
            design_hash=data["design_hash"],
            spec=data["spec"],
            input_files=data["input_files"],
            vectors=data["vectors"]["count"],
            vectors_hash=data["vectors"]["sha256"],
            words_hash=data["words"]["sha256"],
            words=parse_words(text),
            metrics=data["metrics"],
            sources=data["sources"],
            tools=data["tools"],
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise SpecError(f"{path} lacks {exc} or has it damaged; retake it with {retake}") from None


def words_csv(words: np.ndarray) -> str:
    """`vector,out0,out1,...` then one line per vector: the RTL output words as signed/unsigned integers."""
    header = ",".join(["vector", *(f"out{i}" for i in range(words.shape[1]))])
    lines = [f"{i}," + ",".join(str(int(w)) for w in row) for i, row in enumerate(words)]
    return "\n".join([header, *lines]) + "\n"


def parse_words(text: str) -> np.ndarray:
    rows = [line.split(",")[1:] for line in text.splitlines()[1:]]
    return np.array([[int(w) for w in row] for row in rows], dtype=object).reshape(len(rows), -1)


def words_hash(words: np.ndarray) -> str:
    """The SHA-256 (32 hex digits) of the words' CSV text: every output word of every vector."""
    return digest(words_csv(words).encode())
