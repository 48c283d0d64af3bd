"""The device table against the capacities real Vivado HLS reports state for the same devices."""

import pytest

from harness.devices import DEVICES, UnknownDeviceError, device_for_part, yosys_family
from harness.hls.xilinx_hls import parse_csynth_rpt


@pytest.mark.parametrize(
    ("report", "device"),
    [
        ("hls4ml-test_report/Vivado/myproject_csynth.rpt", "xc7z020"),
        ("hls4ml-tutorial/pruned_cnn/myproject_csynth.rpt", "xcu250"),
        ("uw-acme-vivadohls2019.1-quickdraw-gru/myproject_csynth.rpt", "xc7vx690t"),
    ],
)
def test_capacities_match_the_available_rows_of_real_reports(shared_fixtures, report, device):
    available = parse_csynth_rpt(shared_fixtures / "vendor-reports" / report).available
    table = DEVICES[device]
    assert (table.lut, table.ff, table.dsp, table.bram) == (
        available.lut,
        available.ff,
        available.dsp,
        available.bram_18k,
    )


def test_part_numbers_resolve_to_devices():
    assert device_for_part("xcvu9p-flga2104-2L-e").name == "xcvu9p"
    assert device_for_part("XCVU13P-FLGA2577-2-E").lut == 1_728_000
    assert device_for_part("xcu250-figd2104-2L-e").dsp == 12_288
    assert {"xcvu9p", "xcvu13p", "xcku15p", "xczu9eg", "xc7z020"} <= set(DEVICES)
    with pytest.raises(UnknownDeviceError, match="known devices: xcvu9p, xcvu13p"):
        device_for_part("xc9zz999-ffg1")


@pytest.mark.parametrize(
    ("part", "family"),
    [
        ("xcvu9p-flga2104-2L-e", "xcup"),  # the designs' default part
        ("xcku15p-ffva1760-2-e", "xcup"),
        ("xczu9eg-ffvb1156-2-e", "xcup"),
        ("xcu250-figd2104-2L-e", "xcup"),  # Alveo cards are UltraScale+
        ("xcu55c-fsvh2892-2L-e", "xcup"),
        ("xcku040-ffva1156-2-e", "xcu"),  # UltraScale (no `p`)
        ("xcvu095-ffvc1517-2-e", "xcu"),
        ("xc7z020clg400-1", "xc7"),  # Zynq-7000, as in the hls4ml test report
        ("XC7VX690T-FFG1927-2", "xc7"),
        ("ep4ce22f17c6", "xcup"),  # no AMD pattern: the flow's default
    ],
)
def test_parts_are_synthesised_for_their_series(part, family):
    assert yosys_family(part) == family


def test_every_device_in_the_table_has_a_known_series():
    families = {name: yosys_family(name) for name in DEVICES}
    assert families == {
        "xcvu9p": "xcup",
        "xcvu13p": "xcup",
        "xcu250": "xcup",
        "xcku15p": "xcup",
        "xczu9eg": "xcup",
        "xc7z020": "xc7",
        "xc7vx690t": "xc7",
    }
