"""An exported HLS `ap_ctrl_hs` top as RTL: its data ports (element 0 first, handshakes excluded) and
its simulation on Verilator with the cocotb bench `tb.hls_parallel`, which reads the ports from
environment variables."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from harness.sim import SimJob, SimResult, StreamVectors, get_simulator
from harness.spec import SpecError
from harness.toolchain import Toolchain

#: The cocotb bench for HLS `ap_ctrl_hs` tops, and the variables that tell it the data ports
#: (comma-separated port names, element 0 first; one name means one packed port).
HLS_TESTBENCH = "tb.hls_parallel"
INPUTS_ENV = "HARNESS_HLS_INPUTS"
OUTPUTS_ENV = "HARNESS_HLS_OUTPUTS"
VALID_SUFFIX = "_ap_vld"


class HlsPortError(SpecError):
    """The data ports of an HLS top cannot be mapped onto the vectors' inputs and outputs."""


@dataclass(frozen=True)
class HlsPorts:
    """The data ports of an HLS top, element 0 first: one name is a packed port, several one per element."""

    inputs: tuple[str, ...]
    outputs: tuple[str, ...]

    def env(self) -> dict[str, str]:
        """The variables `tb.hls_parallel` reads its port names from."""
        return {INPUTS_ENV: ",".join(self.inputs), OUTPUTS_ENV: ",".join(self.outputs)}


#: A port name that looks like element `index` of a partitioned array: `<array>_<index>` (Vitis HLS 2020.2+)
#: or `<array>_<index>_V` (Vivado HLS up to 2020.1). The array name may itself end in digits
#: (`input_1_0_V` is element 0 of `input_1`), which is why the base is matched non-greedily.
_ELEMENT = re.compile(r"^(?P<base>.+?)_(?P<index>\d+)(?P<suffix>_V)?$")
PORT_DECLARATION = re.compile(
    r"^\s*(?P<dir>input|output)\s+(?:wire\s+|reg\s+)?(?:signed\s+)?"
    r"(?:\[\s*(?P<msb>\d+)\s*:\s*(?P<lsb>\d+)\s*\]\s*)?(?P<name>\w+)\s*;",
    re.M,
)
#: Handshake companions HLS adds to a data port (`ap_vld`, `ap_hs`, `ap_ack` interfaces): never data.
_COMPANION_SUFFIXES = (VALID_SUFFIX, "_ap_ack")


def is_data_port(name: str) -> bool:
    """Whether an HLS top's port carries data: HLS reserves the `ap_` prefix for block-level ports
    (ap_clk, ap_rst_n, ap_ce, ...) and names handshakes `<port>_ap_vld` / `<port>_ap_ack`."""
    return not name.startswith("ap_") and not name.endswith(_COMPANION_SUFFIXES)


def array_groups(names: Iterable[str]) -> list[list[str]]:
    """Port names grouped into arrays, each in element order.

    HLS names the ports of a partitioned array `<array>_<i>` (Vivado HLS adds `_V`); a family whose
    indices are exactly 0..n-1 is one array, including a single-element array `<array>_0`. Every other
    port is its own group: a reshaped (packed) array such as `input_1` / `input_1_V`, whose name only
    looks like element 1 of an array `input`, and any family with gaps.
    """
    names = list(names)  # read twice below: a generator would lose every port not in a family
    families: dict[str, dict[int, str]] = {}
    for name in names:
        if match := _ELEMENT.match(name):
            families.setdefault(match["base"] + (match["suffix"] or ""), {})[int(match["index"])] = name
    groups: list[list[str]] = []
    grouped: set[str] = set()
    for members in families.values():
        if sorted(members) == list(range(len(members))):
            groups.append([members[i] for i in range(len(members))])
            grouped.update(members.values())
    groups += [[name] for name in names if name not in grouped]
    return sorted(groups)


def hls_ports(sources: Sequence[Path], top: str) -> HlsPorts:
    """The data ports of module `top`, read from its port declarations (HLS writes them non-ANSI,
    one per line): every input and output except the block-level `ap_*` ports and the handshakes."""
    for source in sources:
        text = Path(source).read_text(errors="replace")
        if match := re.search(rf"^\s*module\s+{re.escape(top)}\b(.*?)^\s*endmodule", text, re.M | re.S):
            break
    else:
        raise HlsPortError(f"module {top} not found in {', '.join(str(s) for s in sources)}")
    declared = {m["name"]: m["dir"] for m in PORT_DECLARATION.finditer(match[1])}
    data = {n: d for n, d in declared.items() if is_data_port(n)}
    inputs = array_groups(n for n, d in data.items() if d == "input")
    outputs = array_groups(n for n, d in data.items() if d == "output")
    if len(inputs) != 1 or len(outputs) != 1:
        raise HlsPortError(
            f"{top} has input arrays {inputs} and output arrays {outputs}; {HLS_TESTBENCH} "
            "drives one input array and one output array (an io_parallel top)"
        )
    unflagged = [name for name in outputs[0] if name + VALID_SUFFIX not in declared]
    if unflagged:
        raise HlsPortError(
            f"{top}: outputs {unflagged} have no {VALID_SUFFIX} port; {HLS_TESTBENCH} needs "
            "the ap_vld protocol on outputs to know when a result is written"
        )
    return HlsPorts(tuple(inputs[0]), tuple(outputs[0]))


def resolve_ports(widths: Mapping[str, int], in_widths: Sequence[int], out_widths: Sequence[int]) -> HlsPorts:
    """Find the data ports among a design's signals (name -> width) when no port names were given.

    A data port is a signal `X` with a companion `X_ap_vld`, grouped into arrays. A group fits a side
    of the vectors if it has one port per element of the right widths, or one packed port of the total
    width. The ports are found if exactly one pair of different groups fits (inputs, outputs); anything
    else is an error asking for the names.
    """
    data = {n: w for n, w in widths.items() if n + VALID_SUFFIX in widths and is_data_port(n)}
    groups = array_groups(data)

    def fits(group: list[str], element_widths: Sequence[int]) -> bool:
        sizes = [data[n] for n in group]
        packed = len(group) == 1 and sizes[0] == sum(element_widths)
        return packed or sizes == [int(w) for w in element_widths]

    pairs = [(i, o) for i in groups for o in groups if i != o and fits(i, in_widths) and fits(o, out_widths)]
    if len(pairs) != 1:
        raise HlsPortError(
            f"cannot tell the data ports apart: signals with {VALID_SUFFIX} form the groups {groups}, and "
            f"{len(pairs)} (input, output) pairs of them fit {list(map(int, in_widths))}-bit inputs and "
            f"{list(map(int, out_widths))}-bit outputs. Name them in {INPUTS_ENV} and {OUTPUTS_ENV} "
            "(comma-separated port names, element 0 first); inputs without a valid (ap_none) can only be "
            "named that way"
        )
    ((inputs, outputs),) = pairs
    return HlsPorts(tuple(inputs), tuple(outputs))


def simulate_hls_top(
    toolchain: Toolchain,
    sources: Sequence[Path],
    top: str,
    work_dir: Path,
    vectors: StreamVectors,
    timeout_s: float = 1800.0,
) -> SimResult:
    """Simulate an HLS io_parallel top with `tb.hls_parallel` on Verilator, ports read from its Verilog.

    ROM initialisation files (`*.dat`, read with `$readmemh` relative to the simulator's folder) that
    HLS exports next to the Verilog are copied into the simulation folder.
    """
    ports = hls_ports(sources, top)
    build_dir = work_dir / "sim_build"
    for rom in {p for s in sources for p in Path(s).parent.glob("*.dat")}:
        build_dir.mkdir(parents=True, exist_ok=True)
        shutil.copy(rom, build_dir / rom.name)
    job = SimJob(
        top,
        list(sources),
        work_dir,
        vectors,
        testbench=HLS_TESTBENCH,
        timeout_s=timeout_s,
        tb_env=ports.env(),
    )
    return get_simulator("verilator", toolchain).run(job)
