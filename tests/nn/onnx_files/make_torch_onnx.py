"""Writes the PyTorch ONNX exports next to this file (test inputs of tests/nn/test_pretrained_onnx.py).

torch is not in the harness's environment; the files were made with
    python3.11 -m venv /tmp/torchenv && /tmp/torchenv/bin/pip install torch==2.13.0 onnx==1.17.0 numpy
    /tmp/torchenv/bin/python tests/nn/onnx_files/make_torch_onnx.py
(torch's TorchScript exporter, `dynamo=False`, as users of older torch releases export).

The network is the jet-tagging MLP 16-64-32-32-5 with a BatchNorm1d after each hidden Linear, its
batch-norm statistics moved off their initial values by one training-mode pass, then put in eval mode:
- `bn_mlp_batch10.onnx`: opset 13, `torch.onnx.export`'s default fixed batch dimension: the example's
  size, 10;
- `bn_mlp_dynamic.onnx`: the same network with `dynamic_axes` (a symbolic batch dimension): the
  reference the fixed-batch file's outputs are compared with;
- `bn_mlp_opset7.onnx`: opset 7 (Gemm-7, BatchNormalization-7; qonnx's GemmToMatMul warns that it
  supports Gemm-9 explicitly), dynamic batch, the oldest opset onnxruntime runs;
- `bn_mlp_opset6.onnx`: opset 6 (Gemm-6), which onnxruntime has no kernel for;
- `flat_10x4.onnx`: a 4-input model whose input is (batch, 10, 4), flattened inside (40 -> 8 -> 3).
"""

from pathlib import Path

import torch

HERE = Path(__file__).parent


def bn_mlp() -> torch.nn.Module:
    torch.manual_seed(0)
    nn = torch.nn
    model = nn.Sequential(
        nn.Linear(16, 64), nn.BatchNorm1d(64), nn.ReLU(),
        nn.Linear(64, 32), nn.BatchNorm1d(32), nn.ReLU(),
        nn.Linear(32, 32), nn.BatchNorm1d(32), nn.ReLU(),
        nn.Linear(32, 5),
    )  # fmt: skip
    model.train()
    with torch.no_grad():
        model(torch.randn(256, 16) * 2 + 1)  # running mean/var away from 0/1
    return model.eval()


def export(model: torch.nn.Module, example: torch.Tensor, name: str, opset: int, dynamic: bool) -> None:
    axes = {"x": {0: "batch"}, "y": {0: "batch"}} if dynamic else None
    torch.onnx.export(
        model,
        example,
        str(HERE / name),
        opset_version=opset,
        dynamo=False,
        input_names=["x"],
        output_names=["y"],
        dynamic_axes=axes,
    )


def main() -> None:
    model = bn_mlp()
    example = torch.randn(10, 16)
    export(model, example, "bn_mlp_batch10.onnx", 13, dynamic=False)
    export(model, example, "bn_mlp_dynamic.onnx", 13, dynamic=True)
    export(model, example, "bn_mlp_opset7.onnx", 7, dynamic=True)
    export(model, example, "bn_mlp_opset6.onnx", 6, dynamic=True)
    torch.manual_seed(1)
    flat = torch.nn.Sequential(
        torch.nn.Flatten(), torch.nn.Linear(40, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3)
    )
    export(flat.eval(), torch.randn(10, 10, 4), "flat_10x4.onnx", 13, dynamic=True)


if __name__ == "__main__":
    main()
