"""The stage contract: what the kind-specific half of the flow hands to the shared half.

A kind (`harness.nn`, `harness.bdt`) implements train -> convert -> emulate -> rtl as a `Stages` value;
each stage returns one of the types here. The kinds import this module and nothing above it: the flow
(`harness.flow`) finds a kind's stages through `harness.kinds`, and the caches, synthesis and
simulation never see a kind at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from harness.data import Dataset
from harness.fixed import FixedType
from harness.spec import DesignSpec
from harness.toolchain import Toolchain


@dataclass
class Trained:
    """A trained model and its float scores on the test split (argmax/sign decides the class)."""

    model: Any
    float_scores: np.ndarray
    info: dict = field(default_factory=dict)


@dataclass
class Converted:
    """A model converted to fixed point (hls4ml ModelGraph, conifer model) and its types."""

    model: Any
    input_types: list[FixedType]
    output_types: list[FixedType]
    info: dict = field(default_factory=dict)
    #: A single output's decision threshold, in the output's units: 0 for a logit or margin, 0.5 for a
    #: probability out of a final sigmoid (which is never below 0, so "> 0" would call every event 1).
    threshold: float = 0.0


@dataclass
class Emulation:
    """The bit-accurate reference: the integer codes it saw and produced for test events."""

    input_codes: np.ndarray
    output_codes: np.ndarray
    reference: str  # e.g. "hls4ml 1.3.0 C simulation (g++ 12.2.0)"


@dataclass
class RTLDesign:
    sources: list[Path]
    top: str
    estimate: dict  # {"lut", "latency_cycles", "ii_cycles", "source"}: the generator's own numbers
    info: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Stages:
    """The kind-specific half of the flow."""

    train: Callable[[DesignSpec, Dataset, Path], Trained]
    convert: Callable[[DesignSpec, Trained, Dataset, Path, Toolchain], Converted]
    emulate: Callable[[DesignSpec, Converted, np.ndarray], Emulation]
    rtl: Callable[[DesignSpec, Converted, Path, Toolchain], RTLDesign]
    #: Checks that need the kind's knowledge (e.g. hls4ml's reuse-factor rule), run before any work.
    check: Callable[[DesignSpec], None] | None = None
    #: Save a trained model into a cache folder (False when the kind cannot without a pickle) and load
    #: it back into a design point's folder (with the info entries that name files there); see
    #: `harness.cache`. None: the kind's models are always trained.
    save_model: Callable[[Any, Path], bool] | None = None
    load_model: Callable[[DesignSpec, Path, Path], tuple[Any, dict]] | None = None
    #: Load what the kind compiles once per environment (da4ml's numba solver) in this process, before
    #: worker processes would each compile it. None: nothing to warm up.
    warm_up: Callable[[], None] | None = None
    #: The names of the layers a per-layer setting (`firmware.reuse_factor: {name: rf}`) can name, for
    #: a spec; None when they are known only from the model (a pretrained model, a data file's shape).
    layer_names: Callable[[DesignSpec], list[str] | None] | None = None
    #: Spec fields that set the layer shapes (nn: the hidden widths), and fields whose validity depends
    #: on those shapes (nn: the reuse factor, by hls4ml's rule per layer): a sweep checks every value of
    #: the second with every combination of the first its space allows, through `check`.
    shape_fields: tuple[str, ...] = ()
    shape_checked_fields: tuple[str, ...] = ()


def decide(scores: np.ndarray, threshold: float = 0.0) -> np.ndarray:
    """Class decisions of (events x outputs) scores: argmax for several outputs, score > threshold for
    one (see `Converted.threshold`)."""
    scores = np.asarray(scores, dtype=np.float64)
    return np.argmax(scores, axis=1) if scores.shape[1] > 1 else (scores[:, 0] > threshold).astype(np.int64)
