"""FPGA device capacities: what a design may use, for the sweeps' device constraints and the reports.

Capacities are the product tables of AMD's data sheets: DS890 (UltraScale and UltraScale+ FPGAs:
Virtex UltraScale+ VU9P, VU13P; Kintex UltraScale+ KU15P), DS891 (Zynq UltraScale+ MPSoC: ZU9EG),
DS190 (Zynq-7000: XC7Z020) and DS180 (7 series: XC7VX690T). Block RAM is counted in 18 Kb halves,
as Yosys (`RAMB18E2`, a `RAMB36E2` counting two) and Vivado HLS (`BRAM_18K`) count it. The Vivado HLS
reports in the shared fixtures state the same numbers in their `Available` rows for the xc7z020
and the xcu250 (a VU13P die), and a test holds the table to them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from harness.errors import SpecError


@dataclass(frozen=True)
class Device:
    """Capacity of one device: LUTs, flip-flops, DSP slices, 18 Kb block RAMs."""

    name: str
    family: str
    lut: int
    ff: int
    dsp: int
    bram: int  # 18 Kb units
    source: str

    def capacity(self, resource: str) -> int:
        return getattr(self, resource)


RESOURCES = ("lut", "ff", "dsp", "bram")

_DS890 = "AMD DS890 UltraScale Architecture and Product Data Sheet: Overview, product tables"
DEVICES: dict[str, Device] = {
    d.name: d
    for d in (
        Device("xcvu9p", "Virtex UltraScale+", 1_182_240, 2_364_480, 6_840, 4_320, _DS890),
        Device("xcvu13p", "Virtex UltraScale+", 1_728_000, 3_456_000, 12_288, 5_376, _DS890),
        Device("xcu250", "Alveo U250 (VU13P die)", 1_728_000, 3_456_000, 12_288, 5_376, _DS890),
        Device("xcku15p", "Kintex UltraScale+", 522_720, 1_045_440, 1_968, 1_968, _DS890),
        Device(
            "xczu9eg",
            "Zynq UltraScale+ MPSoC",
            274_080,
            548_160,
            2_520,
            1_824,
            "AMD DS891 Zynq UltraScale+ MPSoC Data Sheet: Overview, product tables",
        ),
        Device(
            "xc7z020",
            "Zynq-7000",
            53_200,
            106_400,
            220,
            280,
            "AMD DS190 Zynq-7000 SoC Data Sheet: Overview, product table",
        ),
        Device(
            "xc7vx690t",
            "Virtex-7",
            433_200,
            866_400,
            3_600,
            2_940,
            "AMD DS180 7 Series FPGAs Data Sheet: Overview, product table",
        ),
    )
}


class UnknownDeviceError(SpecError):
    """A part number that is not in the capacity table; the message lists the known devices."""


#: The sweep's `constraints` metrics that state a device's capacity (a part not in the table needs them).
CAPACITY_METRICS = tuple(f"resources.{resource}" for resource in RESOURCES)
#: How to write them, for messages.
CAPACITY_EXAMPLE = (
    "constraints: {resources.lut: N, resources.ff: N, resources.dsp: N, resources.bram: N} "
    "(BRAM in 18 Kb blocks)"
)


def device_for_part(part: str) -> Device:
    """The device of a full part number (`xcvu9p-flga2104-2L-e` -> xcvu9p); case-insensitive.

    Raises UnknownDeviceError naming the known devices when the part is not in the table (callers
    add what the user can do about it where they are).
    """
    device = known_device(part)
    if device is None:
        raise UnknownDeviceError(
            f"part {part!r} is not in the device table; known devices: {', '.join(DEVICES)}"
        )
    return device


def known_device(part: str) -> Device | None:
    """The table's device of a part number, None when the part is not in the table."""
    base = part.lower().split("-")[0]
    for name in sorted(DEVICES, key=len, reverse=True):
        if base == name or base.startswith(name):
            return DEVICES[name]
    return None


def device_name(part: str) -> str:
    """The device a part number is on: the table's name (`xcvu9p-flga2104-2L-e` -> xcvu9p), else the
    part's first field in lower case (`xcu50-fsvh2104-2-e` -> xcu50), so unknown parts still compare."""
    device = known_device(part)
    return device.name if device else part.lower().split("-")[0]


#: Yosys `synth_xilinx -family` of each AMD/Xilinx series, by the part number's prefix (lower case):
#: 7 series (Artix/Kintex/Virtex-7, Zynq-7000) map to DSP48E1 and RAMB36E1, UltraScale to DSP48E2,
#: UltraScale+ (names ending in `p`, Zynq UltraScale+ `xczu`, Alveo `xcu<digits>`) likewise with their
#: own primitives. The first pattern that matches wins.
YOSYS_FAMILIES = (
    (r"xc7", "xc7"),
    (r"xczu|xcu\d|xc(ku|vu)\d+p", "xcup"),
    (r"xc(ku|vu)\d+", "xcu"),
)
#: The family of a part no pattern knows (the flow's default, and UltraScale+ is what trigger boards use).
DEFAULT_YOSYS_FAMILY = "xcup"


def yosys_family(part: str) -> str:
    """The `synth_xilinx -family` a part number is synthesised for: `xc7z020clg400-1` -> xc7,
    `xcku040-ffva1156-2-e` -> xcu, `xcvu9p-flga2104-2L-e` -> xcup; DEFAULT_YOSYS_FAMILY for a part no
    pattern of YOSYS_FAMILIES matches. The family is named in every Yosys result's source."""
    base = part.lower().split("-")[0]
    for pattern, family in YOSYS_FAMILIES:
        if re.match(pattern, base):
            return family
    return DEFAULT_YOSYS_FAMILY
