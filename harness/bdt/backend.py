"""conifer's backends as the harness uses them: which are bit-exact references, their configuration,
the C++ type spelling conifer pastes into its code, and the environment its g++ builds need.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from harness.fixed import FixedType
from harness.spec import SpecError
from harness.toolchain import Toolchain

#: conifer backend that produces the reference emulation.
EMULATION_BACKEND = "cpp"
#: conifer backends the harness can run as a bit-exact reference, and what each needs.
REFERENCE_BACKENDS = {
    "cpp": "C++ emulation, compiled with g++ (the reference)",
    "vhdl": "conifer's VHDL firmware simulated with GHDL (cross-check)",
}
#: weight_t for conifer's one-hot node weights: holds 0 and 1 exactly whatever the threshold type.
ONE_HOT_WEIGHT = "ap_fixed<2,2>"


class ConiferBackendError(SpecError):
    """A conifer backend name that conifer lacks, or one the harness cannot use as a reference."""


def cpp_type(t: FixedType) -> str:
    """The C++ spelling conifer pastes into its code: ap_fixed<8,3,AP_RND,AP_SAT>."""
    base = f"ap_{'' if t.signed else 'u'}fixed<{t.width},{t.integer}"
    if (t.rounding, t.overflow) != ("TRN", "WRAP"):
        base += f",AP_{t.rounding},AP_{t.overflow}"
    return base + ">"


def conifer_config(
    backend: str,
    threshold_type: FixedType,
    score_type: FixedType,
    out_dir: Path,
    project: str,
    part: str | None = None,
) -> dict:
    """A conifer configuration for one of the reference backends, or a clear error for any other name."""
    from conifer.backends import get_available_backends

    available = get_available_backends()
    if backend not in available:
        raise ConiferBackendError(
            f"conifer backend {backend!r} does not exist; conifer has {', '.join(map(repr, available))}"
        )
    if backend not in REFERENCE_BACKENDS:
        usable = "; ".join(f"{name!r}: {what}" for name, what in REFERENCE_BACKENDS.items())
        raise ConiferBackendError(
            f"conifer backend {backend!r} is not supported by the harness as a "
            "bit-exact reference (it needs vendor tools or is not bit-accurate); "
            f"usable: {usable}"
        )
    if backend == "vhdl" and (threshold_type != score_type or not threshold_type.signed):
        raise ConiferBackendError(
            f"conifer's vhdl backend needs one signed type for inputs, thresholds and "
            f"scores; got thresholds {threshold_type} and scores {score_type}"
        )
    config = {
        "Backend": backend,
        "OutputDir": str(out_dir),
        "ProjectName": project,
        "InputPrecision": cpp_type(threshold_type),
        "ThresholdPrecision": cpp_type(threshold_type),
        "WeightPrecision": ONE_HOT_WEIGHT,
        "ScorePrecision": cpp_type(score_type),
    }
    if part is not None:
        config["XilinxPart"] = part
    return config


@contextlib.contextmanager
def conifer_build_env(toolchain: Toolchain) -> Iterator[None]:
    """The environment conifer's in-process g++ builds need (the toolchain sets it up: ap_types via
    XILINX_AP_INCLUDE, nlohmann/json on CPLUS_INCLUDE_PATH, this interpreter first on PATH)."""
    toolchain.require("c++")
    toolchain.require("ap_types")
    toolchain.require("nlohmann_json")
    with toolchain.activated():
        yield
