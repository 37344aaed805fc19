"""Training the region classifier on labelled crops (``learn.region_data``) until a deadline."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from workbench.core.cancel import CancelToken
from workbench.core.region_stage import RegionStage
from workbench.learn.region_data import CropSet
from workbench.learn.region_model import RegionScoreModel

BATCH = 32
LR = 1e-3
WEIGHT_DECAY = 1e-4
LABEL_SMOOTHING = 0.05
WARMUP_STEPS = 5


@dataclass
class FitResult:
    """How the classifier's training went (``metrics.json``'s ``region``)."""

    steps: int
    epochs: float
    seconds: float
    loss: float

    def to_dict(self) -> dict[str, float | int]:
        return {"steps": self.steps, "epochs": round(self.epochs, 2), "seconds": round(self.seconds, 1),
                "loss": round(self.loss, 4)}  # fmt: skip


def output_index(labels: list[int], stage: RegionStage) -> np.ndarray:
    """Class ids (0: not a defect) -> the classifier's output index (0, or 1 + position in ``class_ids``)."""
    lut = {0: 0, **{cid: i + 1 for i, cid in enumerate(stage.class_ids)}}
    return np.asarray([lut[label] for label in labels], np.int64)


def augment_batch(x: torch.Tensor, rng: np.random.Generator) -> torch.Tensor:
    """Random flips and quarter turns, one per crop (square crops keep their shape)."""
    out = []
    for crop in x:
        if rng.random() < 0.5:
            crop = torch.flip(crop, dims=(-1,))
        k = int(rng.integers(4))
        out.append(torch.rot90(crop, k, dims=(-2, -1)) if k else crop)
    return torch.stack(out)


def fit_region_module(module: RegionScoreModel, crops: CropSet, stage: RegionStage, device: torch.device,
                      seconds: float | None, max_steps: int, seed: int, cancel: CancelToken,
                      progress: Callable[[float], None]) -> FitResult:  # fmt: skip
    """Train ``module`` on ``crops``, class-balanced (``CropSet.weights``), with light augmentation,
    for ``seconds`` (None: ``max_steps``); the learning rate follows a cosine over the time (or
    steps) it has. Returns how it went; the module ends in eval mode."""
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    data = torch.from_numpy(np.stack(crops.crops))
    targets = torch.from_numpy(output_index(crops.labels, stage))
    weights = crops.weights()
    # channels_last: a 64-pixel step of EfficientNet-Lite0 took 0.65x the time (2-core AVX2 CPU)
    module.to(device).to(memory_format=torch.channels_last).train()
    params = [p for p in module.net.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=LR, weight_decay=WEIGHT_DECAY)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=LABEL_SMOOTHING)
    t0 = time.monotonic()
    step, loss_avg = 0, math.nan
    while step < max_steps:
        cancel.raise_if_cancelled()
        done = (time.monotonic() - t0) / seconds if seconds else step / max_steps
        if done >= 1.0:
            break
        scale = min(1.0, (step + 1) / WARMUP_STEPS) * 0.5 * (1.0 + math.cos(math.pi * done))
        for group in opt.param_groups:
            group["lr"] = LR * scale
        pick = rng.choice(len(weights), size=min(BATCH, len(weights)), p=weights)
        x = augment_batch(data[pick].float(), rng).to(device).contiguous(memory_format=torch.channels_last)
        logits = module.net((x - module.mean) / module.std).flatten(1)
        loss = loss_fn(logits, targets[pick].to(device))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        value = float(loss.detach())
        loss_avg = value if math.isnan(loss_avg) else 0.9 * loss_avg + 0.1 * value
        step += 1
        progress(min(done, 1.0))
    module.to(memory_format=torch.contiguous_format).eval()
    return FitResult(step, step * BATCH / max(len(weights), 1), time.monotonic() - t0, loss_avg)
