"""ONNX export: dynamic batch/height/width, normalisation inside the graph."""

from __future__ import annotations

import numpy as np
import onnxruntime as ort
import pytest
import torch
from torch import nn

from workbench.export.errors import ExportError
from workbench.export.onnx_export import export_onnx
from workbench.learn.score_model import ScoreModel


def test_exported_graph_matches_torch_at_any_size() -> None:
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 2, 3, padding=1))
    model = ScoreModel(net, [0.4, 0.5, 0.6], [0.2, 0.25, 0.3]).eval()
    data = export_onnx(model, in_channels=3, tile=32)
    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    assert session.get_inputs()[0].shape[0] == "batch" and session.get_inputs()[0].shape[2:] == [
        "height",
        "width",
    ]
    for shape in ((1, 3, 32, 32), (2, 3, 96, 64)):
        x = np.random.default_rng(1).random(shape, dtype=np.float32)
        out = session.run(None, {"image": x})[0]
        with torch.no_grad():
            ref = model(torch.from_numpy(x)).numpy()
        assert out.shape == (shape[0], 2, *shape[2:])
        assert np.abs(out - ref).max() < 1e-5


def test_unexportable_model_is_a_clear_error() -> None:
    class Bad(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.fft.fft2(x).real

    with pytest.raises(ExportError, match=r"cannot be exported to ONNX|invalid"):
        export_onnx(Bad(), 1, 32)
