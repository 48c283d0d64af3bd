"""What the readers of forest files (`model.pretrained`) share: the refusal (`PretrainedModelError`) and
the number of scores conifer gives a forest (`n_outputs`)."""

from __future__ import annotations

from harness.spec import SpecError


class PretrainedModelError(SpecError):
    """A `model.pretrained` file that cannot be used; the message names the file and what is valid."""


def n_outputs(n_classes: int) -> int:
    """conifer's outputs for `n_classes` classes: one score for two, one per class above."""
    return 1 if n_classes == 2 else n_classes
