"""A tiny project with a finished segmentation run whose model is a small hand-set conv net
(the export tests' run; the runtime tests export it too, for a bundle of two stages)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from workbench.core.imageio import write_image
from workbench.core.project import Project
from workbench.core.run_config import ModelConfig, RunConfig, TrainConfig
from workbench.learn import infer
from workbench.learn.score_model import ScoreModel

TILE = 64


def tiny_net(in_channels: int, num_classes: int) -> nn.Module:
    """Bright spots -> high logit; deterministic weights so decisions sit far from the threshold."""
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(in_channels, 4, 3, padding=1), nn.Tanh(), nn.Conv2d(4, num_classes, 1))
    with torch.no_grad():
        net[0].weight.fill_(1.0 / (9 * in_channels))
        net[0].weight.add_(0.01 * torch.randn_like(net[0].weight))
        net[0].bias.zero_()
        net[2].weight.fill_(6.0)
        net[2].bias.fill_(-4.0)
    return net


def make_image(rng: np.random.Generator, h: int, w: int, spots: int) -> np.ndarray:
    img = (40 + rng.integers(0, 20, size=(h, w, 3))).astype(np.uint8)
    for _ in range(spots):
        y, x = int(rng.integers(4, h - 14)), int(rng.integers(4, w - 14))
        img[y : y + 8, x : x + 8] = 235
    return img


@contextmanager
def tiny_models() -> Iterator[None]:
    """While held, runs load the tiny net whatever model name their config gives."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(infer, "get_model", lambda name, c, k, pretrained=False: tiny_net(c, k))
        yield


def make_tiny_run(folder: Path) -> tuple[Path, str]:
    """(project root, run id): 8 samples (train/val, OK and NG) and a saved tiny run, under ``folder``."""
    root = folder / "proj"
    rng = np.random.default_rng(1)
    with Project.create(root, task="segmentation") as project:
        spot = project.add_class("spot")
        for i in range(8):
            ng = i % 2 == 1
            path = folder / f"img{i}.png"
            write_image(path, make_image(rng, 80 + 8 * i, 112, 2 if ng else 0))
            project.add_sample([path], label="ng" if ng else "ok", split="train" if i < 4 else "val")
        model = ModelConfig.from_dict(
            {
                "task": "segmentation",
                "model": "tiny-test",
                "in_channels": 3,
                "classes": [{"id": spot.id, "name": spot.name, "color": spot.color}],
                "tile_size": TILE,
                "overlap": 16,
                "mean": [0.5] * 3,
                "std": [0.25] * 3,
                "decision": {
                    "classes": [{"class_id": spot.id, "name": "spot", "threshold": 0.5, "min_area_px": 10}]
                },
            }
        )
        config = RunConfig(TrainConfig(), model)
        run = project.create_run(config)
    infer.save_run_model(project.run_dir(run.id), ScoreModel(tiny_net(3, 1), [0.5] * 3, [0.25] * 3), config)
    return root, run.id
