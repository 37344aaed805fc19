"""Golden images: re-run the bundle's reference images and compare with what the workbench got."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from workbench.core.imageio import read_image
from workbench.runtime.bundle import Bundle, check_member_name
from workbench.runtime.inspector import Inspector
from workbench.runtime.manifest import GoldenImage


@dataclass
class GoldenCheck:
    """One golden image: expected vs. recomputed verdict and score summary."""

    name: str
    expected: str
    actual: str
    expected_defects: int
    actual_defects: int
    max_diff: float
    tolerance: float

    @property
    def ok(self) -> bool:
        same = self.expected == self.actual and self.expected_defects == self.actual_defects
        return same and self.max_diff <= self.tolerance

    def line(self) -> str:
        status = "ok  " if self.ok else "FAIL"
        return (
            f"{status} {self.name}: expected {self.expected} ({self.expected_defects} defects), got "
            f"{self.actual} ({self.actual_defects} defects), score diff {self.max_diff:.2e} "
            f"(tolerance {self.tolerance:.0e})"
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
            )
        )
    return checks
