"""Image -> model input: the one preprocessing step of training, evaluation, export and the runtime.

Three rules, each defined once here:

- **unit range** (``unit_range``): uint8 is divided by 255, uint16 by 65535, float images are
  clipped to [0, 1]; the result is float32. Mean/std normalisation happens inside the model graph,
  so an exported model needs nothing but this before it.
- **alpha rule** (``model_planes``): a four-plane image read from one file is RGBA; its fourth
  plane is transparency, not light, and is dropped, except for a model that takes four channels
  (trained on samples of four channel files), which gets every plane. Training applies the rule
  when it reads samples (it knows how many files a sample has); inference applies it from the
  model's channel count. The two agree: a one-file RGBA sample trains a three-channel model.
- **channel rule** (``model_input``): after the alpha rule the image must have exactly the model's
  channel count (grey is one channel); anything else is an ``InputError`` naming the image.
"""

from __future__ import annotations

import numpy as np

from workbench.core.errors import WorkbenchError

RGBA_PLANES = 4


class InputError(WorkbenchError, ValueError):
    """An image does not fit a model's input (channel count, shape)."""


def model_planes(image: np.ndarray, channels: int | None = None, one_file: bool = True) -> np.ndarray:
    """``H x W x C`` view of a stored image with the alpha rule applied (values unchanged).

    ``channels`` is the model's channel count (``None`` while training decides it); ``one_file``
    says whether the planes come from one file (several files: every plane is a light source).
    """
    if image.ndim not in (2, 3):
        raise InputError(f"expected an H x W or H x W x C image, got shape {tuple(image.shape)}")
    img = image[..., None] if image.ndim == 2 else image
    if img.shape[2] == RGBA_PLANES and one_file and channels != RGBA_PLANES:
        img = img[..., :3]
    return img


def unit_range(image: np.ndarray) -> np.ndarray:
    """Pixels as contiguous float32 in [0, 1] (same shape); see the module's unit-range rule."""
    if image.dtype == np.uint8:
        out = image.astype(np.float32) * np.float32(1.0 / 255.0)
    elif image.dtype == np.uint16:
        out = image.astype(np.float32) * np.float32(1.0 / 65535.0)
    else:
        out = np.clip(image.astype(np.float32), 0.0, 1.0)
    return np.ascontiguousarray(out)


def to_unit_float(image: np.ndarray, drop_alpha: bool = True) -> np.ndarray:
    """A stored image as ``H x W x C`` float32 in [0, 1] (grey gets C = 1), for display and
    measurements; ``drop_alpha`` applies the alpha rule of a one-file image."""
    return unit_range(model_planes(image, one_file=drop_alpha))


def to_chw(image: np.ndarray) -> np.ndarray:
    """``H x W x C`` float image to a contiguous ``C x H x W`` array."""
    return np.ascontiguousarray(image.transpose(2, 0, 1))


def model_input(image: np.ndarray, channels: int | None, source: object = "image") -> np.ndarray:
    """A stored image as a model's input: ``(C, H, W)`` float32 in [0, 1] after the alpha and
    channel rules (``channels=None``: every plane, as training hands in its prepared samples)."""
    # without a channel count the planes were prepared by training, which applied the alpha rule
    unit = unit_range(model_planes(image, channels, one_file=channels is not None))
    if channels is not None and unit.shape[2] != channels:
        raise InputError(f"{source}: image has {unit.shape[2]} channel(s), the model expects {channels}")
    return to_chw(unit)
