"""``LoadedRun.scores_many``: several images' tiles share model calls, each map as ``scores`` gives it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

from workbench.core.decisions import DecisionConfig
from workbench.core.run_config import ModelClass, ModelConfig
from workbench.learn.anomaly import AnomalyModel
from workbench.learn.infer import LoadedRun
from workbench.learn.score_model import ScoreModel

SIZES = ((40, 50), (100, 130), (40, 50), (64, 64), (200, 150))


class _Recorder(nn.Module):
    """Wraps a module and keeps the shape of every batch it is called on."""

    def __init__(self, inner: nn.Module) -> None:
        super().__init__()
        self.inner = inner
        self.shapes: list[tuple[int, ...]] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.shapes.append(tuple(x.shape))
        return self.inner(x)


def _deep_net(classes: int = 2) -> nn.Module:
    # two stride-2 stages: the padding around a small image reaches the border pixels' scores
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.ReLU(), nn.Conv2d(8, 8, 3, stride=2, padding=1),
        nn.ReLU(), nn.Conv2d(8, classes, 1), nn.Upsample(scale_factor=4, mode="bilinear"),
    )  # fmt: skip


def _run(task: str, module: nn.Module, tile: int = 128, batch: int = 4) -> LoadedRun:
    config = ModelConfig(
        task=task, model="test", in_channels=3, classes=(ModelClass(1, "a"), ModelClass(2, "b")),
        tile_size=tile, overlap=tile // 8, mean=(0.0,) * 3, std=(1.0,) * 3, decision=DecisionConfig(),
    )  # fmt: skip
    return LoadedRun(Path("."), config, _Recorder(module).eval(), torch.device("cpu"), batch)


def _images(seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [(rng.random((h, w, 3)) * 255).astype(np.uint8) for h, w in SIZES]


def test_segmentation_batches_small_images_padded_to_a_multiple_of_32() -> None:
    torch.manual_seed(0)
    run = _run("segmentation", ScoreModel(_deep_net(), [0.5] * 3, [0.25] * 3))
    images = _images()
    maps = run.scores_many(images)
    recorder = run.score_module
    assert isinstance(recorder, _Recorder)
    batched = list(recorder.shapes)
    recorder.shapes.clear()
    for image, got in zip(images, maps, strict=True):
        assert got.shape == (2, *image.shape[:2]) and got.dtype == np.float32
        np.testing.assert_allclose(got, run.scores(image), rtol=0, atol=1e-5)
    # 40x50 -> 64x64 (not the 128 tile), and both 40x50 images with the 64x64 one in one call
    assert (3, 3, 64, 64) in batched and all(s[2] <= 128 and s[3] <= 128 for s in batched)
    assert len(batched) < len(recorder.shapes)
    assert all(n * h * w <= 128 * 128 for n, _, h, w in batched)  # on a CPU: one tile's pixels a call


def test_pixels_per_call_by_device_and_task() -> None:
    seg = _run("segmentation", nn.Identity(), tile=128, batch=4)
    assert seg.max_pixels() == 128 * 128
    seg.device = torch.device("cuda")  # only read, never used: no GPU needed
    assert seg.max_pixels() == 4 * 128 * 128
    anomaly = _run("anomaly", nn.Identity(), tile=128, batch=4)
    anomaly.device = torch.device("cuda")
    assert anomaly.max_pixels() == 128 * 128


def test_anomaly_calls_hold_one_tile_of_pixels_at_most() -> None:
    torch.manual_seed(0)
    module = AnomalyModel(3, 0).eval()
    module.bank = torch.randn(37, 152)
    module.spread = torch.rand(37)
    run = _run("anomaly", module, tile=128)
    images = _images(1)
    maps = run.scores_many(images)
    recorder = run.score_module
    assert isinstance(recorder, _Recorder)
    assert all(n * h * w <= 128 * 128 for n, _, h, w in recorder.shapes)
    assert (3, 3, 64, 64) in recorder.shapes  # both 40x50 images and the 64x64 one share a call
    for image, got in zip(images, maps, strict=True):
        np.testing.assert_allclose(got, run.scores(image), rtol=0, atol=1e-5)


def test_classification_keeps_whole_tiles_and_the_callers_train_mode() -> None:
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 2, 3, padding=1), nn.AdaptiveAvgPool2d(1))
    run = _run("classification", ScoreModel(net, [0.5] * 3, [0.25] * 3), tile=64)
    run.score_module.train()
    images = _images(2)
    maps = run.scores_many(images)
    recorder = run.score_module
    assert isinstance(recorder, _Recorder) and recorder.training
    assert all(s[2:] == (64, 64) for s in recorder.shapes)
    for image, got in zip(images, maps, strict=True):
        assert got.shape == (2, 1, 1)
        np.testing.assert_allclose(got, run.scores(image), rtol=0, atol=1e-6)
