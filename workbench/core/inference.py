"""Stored images -> score maps -> decisions: the one pipeline every model runs through.

A model source only supplies a tile function ``(N,C,h,w) -> (N,K,h,w)``: ``learn.infer.LoadedRun``
(a run on torch) and ``runtime.Inspector`` (a bundle on ONNX Runtime / OpenVINO) are thin adapters
over ``TiledModel``. Everything else is core's own single definition: ``preprocess.model_input``
(unit range, alpha and channel rules), ``tiling.score_maps`` (padding, tiles, blend or max merge),
``decisions.decide`` (pixels of class k, image score), so what is evaluated is what is deployed.
"""

from __future__ import annotations

import os
import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from workbench.core.cancel import CancelToken
from workbench.core.class_pixels import class_index_map
from workbench.core.decision_regions import StageMaps
from workbench.core.decisions import DecisionConfig, decide
from workbench.core.imageio import read_image
from workbench.core.preprocess import model_input
from workbench.core.region_stage import RegionFn, RegionStage, stage_maps
from workbench.core.tiling import TileFn, Tiling, score_maps


@dataclass
class InspectionResult:
    """The outcome for one image, whichever model source computed it; ``score_map`` only when asked for."""

    source: str
    verdict: str
    defects: list[dict[str, Any]]
    width: int
    height: int
    time_ms: float
    image_score: float
    summary: dict[str, list[float]]
    score_map: np.ndarray | None = field(default=None, repr=False)
    # regions the region classifier vetoed (a second-stage model only)
    vetoed: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "verdict": self.verdict,
            "n_defects": len(self.defects),
            "defects": self.defects,
            "vetoed": self.vetoed,
            "width": self.width,
            "height": self.height,
            "time_ms": round(self.time_ms, 2),
            "image_score": self.image_score,
            "summary": self.summary,
        }


def score_summary(score_map: np.ndarray, config: DecisionConfig) -> dict[str, list[float]]:
    """Per class: max and mean score, and the fraction of pixels that belong to the class under
    ``config`` (``frac_above``: above its threshold and won by it, see ``class_pixels``)."""
    flat = score_map.reshape(score_map.shape[0], -1).astype(np.float64)
    index = class_index_map(score_map, config.pixel_thresholds(score_map.shape[0])).ravel()
    return {
        "max": [float(v) for v in flat.max(axis=1)],
        "mean": [float(v) for v in flat.mean(axis=1)],
        "frac_above": [float(np.mean(index == k)) for k in range(score_map.shape[0])],
    }


class TiledModel(ABC):
    """A model seen through core: stored images in, score maps and decisions out.

    Subclasses give ``tile_fn`` and say what the model takes (``task``, ``in_channels``,
    ``tiling``) and how it decides (``decision_config``).
    """

    batch: int = 4

    @property
    @abstractmethod
    def task(self) -> str: ...

    @property
    @abstractmethod
    def in_channels(self) -> int: ...

    @property
    @abstractmethod
    def tiling(self) -> Tiling: ...

    @property
    @abstractmethod
    def decision_config(self) -> DecisionConfig: ...

    @abstractmethod
    def tile_fn(self) -> TileFn:
        """``(N,C,h,w)`` float32 model input -> ``(N,K,h,w)`` scores (``(N,K,...)`` for 'max')."""

    @property
    def region_stage(self) -> RegionStage | None:
        """The model's second stage (a region classifier), if it has one."""
        return None

    def region_fn(self) -> RegionFn:
        """``(N,C,S,S)`` crops -> ``(N, 1 + M)`` probabilities of the region classifier."""
        raise NotImplementedError(f"{type(self).__name__} has no region classifier")

    def stage_of(
        self, image: np.ndarray, score_map: np.ndarray, source: object = "image"
    ) -> StageMaps | None:
        """The region classifier's maps of one stored image and its score map (None without one)."""
        stage = self.region_stage
        if stage is None:
            return None
        chw = model_input(image, self.in_channels, source)
        with self.running():
            return stage_maps(score_map, chw, stage, self.region_fn())

    def tiles_per_call(self) -> int:
        """Tiles of pixels per model call: one for anomaly (a tile holds a patches x bank distance
        matrix), else ``batch``."""
        return 1 if self.task == "anomaly" else self.batch

    def max_pixels(self) -> int:
        return self.tiling.tile * self.tiling.tile * self.tiles_per_call()

    def running(self) -> AbstractContextManager[object]:
        """Held while the tile function runs (a torch module switches to eval mode here)."""
        return nullcontext()

    def scores_many(
        self,
        images: Sequence[np.ndarray],
        cancel: CancelToken | None = None,
        sources: Sequence[object] | None = None,
        max_pixels: int | None = None,
    ) -> list[np.ndarray]:
        """Score maps of several stored images (any dtype, ``H x W [x C]``); their tiles share model
        calls of at most ``max_pixels`` input pixels, each map as ``scores`` gives it alone."""
        names = sources if sources is not None else [f"image {i}" for i in range(len(images))]
        chws = [model_input(im, self.in_channels, name) for im, name in zip(images, names, strict=True)]
        with self.running():
            return score_maps(chws, self.tile_fn(), self.tiling, max_pixels or self.max_pixels(), cancel)

    def scores(self, image: np.ndarray, source: object = "image") -> np.ndarray:
        """The ``(K,H,W)`` score map (classification ``(K,1,1)``) of one stored image."""
        return self.scores_many([image], sources=[source])[0]

    def inspect(
        self, image: np.ndarray | str | os.PathLike[str], return_scores: bool = False
    ) -> InspectionResult:
        """Decide an image array or file; the verdict is ``"OK"``, ``"NG"`` or ``"GRAY"``."""
        source = "<array>"
        if not isinstance(image, np.ndarray):
            source = str(Path(image))
            image = read_image(image)
        start = time.perf_counter()
        score_map = self.scores(image, source)
        stage = self.stage_of(image, score_map, source)
        config = self.decision_config
        decision = decide(score_map, config, image=image, stage=stage)
        elapsed = (time.perf_counter() - start) * 1000.0
        return InspectionResult(
            source=source,
            verdict=str(decision.verdict),
            defects=[d.to_dict() for d in decision.defects],
            width=int(image.shape[1]),
            height=int(image.shape[0]),
            time_ms=elapsed,
            image_score=decision.image_score,
            summary=score_summary(score_map, config),
            score_map=score_map if return_scores else None,
            vetoed=[d.to_dict() for d in decision.vetoed],
        )
