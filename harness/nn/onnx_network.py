"""An ONNX network given as `model.pretrained` (`OnnxNetwork`): the file as onnxruntime runs it, for the
float scores, and as qonnx cleans it, for hls4ml's ONNX front end (`harness.nn.convert`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from harness.spec import SpecError


@dataclass
class OnnxNetwork:
    """An ONNX network (e.g. exported from Keras by tf2onnx, or from PyTorch/Brevitas as QONNX) after
    qonnx's cleanup, which is the form hls4ml's ONNX front end reads (its documented preparation:
    cleanup, channels-last, Gemm to MatMul, cleanup). onnxruntime runs the file itself for the float
    scores, so `accuracy.float` is the exported model's own, in blocks of the file's batch size when
    the exporter fixed it (`harness.onnxrun`)."""

    path: Path
    model: Any  # qonnx ModelWrapper, cleaned
    session: Any  # onnxruntime InferenceSession of the file as it is

    @classmethod
    def load(cls, path: Path) -> OnnxNetwork:
        """The file, checked to load in onnxruntime (a SpecError naming what it cannot run, e.g. opset 6's
        Gemm) before qonnx cleans it; what qonnx cannot read or clean is a SpecError too."""
        from qonnx.core.modelwrapper import ModelWrapper
        from qonnx.transformation.channels_last import ConvertToChannelsLastAndClean
        from qonnx.transformation.gemm_to_matmul import GemmToMatMul
        from qonnx.util.cleanup import cleanup_model

        from harness import onnxrun

        session = onnxrun.session(path, f"model.pretrained: {path}")
        try:
            model = cleanup_model(ModelWrapper(str(path)))
            model = cleanup_model(model.transform(ConvertToChannelsLastAndClean()).transform(GemmToMatMul()))
        except Exception as exc:  # onnx/protobuf/qonnx raise many types for a file they cannot read
            raise SpecError(
                f"model.pretrained: {path} could not be read and cleaned by qonnx: "
                f"{type(exc).__name__}: {exc}"
            ) from None
        return cls(path, model, session)

    @property
    def input_shape(self) -> tuple[int | None, ...]:
        """The graph input's shape as onnxruntime reads the file, batch first; None for a symbolic
        dimension."""
        return tuple(d if isinstance(d, int) and d > 0 else None for d in self.session.get_inputs()[0].shape)

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The file's first output for events `x` (events x features): (events x outputs), float64."""
        from harness import onnxrun

        return np.asarray(onnxrun.run(self.session, x), dtype=np.float64).reshape(len(x), -1)

    def info(self) -> dict:
        from harness import onnxrun

        graph = self.model.model.graph
        return {
            "pretrained_format": "onnx",
            "onnx_operators": [node.op_type for node in graph.node],
            "onnx_batch": onnxrun.fixed_batch(self.session),
            "parameters": int(sum(np.prod(t.dims) for t in graph.initializer)),
        }
