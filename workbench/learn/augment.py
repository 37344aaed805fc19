"""Online augmentation: one geometric transform for every channel and the mask, photometric on pixels.

Random choices come from a numpy ``Generator`` the caller seeds per crop, so a training run is
deterministic given its seed and does not depend on the order in which crops are drawn.
Geometric and blur steps use torchvision.transforms.v2 on ``tv_tensors`` (any channel count);
brightness/contrast are applied with one factor to all channels because torchvision's colour
ops accept only 1 or 3 channels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torchvision import tv_tensors
from torchvision.transforms.v2 import functional as F


@dataclass(frozen=True)
class AugmentConfig:
    """Strength of each augmentation; 0 / False switches one off."""

    flips: bool = True
    rot90: bool = True
    brightness: float = 0.15  # +- additive shift, in [0,1] intensity units
    contrast: float = 0.2  # factor drawn from [1 - c, 1 + c]
    blur_p: float = 0.15
    blur_sigma: float = 1.2
    noise_p: float = 0.3
    noise_std: float = 0.02

    @classmethod
    def from_dict(cls, data: dict[str, object] | None) -> AugmentConfig:
        data = dict(data or {})
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown augmentation setting(s): {', '.join(sorted(unknown))}")
        return cls(**data)  # type: ignore[arg-type]

    @classmethod
    def none(cls) -> AugmentConfig:
        return cls(False, False, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)


def augment(
    image: torch.Tensor, mask: torch.Tensor, cfg: AugmentConfig, rng: np.random.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """Augment a ``(C,H,W)`` float image in [0,1] and its ``(H,W)`` mask the same way."""
    img = tv_tensors.Image(image)
    msk = tv_tensors.Mask(mask)
    if cfg.flips and rng.random() < 0.5:
        img, msk = F.horizontal_flip(img), F.horizontal_flip(msk)
    if cfg.flips and rng.random() < 0.5:
        img, msk = F.vertical_flip(img), F.vertical_flip(msk)
    if cfg.rot90 and img.shape[-1] == img.shape[-2]:
        k = int(rng.integers(0, 4))
        if k:
            img = tv_tensors.wrap(torch.rot90(img, k, dims=(-2, -1)), like=img)
            msk = tv_tensors.wrap(torch.rot90(msk, k, dims=(-2, -1)), like=msk)
    out = img.as_subclass(torch.Tensor)
    if cfg.contrast or cfg.brightness:
        factor = 1.0 + float(rng.uniform(-cfg.contrast, cfg.contrast))
        shift = float(rng.uniform(-cfg.brightness, cfg.brightness))
        mean = out.mean()
        out = (out - mean) * factor + mean + shift
    if cfg.blur_p and rng.random() < cfg.blur_p:
        sigma = float(rng.uniform(0.3, cfg.blur_sigma))
        size = 2 * int(np.ceil(2 * sigma)) + 1
        out = F.gaussian_blur(tv_tensors.Image(out), [size, size], [sigma, sigma]).as_subclass(torch.Tensor)
    if cfg.noise_p and rng.random() < cfg.noise_p:
        gen = torch.Generator().manual_seed(int(rng.integers(0, 2**31 - 1)))
        std = float(rng.uniform(0.0, cfg.noise_std))
        out = out + torch.randn(out.shape, generator=gen) * std
    return out.clamp_(0.0, 1.0).contiguous(), msk.as_subclass(torch.Tensor).contiguous()


ROT90_MAX_ASYMMETRY = 0.2  # above it the training images have a dominant direction: no quarter turns
_ASYMMETRY_SIDE = 512  # images are shrunk to at most this side before their gradients are measured


def axis_asymmetry(images: list[np.ndarray], seed: int = 0, sample: int = 64) -> float:
    """How much more the images' gradients run along one image axis than along the other, in [0, 1].

    Per image (up to ``sample`` of them, seeded), the structure tensor's ``(Gxx - Gyy) / (Gxx + Gyy)``
    over the whole image; the absolute mean over the images. Textures without a direction (road
    surfaces, cast metal) and sets whose parts lie at every angle give about 0; parts fixtured one
    way with grinding marks, busbars or weave along one axis give 0.5 or more. A quarter turn of a
    crop of such a part shows a texture the line never produces, so training leaves it out there.
    """
    import cv2

    rng = np.random.default_rng(seed)
    count = min(sample, len(images))
    picked = [int(i) for i in rng.choice(len(images), size=count, replace=False)] if images else []
    values = []
    for i in picked:
        image = np.asarray(images[i], np.float32)
        plane: np.ndarray = image.mean(axis=2) if image.ndim == 3 else image
        scale = _ASYMMETRY_SIDE / max(plane.shape)
        if scale < 1:
            plane = np.asarray(cv2.resize(plane, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA))
        plane = np.asarray(cv2.GaussianBlur(plane, (0, 0), 1.0))
        gx = cv2.Sobel(plane, cv2.CV_32F, 1, 0)
        gy = cv2.Sobel(plane, cv2.CV_32F, 0, 1)
        xx, yy = float(np.mean(gx * gx)), float(np.mean(gy * gy))
        if xx + yy > 0:
            values.append((xx - yy) / (xx + yy))
    return abs(float(np.mean(values))) if values else 0.0
