"""hls4ml's activation lookup tables, computed by hls4ml's own C++ (so the ROMs hold its exact bits).

hls4ml's Vivado/Vitis templates fill their tables at run time in C++ (`nnet_activation.h`:
`init_sigmoid_table`, `init_tanh_table`, `init_exp_table`, `init_invert_table`): single-precision
`expf`/`tanhf` of index-derived inputs, assigned to `table_t` with its rounding and overflow mode.
Recomputing that in numpy could differ from libm in the last float bit and so, rarely, in a table
bit; instead the same template functions are compiled here with the C++ compiler hls4ml uses,
against the `nnet_utils` and `ap_types` headers its wheel ships, and the tables are read back as
integer codes of `table_t`. One small program per distinct table (a few seconds of g++).
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from harness.fixed import FixedType
from harness.toolchain import Toolchain

if TYPE_CHECKING:  # untyped libraries (Any to mypy): the names say what a value holds
    from da4ml.trace import FixedVariable


#: hls4ml's index range of the activation tables (`nnet_activation.h`): input in [-R, R) maps onto the table.
TABLE_RANGE = {"sigmoid": 8, "tanh": 4}


@dataclass(frozen=True)
class Table:
    """A lookup table: integer codes of `type`, index 0 first."""

    codes: tuple[int, ...]
    type: FixedType

    @property
    def size(self) -> int:
        return len(self.codes)

    @property
    def bits(self) -> int:
        """ROM bits: entries times the word width."""
        return self.size * self.type.width


def lookup(index: FixedVariable, values: np.ndarray) -> FixedVariable:
    """`values[index]` for a traced da4ml integer `index`: a da4ml lookup table over the indices the
    index can take (its range, in its step), or a constant when it can take only one."""
    low, high, step = int(index.low), int(index.high), int(index.step)
    if low == high:
        return index.from_const(float(values[low]), hwconf=index.hwconf)
    return index.lookup(np.asarray(values[low : high + 1 : step], dtype=np.float64))


def ctype(t: FixedType) -> str:
    """The ap_fixed C++ spelling of a type (hls4ml's `fixed<...>` is `ap_fixed<...>` in its headers)."""
    kind = "ap_fixed" if t.signed else "ap_ufixed"
    return f"{kind}<{t.width},{t.integer},AP_{t.rounding},AP_{t.overflow}>"


def activation_table(kind: str, table_t: FixedType, size: int, toolchain: Toolchain | None = None) -> Table:
    """hls4ml's `sigmoid` or `tanh` table of `size` entries of `table_t`."""
    init = {"sigmoid": "init_sigmoid_table", "tanh": "init_tanh_table"}[kind]
    config = [f"static const unsigned table_size = {size};", f"typedef {ctype(table_t)} table_t;"]
    return _run(tuple(config), f"nnet::{init}<cfg, {size}>(t);", table_t, "table_t", size, toolchain)


def softmax_tables(
    inp_norm_t: FixedType,
    exp_table_t: FixedType,
    inv_inp_t: FixedType,
    inv_table_t: FixedType,
    exp_size: int,
    inv_size: int,
    exp_scale: float,
    toolchain: Toolchain | None = None,
) -> tuple[Table, Table]:
    """hls4ml's stable softmax tables: exp(-x) addressed by inp_norm_t's top bits, 1/x by inv_inp_t's."""
    config = (
        f"static const unsigned exp_table_size = {exp_size};",
        f"static const unsigned inv_table_size = {inv_size};",
        f"static constexpr float exp_scale = {exp_scale!r};",
        f"typedef {ctype(exp_table_t)} exp_table_t;",
        f"typedef {ctype(inv_table_t)} inv_table_t;",
    )
    exp = _run(
        config,
        f"nnet::init_exp_table<{ctype(inp_norm_t)}, cfg>(t, true);",
        exp_table_t,
        "exp_table_t",
        exp_size,
        toolchain,
    )
    inv = _run(
        config,
        f"nnet::init_invert_table<{ctype(inv_inp_t)}, cfg>(t);",
        inv_table_t,
        "inv_table_t",
        inv_size,
        toolchain,
    )
    return exp, inv


def _run(
    config: tuple[str, ...], call: str, t: FixedType, name: str, size: int, toolchain: Toolchain | None
) -> Table:
    """The table `call` fills, as codes of `t` (the program prints each entry's raw bits)."""
    toolchain = toolchain or Toolchain.discover()
    cxx, ap_types = (str(toolchain.require(tool).path) for tool in ("c++", "ap_types"))
    raw = np.array(_compiled_table(config, call, name, size, cxx, ap_types), dtype=np.int64)
    if t.signed:
        raw = np.where(raw >= 1 << (t.width - 1), raw - (1 << t.width), raw)
    return Table(tuple(int(v) for v in raw), t)


@lru_cache(maxsize=64)
def _compiled_table(
    config: tuple[str, ...], call: str, table_t: str, size: int, cxx: str, ap_types: str
) -> tuple[int, ...]:
    """Compile and run hls4ml's table initialiser (with hls4ml's own -O3); each entry's raw bits. A pure
    function of its arguments, so memoised: a model's layers share their tables."""
    source = "\n".join(
        [
            "#include <cstdio>",
            '#include "nnet_utils/nnet_activation.h"',
            "struct cfg {",
            *config,
            "};",
            "int main() {",
            f"    static cfg::{table_t} t[{size}];",
            f"    const int W = cfg::{table_t}::width;",
            f"    {call}",
            f"    for (int i = 0; i < {size}; i++)",
            '        std::printf("%lld\\n", (long long)t[i].range(W - 1, 0).to_int64());',
            "}",
            "",
        ]
    )
    with tempfile.TemporaryDirectory(prefix="hls4ml-table-") as tmp:
        src, exe = Path(tmp) / "table.cpp", Path(tmp) / "table"
        src.write_text(source)
        templates = Path(ap_types).parent  # hls4ml/templates/vivado: nnet_utils/ and ap_types/
        subprocess.run(
            [cxx, "-O3", "-std=c++11", f"-I{templates}", f"-I{ap_types}", str(src), "-o", str(exe)],
            check=True,
            capture_output=True,
            text=True,
        )
        out = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout
    return tuple(int(v) for v in out.split())
