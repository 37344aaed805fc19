"""Optional synthetic defects on OK training crops (``workbench.core.synth``), drawn per crop.

Half of the painted crops get a defect cut from a labelled NG training image and blended in,
the other half a soft local contrast change; either way the mask labels exactly the changed pixels.
Targets here are in model-channel space (0 background, i + 1 = channel i).
"""

from __future__ import annotations

import numpy as np

from workbench.core import synth
from workbench.learn.data_sampling import TrainItem, cut

SOURCE_WINDOW = 96  # pixels cut around a labelled defect to paste from (keeps blending cheap)


class SyntheticDefects:
    """``(image, target, rng) -> (image, target)``: paints a defect on a defect-free crop with ``p``."""

    def __init__(self, items: list[TrainItem], n_classes: int, p: float) -> None:
        self.sources = [(i, cls) for i, it in enumerate(items) for cls in it.points]
        self.items = items
        self.n_classes = n_classes
        self.p = p

    def __call__(
        self, image: np.ndarray, target: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        if target.any() or rng.random() >= self.p:
            return image, target
        try:
            if self.sources and rng.random() < 0.5:
                return self._paste(image, target, rng)
            cls = int(rng.integers(self.n_classes)) + 1
            return synth.local_contrast_defect(image, target, rng, cls)
        except synth.SynthError:
            return image, target  # e.g. a defect larger than the crop: this crop stays as it was

    def _paste(
        self, image: np.ndarray, target: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        idx, cls = self.sources[int(rng.integers(len(self.sources)))]
        item = self.items[idx]
        py, px = (int(v) for v in item.points[cls][int(rng.integers(len(item.points[cls])))])
        half = SOURCE_WINDOW // 2
        src_img = cut(item.image, py - half, px - half, SOURCE_WINDOW)
        src_mask = cut(item.target, py - half, px - half, SOURCE_WINDOW)
        if src_img.dtype != image.dtype:
            return image, target
        return synth.paste_defect(image, target, np.ascontiguousarray(src_img), src_mask, cls + 1, rng)
