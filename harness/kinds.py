"""The kinds of design the flow builds: each a package exposing its `Stages` (`harness.stages`) as
`STAGES`. This is the one module that imports the kinds; the flow and the jobs look a kind up here, so
a new kind is one more entry in `KINDS` (and its model section in `harness.spec`).
"""

from __future__ import annotations

from harness import bdt, nn
from harness.spec import SpecError
from harness.stages import Stages

KINDS: dict[str, Stages] = {"nn": nn.STAGES, "bdt": bdt.STAGES}


def stages_for(kind: str) -> Stages:
    """The kind's stages; an unknown kind is refused naming the valid ones."""
    try:
        return KINDS[kind]
    except KeyError:
        valid = ", ".join(repr(k) for k in KINDS)
        raise SpecError(f"kind: {kind!r} is not valid; must be one of {valid}") from None
