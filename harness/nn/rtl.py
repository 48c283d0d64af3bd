"""RTL for NN design points: the da4ml bridge's Verilog behind the harness's stream interface.

da4ml writes a pipelined core (`clk`, `model_inp`, `model_out`, each element packed at its own minimal
width, no valid signal). The wrapper generated here slices the stream's uniform input words into that
layout, shifts a valid bit alongside the pipeline, and widens each output element back to the
hls4ml output type, so the testbench compares exactly the integers hls4ml computes.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import TYPE_CHECKING

from harness import faults
from harness.fixed import FixedType
from harness.nn import size
from harness.nn.bridge import TracedModel, trace
from harness.nn.mac import write_mac
from harness.nn.reuse import DenseShape, check, resolve_arithmetic
from harness.spec import DesignSpec
from harness.stages import Converted, RTLDesign
from harness.toolchain import Toolchain

if TYPE_CHECKING:  # untyped libraries (Any to mypy): the names say what a value holds
    from hls4ml.model.graph import ModelGraph


#: da4ml counts latency in adder levels; on UltraScale+ (-2) one level with routing is about 1 ns.
NS_PER_ADDER_LEVEL = 1.0


def rtl(spec: DesignSpec, converted: Converted, out_dir: Path, toolchain: Toolchain) -> RTLDesign:
    """The MAC generator for arithmetic 'mac' (any reuse factor); da4ml for 'da' (reuse factor 1 only);
    'auto' picks da at reuse factor 1 and mac above. `info.arithmetic` records the generator used."""
    _check_reuse(spec, converted.model)
    fw = spec.firmware
    precisions = converted.info.get("precisions", {})
    if resolve_arithmetic(fw.arithmetic, fw.reuse_factor) == "mac":

        def guard(lut: int) -> None:
            size.check(spec, lut, "estimate: harness.nn.mac.estimate_luts, the MAC schedule", precisions)

        design = write_mac(
            converted.model, spec.name, out_dir, fw.reuse_factor, toolchain, faults.rounding_override(), guard
        )
    else:
        # da4ml's own estimate comes only after it has solved the whole network (minutes for a large one)
        unrolled = size.estimate_unrolled(converted.model)
        print(
            f"[rtl] da: ~{unrolled} LUT before generation ({size.METHOD}); limit verify.max_rtl_lut "
            f"{size.max_rtl_lut(spec)}",
            flush=True,
        )
        size.check(spec, unrolled, size.METHOD, precisions)
        traced = trace(converted.model, faults.rounding_override(), toolchain)
        design = write_da(traced, spec.name, out_dir, fw.clock_ns, fw.pipeline_stages)
    design.info["arithmetic_requested"] = fw.arithmetic
    # Yosys' time and memory grow with this number (a float network at ap_fixed<16,6>, ~118k LUT: over
    # 15 minutes and several GB), so it is shown before any synthesis starts
    lut, cycles = design.estimate.get("lut"), design.estimate.get("latency_cycles")
    print(
        f"[rtl] {design.info.get('arithmetic', fw.arithmetic)}: "
        f"{'unknown' if lut is None else f'~{lut}'} LUT, {'unknown' if cycles is None else cycles} cycle(s) "
        "(the generator's estimate)",
        flush=True,
    )
    return design


def _check_reuse(spec: DesignSpec, hls_model: ModelGraph) -> None:
    """The spec's reuse factors against hls4ml's rule for the converted model's dense layers."""
    check(
        spec,
        [
            DenseShape(layer.name, int(layer.get_attr("n_in")), int(layer.get_attr("n_out")))
            for layer in hls_model.get_layers()
            if layer.class_name == "Dense"
        ],
    )


def write_da(
    traced: TracedModel, name: str, out_dir: Path, clock_ns: float, stages: int | None = None
) -> RTLDesign:
    """Pipeline the traced computation, write da4ml's Verilog and the stream wrapper around it."""
    from da4ml.codegen import VerilogModel
    from da4ml.codegen.rtl.rtl_model import get_io_kifs
    from da4ml.trace import comb_trace, to_pipeline

    comb = comb_trace(traced.inputs, traced.outputs)
    depth = max(max(comb.out_latency, default=0), 1.0)
    cutoff = depth / stages if stages else clock_ns / NS_PER_ADDER_LEVEL
    pipe = to_pipeline(comb, cutoff, verbose=False)
    core = f"{name}_core"
    out_dir.mkdir(parents=True, exist_ok=True)
    VerilogModel(pipe, core, out_dir / "da4ml", latency_cutoff=cutoff, print_latency=False).write()
    in_kifs, out_kifs = get_io_kifs(pipe)
    n_stages = len(pipe.solutions)
    top = f"{name}_top"
    wrapper = out_dir / f"{top}.v"
    wrapper.write_text(
        _wrapper(top, core, traced.input_type, traced.output_type, in_kifs, out_kifs, n_stages)
    )
    src = out_dir / "da4ml" / "src"
    roms = _inline_roms(src, core)
    static = [p for p in sorted((src / "static").glob("*.v")) if p.name != "lookup_table.v"]
    sources = [*static, *sorted(p for p in src.glob("*.v") if p.name != f"{core}_wrapper.v"), wrapper]
    return RTLDesign(
        sources=sources,
        top=top,
        estimate={
            "lut": round(float(comb.cost)) + rom_luts(roms),
            "dsp": 0,
            "latency_cycles": n_stages,
            "ii_cycles": 1,
            "source": f"estimate: da4ml {_da4ml_version()} cost model (LUTs) and pipeline depth, plus one "
            "LUT6 per 64 ROM bits of its lookup tables (which its cost model leaves out)",
        },
        info={
            "arithmetic": "da",
            "pipeline_stages": n_stages,
            "adder_levels": round(depth, 2),
            "latency_cutoff": round(cutoff, 2),
            "rom_bits": roms,
        },
    )


def rom_luts(bits: int) -> int:
    """LUT6s of ROMs as Yosys maps small ones (each LUT6 a 64 x 1 ROM, muxes in the F7/F8 slices)."""
    return math.ceil(bits / 64)


#: da4ml's instantiation of a lookup table: its `lookup_table` module reading a memory file.
_LOOKUP = re.compile(r'lookup_table #\((\d+), (\d+), "([^"]+)"\) (\w+) \(')


def _inline_roms(src: Path, core: str) -> int:
    """Replace da4ml's `lookup_table` instances (`$readmemh` of a file by a relative name, which neither
    Verilator nor Yosys in its sandbox resolves from the design folder) by ROM modules holding their
    contents, written to `<core>_roms.v`. Returns the ROM bits of all instances (each element of an
    activation reads its own copy: addresses times word width)."""
    modules: dict[str, tuple[str, str]] = {}
    bits = 0
    for stage in sorted(src.glob(f"{core}_stage*.v")):
        text = stage.read_text()

        def rom(match: re.Match) -> str:
            nonlocal bits
            bw_in, bw_out, mem, inst = int(match[1]), int(match[2]), match[3], match[4]
            if mem not in modules:
                words = (src / "memfiles" / mem).read_text().split()
                name = f"{core}_rom{len(modules)}"
                body = [f"        rom[{i}] = {bw_out}'h{word};" for i, word in enumerate(words)]
                modules[mem] = (
                    name,
                    "\n".join(
                        [
                            f"// {mem} of da4ml: {len(words)} x {bw_out} bits",
                            f"module {name} (input [{bw_in - 1}:0] in, output [{bw_out - 1}:0] out);",
                            f"    reg [{bw_out - 1}:0] rom [0:{(1 << bw_in) - 1}];",
                            "    integer i;",
                            "    initial begin",
                            f"        for (i = 0; i < {1 << bw_in}; i = i + 1) rom[i] = {bw_out}'d0;",
                            *body,
                            "    end",
                            "    assign out = rom[in];",
                            "endmodule",
                            "",
                        ]
                    ),
                )
            bits += (1 << bw_in) * bw_out
            return f"{modules[mem][0]} {inst} ("

        new = _LOOKUP.sub(rom, text)
        if new != text:
            stage.write_text(new)
    if modules:
        (src / f"{core}_roms.v").write_text("\n".join(text for _, text in modules.values()))
    return bits


def warm_up_da4ml() -> None:
    """Solve a 2 x 2 constant matrix with da4ml so numba compiles its solver now (about 2 minutes the
    first time in an environment, then loaded from numba's on-disk cache in about a second)."""
    import numpy as np
    from da4ml.trace import FixedVariableArrayInput, comb_trace

    inputs = FixedVariableArrayInput((2,))
    comb_trace(inputs, inputs.quantize(1, 3, 2) @ np.array([[1.0, 3.0], [-2.0, 5.0]]))


def _da4ml_version() -> str:
    from importlib import metadata

    return metadata.version("da4ml")


def _wrapper(
    top: str, core: str, in_type: FixedType, out_type: FixedType, in_kifs, out_kifs, n_stages: int
) -> str:
    n_in, n_out = len(in_kifs[0]), len(out_kifs[0])
    win, wout = in_type.width, out_type.width
    core_in = int(sum(in_kifs[0]) + sum(in_kifs[1]) + sum(in_kifs[2]))
    core_out = int(sum(out_kifs[0]) + sum(out_kifs[1]) + sum(out_kifs[2]))
    lines = [
        "// Generated by harness.nn.rtl: stream interface around the da4ml core.",
        f"module {top} (",
        "    input  wire clk,",
        "    input  wire rst,",
        "    input  wire in_valid,",
        "    output wire in_ready,",
        f"    input  wire [{n_in * win - 1}:0] in_data,",
        "    output wire out_valid,",
        f"    output wire [{n_out * wout - 1}:0] out_data",
        ");",
        "    assign in_ready = 1'b1;",
        f"    wire [{max(core_in, 1) - 1}:0] core_in;",
        f"    wire [{max(core_out, 1) - 1}:0] core_out;",
    ]
    offset = 0
    for j in range(n_in):
        k, i, f = (int(a[j]) for a in in_kifs)
        width = k + i + f
        if width <= 0:
            continue
        low = in_type.frac - f
        if low < 0 or low + width > win:
            raise RuntimeError(f"input {j}: da4ml expects {k},{i},{f} which {in_type} cannot supply")
        src, dst = j * win + low, offset
        lines.append(f"    assign core_in[{dst + width - 1}:{dst}] = in_data[{src + width - 1}:{src}];")
        offset += width
    if core_in == 0:
        lines.append("    assign core_in = 1'b0;")
    lines.append(f"    {core} u_core (.clk(clk), .model_inp(core_in), .model_out(core_out));")
    offset = 0
    for j in range(n_out):
        k, i, f = (int(a[j]) for a in out_kifs)
        width = k + i + f
        if width <= 0:
            lines.append(f"    assign out_data[{(j + 1) * wout - 1}:{j * wout}] = {wout}'d0;")
            continue
        shift = out_type.frac - f
        pad = wout - width - shift
        if shift < 0 or pad < 0:
            raise RuntimeError(f"output {j}: da4ml's {k},{i},{f} does not fit {out_type}")
        msb = f"core_out[{offset + width - 1}]"
        ext = f"{{{pad}{{{msb}}}}}" if k else f"{pad}'d0"
        parts = [
            p
            for p, n in ((ext, pad), (f"core_out[{offset + width - 1}:{offset}]", 1), (f"{shift}'d0", shift))
            if n
        ]
        lines.append(f"    assign out_data[{(j + 1) * wout - 1}:{j * wout}] = {{{', '.join(parts)}}};")
        offset += width
    depth = n_stages + 1
    lines += [
        f"    reg [{depth - 1}:0] valid_pipe;",
        "    always @(posedge clk) begin",
        f"        if (rst) valid_pipe <= {depth}'d0;",
        f"        else valid_pipe <= {{valid_pipe[{depth - 2}:0], in_valid}};"
        if depth > 1
        else "        else valid_pipe <= in_valid;",
        "    end",
        f"    assign out_valid = valid_pipe[{depth - 1}];",
        "endmodule",
        "",
    ]
    return "\n".join(lines)
