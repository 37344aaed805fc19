"""`Inspector`: bundle + image -> OK/NG with defects; the code that runs on the industrial PC.

The pipeline is the workbench's own: ``read_image`` -> ``to_unit_float`` -> ``predict_tiled``
(backend as the tile function) -> ``decide``. Nothing here imports torch.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from workbench.core.decisions import DecisionConfig, decide
from workbench.core.errors import WorkbenchError
from workbench.core.imageio import read_image
from workbench.core.preprocess import to_chw, to_unit_float
from workbench.core.tiling import TileFn, predict_tiled, tile_grid
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


def classify_tiled(chw: np.ndarray, fn: TileFn, tile: int, overlap: int, batch: int = 4) -> np.ndarray:
    """Classification map ``(K, 1, 1)``: each class's probability maximised over the image's tiles.

    The same rule as ``workbench.learn.infer.LoadedRun.predict`` for classification runs (there
    on torch); the export parity gate compares the two on every golden image.
    """
    _, h, w = chw.shape
    pad_h, pad_w = max(0, tile - h), max(0, tile - w)
    if pad_h or pad_w:
        widths = ((0, 0), (0, pad_h), (0, pad_w))
        chw = np.pad(chw, widths, mode="reflect") if min(h, w) > 1 else np.pad(chw, widths, mode="edge")
    tiles = tile_grid(chw.shape[1], chw.shape[2], tile, overlap)
    best: np.ndarray | None = None
    for i in range(0, len(tiles), batch):
        group = tiles[i : i + batch]
        out = np.asarray(fn(np.stack([chw[:, t.y : t.y + t.h, t.x : t.x + t.w] for t in group])))
        top = out.reshape(out.shape[0], out.shape[1], -1).max(axis=(0, 2))
        best = top if best is None else np.maximum(best, top)
    assert best is not None  # tile_grid always yields at least one tile
    return best.astype(np.float32).reshape(-1, 1, 1)


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
        chw = prepare(image, self.bundle.in_channels, source)
        if self.bundle.task == "classification":
            return classify_tiled(chw, self.backend, self.tile, self.overlap, batch=self.batch)
        return predict_tiled(chw, self.backend, self.tile, self.overlap, batch=self.batch)

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
