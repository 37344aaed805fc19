"""`Inspector`: bundle + image -> OK/NG with defects; the code that runs on the industrial PC.

The pipeline is the workbench's own: ``read_image`` -> ``to_unit_float`` -> ``predict_tiled_many``
(backend as the tile function) -> ``decide``. Nothing here imports torch.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from workbench.core.cancel import CancelToken
from workbench.core.decisions import DecisionConfig, decide
from workbench.core.errors import WorkbenchError
from workbench.core.imageio import read_image
from workbench.core.preprocess import to_chw, to_unit_float
from workbench.core.tiling import classify_tiled_many, predict_tiled_many
from workbench.runtime.backends import make_backend
from workbench.runtime.bundle import Bundle, open_bundle


class InspectError(WorkbenchError):
    """An image cannot be inspected with this bundle (wrong channel count and the like)."""


@dataclass
class Result:
    """The outcome for one image; ``score_map`` only when asked for."""

    source: str
    verdict: str
    defects: list[dict[str, Any]]
    width: int
    height: int
    time_ms: float
    summary: dict[str, list[float]]
    score_map: np.ndarray | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "verdict": self.verdict,
            "n_defects": len(self.defects),
            "defects": self.defects,
            "width": self.width,
            "height": self.height,
            "time_ms": round(self.time_ms, 2),
            "summary": self.summary,
        }


def score_summary(score_map: np.ndarray, threshold: float = 0.5) -> dict[str, list[float]]:
    """Per-class max, mean and fraction of pixels above ``threshold`` of a ``(K, H, W)`` map."""
    flat = score_map.reshape(score_map.shape[0], -1).astype(np.float64)
    return {
        "max": [float(v) for v in flat.max(axis=1)],
        "mean": [float(v) for v in flat.mean(axis=1)],
        "frac_above": [float(v) for v in (flat > threshold).mean(axis=1)],
    }


def prepare(image: np.ndarray, in_channels: int, source: object = "image") -> np.ndarray:
    """Stored image -> ``(C, H, W)`` float32 in [0, 1], checked against the model's channels."""
    unit = to_unit_float(image, drop_alpha=in_channels != 4)
    if unit.shape[2] != in_channels:
        raise InspectError(f"{source}: image has {unit.shape[2]} channel(s), the model expects {in_channels}")
    return to_chw(unit)


class Inspector:
    """Runs one bundle on images: ``inspect(image) -> Result``."""

    def __init__(
        self,
        bundle: Bundle | str | os.PathLike[str],
        backend: str = "auto",
        device: str = "auto",
        precision: str = "fp32",
        fast: bool = False,
        batch: int = 4,
        threads: int = 0,
    ) -> None:
        self.bundle = bundle if isinstance(bundle, Bundle) else open_bundle(bundle)
        manifest = self.bundle.manifest
        self.decision_config = DecisionConfig.from_dict(manifest["decision"])
        self.backend = make_backend(self.bundle, backend, device, precision, fast, threads)
        self.batch = batch
        self.tile = self.bundle.tile
        self.overlap = self.bundle.overlap

    def describe(self) -> str:
        b = self.backend
        extra = f", inference {b.inference_precision}" if hasattr(b, "inference_precision") else ""
        return f"{b.name} on {b.device}, model {b.precision}{extra}"

    def scores(self, image: np.ndarray, source: object = "image") -> np.ndarray:
        """The ``(K, H, W)`` score map of a stored image (any dtype, ``H x W [x C]``)."""
        return self.scores_many([image], sources=[source])[0]

    def scores_many(
        self,
        images: Sequence[np.ndarray],
        cancel: CancelToken | None = None,
        sources: Sequence[object] | None = None,
    ) -> list[np.ndarray]:
        """Score maps of several stored images; their tiles share backend calls (same maps as ``scores``)."""
        names = sources if sources is not None else [f"image {i}" for i in range(len(images))]
        chws = [prepare(im, self.bundle.in_channels, name) for im, name in zip(images, names, strict=True)]
        # an anomaly tile holds a (patches x bank) distance matrix: one tile's pixels a call at most
        max_pixels = self.tile * self.tile * (1 if self.bundle.task == "anomaly" else self.batch)
        if self.bundle.task == "classification":
            return classify_tiled_many(chws, self.backend, self.tile, self.overlap, max_pixels, cancel)
        return predict_tiled_many(
            chws, self.backend, self.tile, self.overlap, max_pixels, self.bundle.pad_multiple, cancel
        )

    def inspect(self, image: np.ndarray | str | os.PathLike[str], return_scores: bool = False) -> Result:
        """Inspect an image array or file; the verdict is ``"OK"``, ``"NG"`` or ``"GRAY"``."""
        source = "<array>"
        if not isinstance(image, np.ndarray):
            source = str(Path(image))
            image = read_image(image)
        start = time.perf_counter()
        score_map = self.scores(image, source)
        decision = decide(score_map, self.decision_config, image=image)
        elapsed = (time.perf_counter() - start) * 1000.0
        info = decision.to_dict()
        return Result(
            source=source,
            verdict=str(decision.verdict),
            defects=list(info.get("defects", [])),
            width=int(image.shape[1]),
            height=int(image.shape[0]),
            time_ms=elapsed,
            summary=score_summary(score_map),
            score_map=score_map if return_scores else None,
        )
