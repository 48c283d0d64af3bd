"""The kinds of design the flow builds: each a package exposing its `Stages` (`harness.stages`) as
`STAGES`. This is the one module that imports the kinds; the flow and the jobs look a kind up here, so
a new kind is one more entry in `KINDS` (and its model section in `harness.spec.schema`).
"""

from __future__ import annotations

import time

from harness import bdt, nn
from harness.spec import SpecError
from harness.stages import Stages

KINDS: dict[str, Stages] = {"nn": nn.STAGES, "bdt": bdt.STAGES}


def warm_up_kinds(kinds: set[str], prefix: str) -> None:
    """Each kind's `Stages.warm_up` in this process (e.g. da4ml's numba solver: about 2 minutes the
    first time in an environment, then a second), with a progress line each."""
    for kind in sorted(kinds):
        warm_up = stages_for(kind).warm_up
        if warm_up is None:
            continue
        start = time.monotonic()
        print(f"{prefix} warming up the {kind} stages (compiled once per environment) ...", flush=True)
        warm_up()
        print(f"{prefix} {kind} stages ready in {time.monotonic() - start:.0f} s", flush=True)


def stages_for(kind: str) -> Stages:
    """The kind's stages; an unknown kind is refused naming the valid ones."""
    try:
        return KINDS[kind]
    except KeyError:
        valid = ", ".join(repr(k) for k in KINDS)
        raise SpecError(f"kind: {kind!r} is not valid; must be one of {valid}") from None
