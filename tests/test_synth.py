from harness.synth import synthesize

from .conftest import HDL


def test_yosys_maps_smoke_design_to_ultrascale_cells(toolchain, tmp_path):
    result = synthesize(toolchain, [HDL / "smoke_mac.v"], "smoke_mac", tmp_path, parameters={"N": 8, "K": 4})
    assert result.lut > 0
    assert result.ff >= 4 * 8 + 8 * 8  # registered outputs and inputs survive
    assert result.source.startswith("yosys ")
    assert sum(result.cells.values()) > 0
    assert (tmp_path / "yosys_stat.json").exists()
