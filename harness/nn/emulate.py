"""Bit-accurate emulation: hls4ml's compiled C simulation, read back as integer codes."""

from __future__ import annotations

from importlib import metadata

import numpy as np

from harness.spec import DesignSpec
from harness.stages import Converted, Emulation


def emulate(spec: DesignSpec, converted: Converted, x: np.ndarray) -> Emulation:
    """Run hls4ml's C simulation on float inputs, as a user would call `predict`.

    The input codes are what hls4ml's bridge computes (`input_t(float)`), reproduced by
    `FixedType.quantize`; the RTL is driven with exactly these codes. The float32 inputs are handed to
    hls4ml as doubles (the same values, so the same input codes): its float32 entry point returns float32
    outputs, which cannot hold the codes of an output type wider than 24 bits (hls4ml infers 35-bit
    results for a QKeras ApplyAlpha, for instance); the double one returns every code up to 53 bits.
    """
    x = np.ascontiguousarray(x, dtype=np.float32)
    out_type = converted.output_types[0]
    y = np.asarray(converted.model.predict(x.astype(np.float64)), dtype=np.float64).reshape(len(x), -1)
    output_codes = np.round(y * 2.0**out_type.frac).astype(np.int64)
    if not np.array_equal(out_type.to_float(output_codes), y):
        raise RuntimeError("hls4ml outputs are not on the output type's grid; the type bookkeeping is wrong")
    input_codes = np.stack([t.quantize(x[:, i]) for i, t in enumerate(converted.input_types)], axis=1)
    return Emulation(
        input_codes=input_codes,
        output_codes=output_codes,
        reference=f"hls4ml {metadata.version('hls4ml')} C simulation (Vitis backend, g++)",
    )
