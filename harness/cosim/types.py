"""What the parts of `harness cosim` share: the refusal (`CosimError`) and a port side with its type."""

from __future__ import annotations

from dataclasses import dataclass

from harness.fixed import FixedType
from harness.spec import SpecError


class CosimError(SpecError):
    """Bad input to `harness cosim`: the message says what was wrong and what would be valid."""


@dataclass(frozen=True)
class Precision:
    """A port side's ap_fixed type and where it was read from."""

    type: FixedType
    source: str

    def to_dict(self) -> dict[str, str]:
        return {"type": str(self.type), "source": self.source}


@dataclass(frozen=True)
class Side:
    """One side of the top: its ports (one packed or one per element) and element count."""

    ports: tuple[str, ...]
    widths: tuple[int, ...]
    elements: int
    precision: Precision

    def describe(self) -> str:
        ports = ", ".join(f"{p} [{w}]" for p, w in zip(self.ports, self.widths, strict=True))
        where = "packed port" if len(self.ports) == 1 else "ports"
        return f"{self.elements} x {self.precision.type} on {where} {ports}"
