"""A co-simulation job: everything `harness cosim` found in the project, checked before anything is built.

`prepare` finds the Verilog and its top (`harness.cosim.verilog`), the port types and clock
(`harness.cosim.precision`) and the reference vectors (`harness.cosim.vectors`), checks that they fit
each other, and turns the vectors into the codes the stream testbench drives and expects. Every
refusal (`CosimError`) happens here, before Verilator builds anything.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from harness.cosim.precision import find_clock_ns, find_precisions, read_config
from harness.cosim.types import CosimError, Side
from harness.cosim.vectors import check_shape, output_codes, read_table, reference_files
from harness.cosim.verilog import choose_hls_top, find_verilog, port_side
from harness.hls.ports import HlsPortError, hls_ports
from harness.sim import StreamVectors


@dataclass
class CosimJob:
    """Everything found in the project, checked, ready to simulate."""

    project: Path
    verilog_dir: Path
    sources: list[Path]
    top: str
    top_reason: str
    inputs_file: Path
    expected_file: Path
    inputs: Side
    outputs: Side
    vectors: StreamVectors
    clock_ns: float | None

    def key(self) -> str:
        """A hash of everything that determines the result: RTL, ROMs, vectors, types."""
        digest = hashlib.sha256()
        for path in sorted([*self.sources, *self.verilog_dir.glob("*.dat")]):
            digest.update(path.name.encode() + path.read_bytes())
        for array in (self.vectors.inputs, self.vectors.expected):
            digest.update(np.ascontiguousarray(np.asarray(array, dtype=np.int64)).tobytes())
        digest.update(f"{self.top}|{self.inputs.precision.type}|{self.outputs.precision.type}".encode())
        return digest.hexdigest()[:12]


def prepare(
    project: Path,
    *,
    top: str | None = None,
    inputs: Path | None = None,
    expected: Path | None = None,
    vectors: int | None = None,
    input_precision: str | None = None,
    output_precision: str | None = None,
) -> CosimJob:
    """Find and check everything `harness cosim` needs; CosimError on bad input (nothing is built)."""
    if vectors is not None and vectors < 1:
        raise CosimError(f"--vectors {vectors}: must be at least 1")
    verilog_dir, sources = find_verilog(project)
    top, reason = choose_hls_top(project, sources, top)
    try:
        ports = hls_ports(sources, top)
    except HlsPortError as exc:
        raise CosimError(str(exc)) from None
    in_precision, out_precision = find_precisions(project, input_precision, output_precision, ports.inputs[0])
    in_side = port_side(sources, top, ports.inputs, in_precision, "input")
    out_side = port_side(sources, top, ports.outputs, out_precision, "output")
    inputs_file, expected_file = reference_files(project, inputs, expected)
    features, results = read_table(inputs_file), read_table(expected_file)
    check_shape(features, in_side, inputs_file, "inputs", top)
    check_shape(results, out_side, expected_file, "outputs", top)
    if len(features) != len(results):
        raise CosimError(
            f"{inputs_file} holds {len(features)} vectors of {features.shape[1]} values but {expected_file} "
            f"{len(results)} vectors of {results.shape[1]}: one expected line per input line"
        )
    n = len(features) if vectors is None else min(vectors, len(features))
    # hls4ml's testbench reads the features as float, then converts them to input_t.
    codes = in_precision.type.quantize(features[:n].astype(np.float32).astype(np.float64))
    stream = StreamVectors(
        inputs=codes,
        in_widths=[in_precision.type.width] * in_side.elements,
        out_widths=[out_precision.type.width] * out_side.elements,
        out_signed=[out_precision.type.signed] * out_side.elements,
        expected=output_codes(results[:n], out_precision, expected_file),
    )
    return CosimJob(
        project=project,
        verilog_dir=verilog_dir,
        sources=sources,
        top=top,
        top_reason=reason,
        inputs_file=inputs_file,
        expected_file=expected_file,
        inputs=in_side,
        outputs=out_side,
        vectors=stream,
        clock_ns=find_clock_ns(project, read_config(project)[0]),
    )
