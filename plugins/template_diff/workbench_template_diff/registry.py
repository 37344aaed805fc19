"""The ``workbench.models`` entry: a torch score module around :class:`TemplateDiffModel`.

The workbench's runs, evaluation and trainer speak ``nn.Module`` (docs/dev/contracts.md), so the
fitted template travels as buffers of a module whose ``forward`` calls the OpenCV algorithm. The
computation is not a torch graph: exporting the module to ONNX is refused rather than traced into
a graph that would bake one image's result in as a constant.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from workbench.learn.models import ModelError, ModelInfo
from workbench_template_diff.align import MOTIONS
from workbench_template_diff.model import Cancellable, TemplateDiffModel

NAME = "template-diff"
_MOTIONS = tuple(MOTIONS)


class TemplateDiffModule(nn.Module):
    """``(N,C,H,W)`` in [0,1] -> ``(N,1,H,W)`` score in [0,1] (0.5 = threshold), whole images only.

    An input larger than the template (the bottom/right reflect padding of
    ``workbench.core.tiling.predict_tiled`` when the tile covers the image) is scored on its
    top-left template-sized part and the padding gets 0.
    """

    template: torch.Tensor
    spread: torch.Tensor
    threshold_raw: torch.Tensor
    sigma: torch.Tensor
    motion: torch.Tensor

    def __init__(self, in_channels: int = 1):
        super().__init__()
        self.register_buffer("template", torch.zeros(in_channels, 0, 0))
        self.register_buffer("spread", torch.ones(in_channels, 0, 0))
        self.register_buffer("threshold_raw", torch.ones(1))
        self.register_buffer("sigma", torch.full((1,), 2.0))
        self.register_buffer("motion", torch.zeros(1, dtype=torch.int64))
        # a fitted template's size is only known from the state dict being loaded
        self.register_load_state_dict_pre_hook(_resize_buffers)

    @classmethod
    def from_model(cls, model: TemplateDiffModel) -> TemplateDiffModule:
        module = cls(model.shape[2])
        module.template = torch.from_numpy(model.template.transpose(2, 0, 1).copy())
        module.spread = torch.from_numpy(model.spread.transpose(2, 0, 1).copy())
        module.threshold_raw = torch.tensor([float(model.threshold_raw)])
        module.sigma = torch.tensor([float(model.sigma)])
        module.motion = torch.tensor([_MOTIONS.index(model.motion)])
        return module

    def to_model(self) -> TemplateDiffModel:
        if self.template.numel() == 0:
            raise ModelError(f"{NAME} has no template yet: fit it on OK images first")
        return TemplateDiffModel(
            self.template.cpu().numpy().transpose(1, 2, 0).copy(),
            self.spread.cpu().numpy().transpose(1, 2, 0).copy(),
            float(self.threshold_raw[0]),
            float(self.sigma[0]),
            _MOTIONS[int(self.motion[0])],
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if torch.jit.is_tracing() or torch.onnx.is_in_onnx_export():
            raise ModelError(f"{NAME} computes with OpenCV at run time and cannot be exported as a graph")
        model = self.to_model()
        h, w, c = model.shape
        if x.shape[1] != c or x.shape[2] < h or x.shape[3] < w:
            raise ModelError(
                f"{NAME} scores whole {w}x{h} images with {c} channel(s); got a {x.shape[3]}x{x.shape[2]} "
                f"input with {x.shape[1]}: use a tile at least as large as the image"
            )
        out = torch.zeros(x.shape[0], 1, x.shape[2], x.shape[3], dtype=torch.float32)
        images = x[:, :, :h, :w].detach().float().cpu().numpy().transpose(0, 2, 3, 1)
        for i, image in enumerate(images):
            out[i, :, :h, :w] = torch.from_numpy(model.predict(image))
        return out.to(x.device)


def _resize_buffers(module: nn.Module, state: dict[str, Any], prefix: str, *_: Any) -> None:
    for name in ("template", "spread"):
        incoming = state.get(prefix + name)
        if isinstance(incoming, torch.Tensor):
            setattr(module, name, torch.empty_like(incoming, dtype=torch.float32))


def build(in_channels: int, num_classes: int, pretrained: bool) -> nn.Module:
    """An unfitted module (its template comes from ``fit`` or from a run's state dict)."""
    if num_classes != 1:
        raise ModelError(f"{NAME} gives one 'defect' score map; it cannot have {num_classes} classes")
    return TemplateDiffModule(in_channels)


def fit(
    train_ok: Sequence[np.ndarray],
    val_ok: Sequence[np.ndarray],
    val_ng: Sequence[np.ndarray] = (),
    progress: Callable[[float, str], None] | None = None,
    cancel: Cancellable | None = None,
    **_: Any,  # trainer settings meant for other good-only models (tile, seed, ...)
) -> TemplateDiffModule:
    """Fit the template on OK training images; the threshold on the validation images."""
    model = TemplateDiffModel.fit(
        list(train_ok), list(val_ok), list(val_ng), progress=progress, cancel=cancel
    )
    return TemplateDiffModule.from_model(model)


MODEL_INFO = ModelInfo(
    name=NAME,
    task="anomaly",
    description="Golden template + difference (classical, OpenCV); good images only, fixed part pose",
    cost=0.05,
    encoder="none",
    default_crop=256,
    factory=build,
    fit=fit,
)
