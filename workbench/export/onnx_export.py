"""torch modules -> ONNX bytes: the score module (dynamic batch, height and width) and the region
classifier (dynamic batch; fixed crop size)."""

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
REGION_INPUT = "crops"
REGION_OUTPUT = "probabilities"


def export_onnx(module: nn.Module, in_channels: int, tile: int) -> bytes:
    """Trace ``module`` at one tile and return a checked ONNX model whose N, H and W are free.

    Normalisation and activation are part of ``module`` (a ``ScoreModel``), so they are in the graph.
    """
    axes = {0: "batch", 2: "height", 3: "width"}
    return _export(module, torch.rand(1, in_channels, tile, tile), INPUT_NAME, OUTPUT_NAME, axes, axes)


def export_region_onnx(module: nn.Module, in_channels: int, size: int) -> bytes:
    """The region classifier (a ``RegionScoreModel``): ``(N, C, size, size)`` crops in [0, 1] ->
    ``(N, 1 + M)`` probabilities, normalisation and softmax in the graph; N is free."""
    example = torch.rand(2, in_channels, size, size)
    return _export(module, example, REGION_INPUT, REGION_OUTPUT, {0: "batch"}, {0: "batch"})


def _export(
    module: nn.Module,
    example: torch.Tensor,
    input_name: str,
    output_name: str,
    in_axes: dict[int, str],
    out_axes: dict[int, str],
) -> bytes:
    module = module.cpu().eval()
    buf = io.BytesIO()
    with warnings.catch_warnings(), torch.no_grad():
        # The TorchScript exporter is deprecated but needs no onnxscript; its warnings are noise here.
        warnings.simplefilter("ignore")
        try:
            torch.onnx.export(
                module,
                (example,),
                buf,  # type: ignore[arg-type]  # the TorchScript exporter accepts a file object
                input_names=[input_name],
                output_names=[output_name],
                dynamic_axes={input_name: in_axes, output_name: out_axes},
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
