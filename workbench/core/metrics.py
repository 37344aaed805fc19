"""Evaluation metrics: one import point for image-, pixel- and region-level metrics.

Image level (``metrics_image``): escape / overkill rates with Wilson 95% intervals, confusion
with the gray-zone column, threshold sweep, ROC / PR / AUROC / AP, zero-escape operating point,
threshold for a target overkill, and how many more NG parts a claim of low escape needs; apart
from them, how the model splits the doubtful parts (``image.doubtful.*``).
Pixel and region level (``metrics_pixel``): Dice / IoU per class, region recall, false alarms.
All results are flat dicts of JSON-safe values, keyed ``image.*``, ``pixel.*``, ``region.*``.
"""

from __future__ import annotations

from workbench.core.metrics_image import (
    auroc,
    binom_cdf,
    clopper_pearson_upper,
    doubtful_metrics,
    extra_ng_needed,
    image_metrics,
    wilson_interval,
)
from workbench.core.metrics_pixel import pixel_metrics, region_metrics

__all__ = [
    "auroc",
    "binom_cdf",
    "clopper_pearson_upper",
    "doubtful_metrics",
    "extra_ng_needed",
    "image_metrics",
    "pixel_metrics",
    "region_metrics",
    "wilson_interval",
]
