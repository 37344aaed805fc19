"""Golden entries of a bundle: reference images with the workbench's own outputs for them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol, TypeVar

import numpy as np

from workbench.core.decisions import DecisionConfig, decide
from workbench.core.imageio import encode_image
from workbench.core.inference import score_summary
from workbench.export.parity import ParityImage, VariantParity
from workbench.runtime.manifest import DEFAULT_TOLERANCE, FP32_TOLERANCE, GoldenImage


class _Labelled(Protocol):
    @property
    def label(self) -> str: ...


T = TypeVar("T", bound=_Labelled)


def ng_ok_order(items: Sequence[T]) -> list[T]:
    """``items`` with NG and other labels alternating (NG first), each kept in its own order."""
    ng = [i for i in items if i.label == "ng"]
    rest = [i for i in items if i.label != "ng"]
    out: list[T] = []
    while ng or rest:
        for pool in (ng, rest):
            if pool:
                out.append(pool.pop(0))
    return out


def pick_golden(items: list[ParityImage], count: int) -> list[ParityImage]:
    """Up to ``count`` images, alternating NG and OK labels so both verdicts are covered.

    Borderline images (decision flips within the parity margin) come last: a golden image must
    decide the same on any machine whose scores agree within tolerance.
    """
    stable = ng_ok_order([i for i in items if not i.borderline])
    return (stable + ng_ok_order([i for i in items if i.borderline]))[:count]


def _suffix(image: np.ndarray) -> str:
    channels = 1 if image.ndim == 2 else image.shape[2]
    return ".png" if image.dtype in (np.uint8, np.uint16) and channels in (1, 3, 4) else ".tif"


def golden_entries(
    items: list[ParityImage], config: DecisionConfig
) -> tuple[list[GoldenImage], dict[str, bytes]]:
    """Manifest entries and files (``golden/NNN.png|tif``) from each image's torch reference map
    (and, for a two-stage run, its region classifier maps: vetoes and defect probabilities)."""
    entries: list[GoldenImage] = []
    files: dict[str, bytes] = {}
    for i, item in enumerate(items):
        name = f"golden/{i:03d}{_suffix(item.image)}"
        files[name] = encode_image(item.image, name[-4:])
        ref = item.scores
        if ref is None:
            raise ValueError(f"golden image {item.name} was not scored by the trained model")
        decision = decide(ref, config, image=item.image, stage=item.stage)
        summary = score_summary(ref, config)
        entry = GoldenImage(name, item.name, decision.verdict, len(decision.defects), summary)
        if item.stage is not None:
            entry = replace(entry, n_vetoed=len(decision.vetoed),
                            defect_probs=tuple(d.defect_prob for d in decision.defects),
                            vetoed_probs=tuple(d.defect_prob for d in decision.vetoed))  # fmt: skip
        entries.append(entry)
    return entries, files


def tolerances(rows: list[VariantParity], drift: dict[str, float] | None = None) -> dict[str, float]:
    """Verify tolerance per precision: FP32 is fixed; FP16/INT8 allow twice what export measured,
    on the parity tiles and (``drift``) on the golden images' score summaries."""
    out = {"fp32": FP32_TOLERANCE}
    drift = drift or {}
    for row in rows:
        if row.precision in ("fp16", "int8") and "device default" not in row.label:
            measured = max(row.max_abs, drift.get(row.precision, 0.0))
            out[row.precision] = max(DEFAULT_TOLERANCE[row.precision], 2.0 * measured)
    return out
