"""The one preprocessing step shared by training, evaluation, export and the runtime.

Any stored image becomes ``H x W x C`` float32 in [0, 1]; mean/std normalisation happens
inside the model graph (so an exported model needs nothing but this function before it).
"""

from __future__ import annotations

import numpy as np


def to_unit_float(image: np.ndarray, drop_alpha: bool = True) -> np.ndarray:
    """Scale an image to float32 [0, 1] as ``H x W x C`` (grey gets C = 1).

    uint8 is divided by 255, uint16 by 65535, float images are clipped to [0, 1]. An alpha
    plane (4 channels in one RGBA image) is dropped when ``drop_alpha``.
    """
    img = image
    if img.ndim == 2:
        img = img[..., None]
    if drop_alpha and img.shape[2] == 4:
        img = img[..., :3]
    if img.dtype == np.uint8:
        out = img.astype(np.float32) * np.float32(1.0 / 255.0)
    elif img.dtype == np.uint16:
        out = img.astype(np.float32) * np.float32(1.0 / 65535.0)
    else:
        out = np.clip(img.astype(np.float32), 0.0, 1.0)
    return np.ascontiguousarray(out)


def to_chw(image: np.ndarray) -> np.ndarray:
    """``H x W x C`` float image to a contiguous ``C x H x W`` array."""
    return np.ascontiguousarray(image.transpose(2, 0, 1))
