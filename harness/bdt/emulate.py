"""The bit-accurate reference: conifer's cpp emulation, and conifer's VHDL under GHDL as a cross-check.

The RTL is driven with integer input codes, so the codes must be the ones conifer itself used. The
emulation therefore runs twice: on the float features (conifer casts them to the threshold type
itself) and on the codes quantised here, turned back into exactly representable doubles. The two
must agree on every event, which proves the harness quantises inputs exactly as conifer does.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import numpy as np

from harness.bdt.backend import EMULATION_BACKEND, conifer_build_env, conifer_config
from harness.errors import ToolError
from harness.fixed import FixedType
from harness.spec import DesignSpec
from harness.stages import Converted, Emulation
from harness.toolchain import Toolchain


class EmulationError(ToolError):
    """The reference disagrees with itself (input quantisation) or returned non-representable scores."""


def emulate(spec: DesignSpec, converted: Converted, x: np.ndarray) -> Emulation:
    """Input codes as conifer quantises them, and conifer cpp's output codes for every event."""
    input_type, score_type = converted.input_types[0], converted.output_types[0]
    codes = input_type.quantize(x)
    print(
        f"[emulate] conifer cpp emulation on {len(x)} events (float inputs and quantised codes) ...",
        flush=True,
    )
    from_floats = _scores(converted.model, np.asarray(x, dtype=np.float64))
    from_codes = _scores(converted.model, input_type.to_float(codes))
    differ = np.flatnonzero(np.any(from_floats != from_codes, axis=1))
    if differ.size:
        i = int(differ[0])
        raise EmulationError(
            f"conifer scored {differ.size} events differently from their {input_type} "
            f"codes; first: event {i} x={x[i].tolist()} codes={codes[i].tolist()}"
        )
    reference = (
        f"conifer {converted.info['conifer']} {EMULATION_BACKEND} backend "
        f"({converted.info['conifer_compiler']})"
    )
    return Emulation(input_codes=codes, output_codes=to_codes(from_codes, score_type), reference=reference)


def to_codes(values: np.ndarray, t: FixedType) -> np.ndarray:
    """Scores returned as doubles -> integer codes; they must lie exactly on the type's grid."""
    scaled = np.asarray(values, dtype=np.float64) * 2.0**t.frac
    codes = np.round(scaled).astype(np.int64)
    if np.any(scaled != codes) or np.any((codes < t.min_code) | (codes > t.max_code)):
        raise EmulationError(f"conifer returned scores that are not {t} values")
    return codes


def vhdl_reference(
    model_file: Path,
    input_type: FixedType,
    score_type: FixedType,
    input_codes: np.ndarray,
    work_dir: Path,
    toolchain: Toolchain,
    part: str,
) -> np.ndarray:
    """Output codes of conifer's own VHDL firmware for `input_codes`, simulated with GHDL.

    The conifer model saved at conversion (`model_file`, conifer's JSON) is loaded with the vhdl
    backend, compiled (`vhdl_model`) and run (`vhdl_outputs`); both happen inside `work_dir`.
    """
    model = vhdl_model(model_file, input_type, score_type, work_dir, toolchain, part)
    return vhdl_outputs(model, input_type, score_type, input_codes, work_dir, toolchain)


def vhdl_model(
    model_file: Path,
    input_type: FixedType,
    score_type: FixedType,
    work_dir: Path,
    toolchain: Toolchain,
    part: str,
) -> Any:
    """conifer's vhdl-backend model of `model_file`, its VHDL written and compiled by GHDL.

    A separate step from `vhdl_outputs` so that build and simulation can be timed apart (the
    benchmarks do). conifer builds a helper in the current folder and runs GHDL through the shell in
    its output folder, `work_dir/vhdl`.
    """
    import conifer
    from conifer.backends.vhdl import simulators

    toolchain.require("ghdl")
    work_dir = work_dir.resolve()
    work_dir.mkdir(parents=True, exist_ok=True)
    config = conifer_config("vhdl", input_type, score_type, work_dir / "vhdl", "bdt_vhdl", part)
    simulators.set_simulator("ghdl")
    with conifer_build_env(toolchain), contextlib.chdir(work_dir):
        model = conifer.model.load_model(str(model_file), new_config=config)
        if not model.compile():
            raise EmulationError(
                f"GHDL could not compile conifer's VHDL; see {work_dir / 'vhdl' / 'ghdl_compile.log'}"
            )
    return model


def vhdl_outputs(
    model: Any,
    input_type: FixedType,
    score_type: FixedType,
    input_codes: np.ndarray,
    work_dir: Path,
    toolchain: Toolchain,
) -> np.ndarray:
    """Output codes of a compiled `vhdl_model` for `input_codes`: conifer writes them to a file,
    GHDL runs its testbench over them, conifer reads the scores back."""
    work_dir = work_dir.resolve()
    print(f"[vhdl] conifer vhdl backend + GHDL on {len(input_codes)} vectors ...", flush=True)
    with conifer_build_env(toolchain), contextlib.chdir(work_dir):
        scores = model.decision_function(input_type.to_float(input_codes))
    if scores is None:
        raise EmulationError(
            f"GHDL simulation of conifer's VHDL failed; see {work_dir / 'vhdl' / 'ghdl.log'}"
        )
    return to_codes(np.asarray(scores).reshape(len(input_codes), -1), score_type)


def _scores(model: Any, x: np.ndarray) -> np.ndarray:
    return np.asarray(model.decision_function(x), dtype=np.float64).reshape(len(x), -1)
