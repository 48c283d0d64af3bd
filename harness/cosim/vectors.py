"""The reference vectors: hls4ml's testbench files (or the user's) read and turned into integer codes.

hls4ml writes `tb_data/tb_input_features.dat` (float features) and `tb_data/csim_results.log` (the C
simulation's outputs, as `ap_fixed` prints them); `--inputs` / `--expected` files have the same shape
(one vector a line, values separated by spaces or commas). Expected outputs become the nearest code of
the output type; a printed value more than a quarter LSB from every code is refused, naming row and column.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from harness.cosim.types import CosimError, Precision, Side
from harness.hls.scan import path_order

#: hls4ml's reference files, relative to its output folder.
TB_INPUTS = Path("tb_data") / "tb_input_features.dat"
TB_EXPECTED = Path("tb_data") / "csim_results.log"
#: A printed expected value may sit this far (in LSBs of the output type) from its code: printing
#: rounds to 6 significant digits, which for the types hls4ml uses stays far below a quarter LSB.
CODE_TOLERANCE_LSB = 0.25


def read_table(path: Path) -> np.ndarray:
    """Numbers, one vector a line, separated by whitespace or commas; blank and `#` lines skipped."""
    if not path.is_file():
        raise CosimError(f"{path} does not exist")
    rows: list[list[float]] = []
    for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            row = [float(v) for v in re.split(r"[,\s]+", line.strip()) if v]
        except ValueError:
            raise CosimError(
                f"{path} line {number}: not numbers separated by spaces or commas: {line[:80]!r}"
            ) from None
        if not all(np.isfinite(row)):
            raise CosimError(f"{path} line {number}: NaN or infinity among {line.strip()[:80]!r}")
        if rows and len(row) != len(rows[0]):
            raise CosimError(f"{path} line {number} has {len(row)} values; earlier lines have {len(rows[0])}")
        rows.append(row)
    if not rows:
        raise CosimError(f"{path} holds no vectors")
    return np.array(rows, dtype=np.float64)


def output_codes(values: np.ndarray, precision: Precision, path: Path) -> np.ndarray:
    """Printed output values -> codes of the output type (nearest code, within a quarter LSB)."""
    kind = precision.type
    scaled = values * 2.0**kind.frac
    codes = np.rint(scaled)
    off = (np.abs(scaled - codes) > CODE_TOLERANCE_LSB) | (codes < kind.min_code) | (codes > kind.max_code)
    if off.any():
        row, col = (int(i) for i in np.argwhere(off)[0])
        raise CosimError(
            f"{path} row {row + 1} column {col + 1}: {values[row, col]!r} is not a value of {kind} "
            f"(output precision from {precision.source}); {int(off.sum())} values are off. Give the "
            "output type with --output-precision, or print the reference with more digits"
        )
    return codes.astype(np.int64)


def reference_files(project: Path, inputs: Path | None, expected: Path | None) -> tuple[Path, Path]:
    """The input and expected-output files: both given, else the shallowest hls4ml tb_data pair."""
    if (inputs is None) != (expected is None):
        raise CosimError("give both --inputs and --expected, or neither (then hls4ml's tb_data files)")
    if inputs is not None and expected is not None:
        return inputs, expected
    for folder in sorted(project.rglob(TB_INPUTS.parent.name), key=path_order):
        if (folder / TB_INPUTS.name).is_file() and (folder / TB_EXPECTED.name).is_file():
            return folder / TB_INPUTS.name, folder / TB_EXPECTED.name
    raise CosimError(
        f"no reference vectors: looked for {TB_INPUTS} with {TB_EXPECTED} (written by hls4ml's C simulation) "
        f"in every tb_data folder under {project}; give --inputs FILE --expected FILE"
    )


def check_shape(array: np.ndarray, side: Side, path: Path, what: str, top: str) -> None:
    """Refuse a table whose vectors do not have one value per element of the top's side."""
    if array.shape[1] != side.elements:
        raise CosimError(
            f"{path} holds {array.shape[0]} vectors of {array.shape[1]} values; the {what} of {top} "
            f"take {side.elements} per vector ({side.describe()})"
        )
