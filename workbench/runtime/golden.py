"""Golden images: re-run the bundle's reference images and compare with what the workbench got."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from workbench.core.imageio import read_image
from workbench.core.inference import InspectionResult
from workbench.runtime.bundle import Bundle, check_member_name
from workbench.runtime.inspector import Inspector
from workbench.runtime.manifest import GoldenImage


@dataclass
class GoldenCheck:
    """One golden image: expected vs. recomputed verdict and score summary (and, for a two-stage
    bundle, the regions the classifier vetoed and the largest change of a defect probability)."""

    name: str
    expected: str
    actual: str
    expected_defects: int
    actual_defects: int
    max_diff: float
    tolerance: float
    expected_vetoed: int | None = None  # None: a one-stage bundle (nothing to compare)
    actual_vetoed: int = 0
    prob_diff: float = 0.0

    @property
    def ok(self) -> bool:
        same = self.expected == self.actual and self.expected_defects == self.actual_defects
        vetoes = self.expected_vetoed is None or self.expected_vetoed == self.actual_vetoed
        return same and vetoes and self.max_diff <= self.tolerance and self.prob_diff <= self.tolerance

    def line(self) -> str:
        status = "ok  " if self.ok else "FAIL"
        if self.expected_vetoed is None:
            return (
                f"{status} {self.name}: expected {self.expected} ({self.expected_defects} defects), got "
                f"{self.actual} ({self.actual_defects} defects), score diff {self.max_diff:.2e} "
                f"(tolerance {self.tolerance:.0e})"
            )
        return (
            f"{status} {self.name}: expected {self.expected} ({self.expected_defects} defects, "
            f"{self.expected_vetoed} vetoed by the classifier), got {self.actual} ({self.actual_defects} "
            f"defects, {self.actual_vetoed} vetoed), score diff {self.max_diff:.2e}, classifier "
            f"probability diff {self.prob_diff:.2e} (tolerance {self.tolerance:.0e})"
        )


def golden_images(bundle: Bundle) -> list[tuple[GoldenImage, np.ndarray]]:
    """The golden entries of a bundle with their decoded images (read as any image file)."""
    out = []
    with tempfile.TemporaryDirectory(prefix="wbx-golden-") as tmp:
        for i, entry in enumerate(bundle.manifest.golden.images):
            name = check_member_name(entry.file, bundle.path)
            # Written under a fixed safe name; the member name only chooses the decoder.
            path = Path(tmp) / f"{i}{Path(name).suffix.lower()}"
            path.write_bytes(bundle.read(name))
            out.append((entry, read_image(path)))
    return out


def summary_diff(expected: dict[str, list[float]], actual: dict[str, list[float]]) -> float:
    """Largest difference between two score summaries' per-class max and mean."""
    diffs = [
        abs(a - b)
        for key in ("max", "mean")
        for a, b in zip(expected.get(key, []), actual.get(key, []), strict=True)
    ]
    return max(diffs, default=0.0)


def prob_diff(entry: GoldenImage, result: InspectionResult) -> float:
    """Largest difference between the defect probabilities a golden entry records for its defects
    and vetoed regions and those of ``result``, region by region (0 when the counts differ: the
    counts fail the check themselves; infinite when a region was looked at on one side only)."""
    if entry.n_vetoed is None:
        return 0.0
    pairs = [
        (list(expected), [d.get("defect_prob") for d in actual])
        for expected, actual in ((entry.defect_probs, result.defects), (entry.vetoed_probs, result.vetoed))
    ]
    diffs = []
    for expected, actual in pairs:
        if len(expected) != len(actual):
            continue
        for a, b in zip(expected, actual, strict=True):
            if (a is None) != (b is None):
                return float("inf")
            if a is not None and b is not None:
                diffs.append(abs(float(a) - float(b)))
    return max(diffs, default=0.0)


def verify(inspector: Inspector) -> list[GoldenCheck]:
    """Re-run every golden image with ``inspector``; one check per image."""
    bundle = inspector.bundle
    tol = bundle.manifest.golden.tolerance_for(inspector.backend.precision)
    checks = []
    for entry, image in golden_images(bundle):
        result = inspector.inspect(image)
        checks.append(
            GoldenCheck(
                name=entry.name,
                expected=entry.verdict,
                actual=result.verdict,
                expected_defects=entry.n_defects,
                actual_defects=len(result.defects),
                max_diff=summary_diff(entry.summary, result.summary),
                tolerance=tol,
                expected_vetoed=entry.n_vetoed,
                actual_vetoed=len(result.vetoed),
                prob_diff=prob_diff(entry, result),
            )
        )
    return checks
