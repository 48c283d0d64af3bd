"""The results folder: one folder per design point, keyed by its design hash.

The design hash covers everything that determines a result (the resolved spec with its seed, the
input files, the tool versions), so a repeated trial, a re-run of a finished study, or another worker
evaluating the same design finds the metrics.json and artefacts already there. A cached record
answers only for the fidelity it reached (harness.ladder): an estimate never stands in for a verification.
A file lock per design keeps two worker processes from computing (and clobbering) the same folder.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from harness.errors import SpecError
from harness.record import Record
from harness.spec import DesignSpec
from harness.store import locked_folder


@dataclass(frozen=True)
class ResultsCache:
    root: Path

    def __post_init__(self) -> None:  # records name their artefacts by absolute path
        object.__setattr__(self, "root", Path(self.root).resolve())

    def folder(self, spec: DesignSpec) -> Path:
        return self.root / "designs" / f"{spec.name}-{spec.design_hash()}"

    def load(self, spec: DesignSpec) -> Record | None:
        """The stored record of this design (whatever fidelity it reached), or None."""
        path = self.folder(spec) / "metrics.json"
        try:
            record = Record.read(path)
        except (FileNotFoundError, SpecError):
            return None  # none yet, or a worker killed while writing: recompute
        return record if record.design_hash == spec.design_hash() else None

    def lock(self, spec: DesignSpec) -> AbstractContextManager[Path]:
        return locked_folder(self.folder(spec))
