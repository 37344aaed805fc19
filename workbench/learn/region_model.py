"""The region classifier's graph: ``(N,C,S,S)`` crops in [0,1] -> ``(N, 1 + M)`` probabilities.

Output 0 is "not a defect", output j the defect class ``RegionStage.class_ids[j - 1]``
(``core.region_stage``). Normalisation and the softmax live inside the module, as in
``score_model.ScoreModel``, so torch, ONNX Runtime and OpenVINO take the same crops and give the
same probabilities. The weights are ``runs/<id>/classifier.pt`` (a plain state dict); the
architecture is ``ModelConfig.region_model`` (a classification model of ``learn.models``).
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from pathlib import Path

import torch
from torch import nn

from workbench.core.atomic import atomic_write_bytes
from workbench.core.errors import WorkbenchError
from workbench.core.run_config import ModelConfig
from workbench.learn.models import default_normalization, get_model

CLASSIFIER_NAME = "classifier.pt"
REGION_MODEL = "cls-effnetlite0"


class RegionModelError(WorkbenchError):
    """A run's region classifier is missing or does not fit its config."""


class RegionScoreModel(nn.Module):
    """Wrap a classification net (raw logits ``(N, 1 + M)``) with normalisation and a softmax."""

    mean: torch.Tensor
    std: torch.Tensor

    def __init__(self, net: nn.Module, mean: Sequence[float], std: Sequence[float]) -> None:
        super().__init__()
        self.net = net
        self.register_buffer("mean", torch.tensor(list(mean), dtype=torch.float32).view(1, -1, 1, 1))
        self.register_buffer("std", torch.tensor(list(std), dtype=torch.float32).view(1, -1, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        logits = self.net((x - self.mean) / self.std)
        return torch.softmax(logits.flatten(1), dim=1)


def new_region_module(
    name: str, in_channels: int, n_outputs: int, pretrained: bool = True
) -> RegionScoreModel:
    """A region classifier to train: ``name``'s net (offline pretrained weights when it has them)."""
    mean, std = default_normalization(name, in_channels)
    return RegionScoreModel(get_model(name, in_channels, n_outputs, pretrained=pretrained), mean, std)


def save_region_module(run_dir: str | os.PathLike[str], module: nn.Module) -> None:
    """Write ``classifier.pt`` atomically (the run's config says it exists)."""
    buf = io.BytesIO()
    torch.save({k: v.detach().cpu() for k, v in module.state_dict().items()}, buf)
    atomic_write_bytes(Path(run_dir) / CLASSIFIER_NAME, buf.getvalue())


def load_region_module(run_dir: str | os.PathLike[str], config: ModelConfig) -> RegionScoreModel | None:
    """The run's region classifier in eval mode (None when the run has no second stage)."""
    stage = config.region_stage
    if stage is None or config.region_model is None:
        return None
    path = Path(run_dir) / CLASSIFIER_NAME
    if not path.is_file():
        raise RegionModelError(f"run {run_dir} has a region stage but no {CLASSIFIER_NAME}")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises several unrelated types for damaged files
        raise RegionModelError(f"{path} is damaged or not a state dict: {exc}") from exc
    module = new_region_module(config.region_model, config.in_channels, stage.n_outputs, pretrained=False)
    try:
        module.load_state_dict(state)
    except RuntimeError as exc:
        raise RegionModelError(f"{path} does not fit region model {config.region_model!r}: {exc}") from exc
    return module.eval()
