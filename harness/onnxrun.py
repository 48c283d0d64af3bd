"""Running a user's ONNX file with onnxruntime, whatever batch dimension the exporter wrote.

Exporters fix the batch dimension more often than not: tf2onnx writes 1 unless given a `None` batch,
`torch.onnx.export` writes the example's batch size unless given `dynamic_axes`. onnxruntime runs such
a graph only on exactly that many rows. The file is never rewritten (a fixed batch size may be baked
into its Reshape constants, so making the dimension symbolic is not sound in general): the events are
fed in blocks of the fixed size, the last block padded with copies of its last event, and the padded
rows' outputs dropped. Inference graphs treat each row on its own, so every event's output is the one
the file computes for it alone. A symbolic batch dimension takes every event in one run.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from harness.spec import SpecError

if TYPE_CHECKING:  # onnxruntime is untyped (Any to mypy): the name says what a value holds
    from onnxruntime import InferenceSession


def session(model: Path | bytes, where: str) -> InferenceSession:
    """An onnxruntime CPU session of `model` (a file, or a serialised ModelProto).

    Raises SpecError (naming `where`, the installed onnxruntime and its reason) when onnxruntime cannot
    load the graph: an operator version it has no kernel for (e.g. opset 6's Gemm), an invalid graph."""
    import onnxruntime
    from onnxruntime.capi import onnxruntime_pybind11_state as ort_errors

    names = ("Fail", "InvalidArgument", "InvalidGraph", "InvalidProtobuf", "NotImplemented", "NoSuchFile")
    refused = tuple(getattr(ort_errors, name) for name in names)
    source = str(model) if isinstance(model, Path) else model
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3  # errors only: an old opset's "may run" warnings would precede the refusal
    try:
        return onnxruntime.InferenceSession(source, options, providers=["CPUExecutionProvider"])
    except refused as exc:
        reason = str(exc).split(" : ")[-1].strip()
        raise SpecError(
            f"{where} cannot be run by onnxruntime {metadata.version('onnxruntime')} (the float reference): "
            f"{reason}; re-export it with an opset onnxruntime supports (7 or later, e.g. "
            "torch.onnx.export(..., opset_version=13) or tf2onnx --opset 13)"
        ) from None


def fixed_batch(sess: InferenceSession) -> int | None:
    """The batch size the graph's first input fixes (its first dimension), None when it is symbolic."""
    shape = sess.get_inputs()[0].shape
    first = shape[0] if shape else None
    return first if isinstance(first, int) and first > 0 else None


def run(sess: InferenceSession, x: np.ndarray, output: int = 0) -> np.ndarray:
    """Output number `output` of the graph for the events `x` (events x features, fed to its first input
    as float32), concatenated over the events: shape (len(x), ...) as the graph gives it per event.

    A fixed batch dimension of size B is served in blocks of B events, the last padded by repeating its
    last event; the padded outputs are dropped."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    name = sess.get_inputs()[0].name
    batch = fixed_batch(sess)
    if batch is None or len(x) == batch:
        return np.asarray(sess.run(None, {name: x})[output])
    blocks = []
    for start in range(0, len(x), batch):
        block = x[start : start + batch]
        rows = len(block)
        if rows < batch:
            block = np.concatenate([block, np.repeat(block[-1:], batch - rows, axis=0)])
        blocks.append(np.asarray(sess.run(None, {name: block})[output])[:rows])
    return np.concatenate(blocks) if blocks else np.zeros((0,))
