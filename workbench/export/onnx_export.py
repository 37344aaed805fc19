"""torch score module -> ONNX bytes with dynamic batch, height and width."""

from __future__ import annotations

import io
import warnings

import onnx
import torch
from torch import nn

from workbench.export.errors import ExportError

OPSET = 17
INPUT_NAME = "image"
OUTPUT_NAME = "scores"


def export_onnx(module: nn.Module, in_channels: int, tile: int) -> bytes:
    """Trace ``module`` at one tile and return a checked ONNX model whose N, H and W are free.

    Normalisation and activation are part of ``module`` (a ``ScoreModel``), so they are in the graph.
    """
    module = module.cpu().eval()
    example = torch.rand(1, in_channels, tile, tile)
    axes = {0: "batch", 2: "height", 3: "width"}
    buf = io.BytesIO()
    with warnings.catch_warnings(), torch.no_grad():
        # The TorchScript exporter is deprecated but needs no onnxscript; its warnings are noise here.
        warnings.simplefilter("ignore")
        try:
            torch.onnx.export(
                module,
                (example,),
                buf,  # type: ignore[arg-type]  # the TorchScript exporter accepts a file object
                input_names=[INPUT_NAME],
                output_names=[OUTPUT_NAME],
                dynamic_axes={INPUT_NAME: axes, OUTPUT_NAME: axes},
                opset_version=OPSET,
                dynamo=False,
            )
        except Exception as exc:  # the exporter raises many types for unsupported operators
            raise ExportError(f"the model cannot be exported to ONNX: {exc}") from exc
    data = buf.getvalue()
    try:
        onnx.checker.check_model(onnx.load_from_string(data))
    except Exception as exc:
        raise ExportError(f"the exported ONNX model is invalid: {exc}") from exc
    return data
