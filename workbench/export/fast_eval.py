"""Evaluate a run through its exported graph when that agrees with torch and is faster.

On a CPU, OpenVINO runs the workbench's nets faster than torch eager. ``ExportedOrTorch`` is a
batched predictor for ``run_evaluation``: the first chunk of images runs on torch. When a second
chunk follows and the first took long enough for an export to pay, the run's graph is exported in
memory (ONNX, run by OpenVINO FP32 with f32 math, as a bundle would be) and run on the first
chunk's images; it takes over only when its maps agree with torch's within the export parity
gate's FP32 tolerance and it took less time. Nothing is written to disk; the choice and its
reasons are recorded with the evaluation.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from workbench.core.cancel import Cancelled, CancelToken
from workbench.core.decisions import DecisionConfig
from workbench.export.bundle_writer import manifest_with_hashes
from workbench.export.onnx_export import export_onnx
from workbench.learn.infer import LoadedRun
from workbench.runtime.bundle import Bundle
from workbench.runtime.inspector import Inspector
from workbench.runtime.manifest import FP32_TOLERANCE, Manifest, ModelFiles


def memory_bundle(loaded: LoadedRun) -> Bundle:
    """A bundle held in memory with the run's ONNX graph, tiling and classes (no decision rules)."""
    config = loaded.config
    files = {"model.onnx": export_onnx(loaded.score_module, config.in_channels, config.tile_size)}
    manifest = Manifest(
        task=config.task, classes=config.classes, in_channels=config.in_channels, tiling=config.tiling,
        decision=DecisionConfig(), models={"onnx": ModelFiles(path="model.onnx")},
    )  # fmt: skip
    return Bundle(Path(f"<{loaded.run_dir.name} in memory>"), manifest_with_hashes(manifest, files), files)


# A first chunk done faster than this on torch means a fast evaluation: exporting the graph (a few
# seconds for a U-Net on a 2-core CPU) would cost about what it could save.
MIN_TORCH_S = 5.0


class ExportedOrTorch:
    """Torch for the first chunk, then the exported graph where it agrees with torch and is faster."""

    def __init__(self, loaded: LoadedRun) -> None:
        self.loaded = loaded
        self.exported: Inspector | None = None
        self.first: tuple[list[np.ndarray], list[np.ndarray], float] | None = None
        self.decided = False
        self.note = f"torch on {loaded.device}"

    def one(self, image: np.ndarray) -> np.ndarray:
        return self.loaded.scores(image)

    def describe(self) -> str:
        return self.note

    def many(self, images: Sequence[np.ndarray], cancel: CancelToken | None = None) -> list[np.ndarray]:
        if not self.decided and self.first is None:
            start = time.perf_counter()
            maps = self.loaded.scores_many(images, cancel)
            self.first = (list(images), maps, time.perf_counter() - start)
            return maps
        if not self.decided and self.first is not None:
            self.decided = True
            first, self.first = self.first, None
            if self.loaded.device.type == "cpu" and first[2] < MIN_TORCH_S:
                self.note = (
                    f"torch on cpu (the first {len(first[0])} images took {first[2]:.1f} s: fast already)"
                )
            elif self.loaded.device.type == "cpu":
                self._try_exported(*first, cancel)
        if self.exported is not None:
            return self.exported.scores_many(images, cancel)
        return self.loaded.scores_many(images, cancel)

    def _try_exported(
        self,
        images: Sequence[np.ndarray],
        reference: list[np.ndarray],
        torch_s: float,
        cancel: CancelToken | None,
    ) -> None:
        """Run the exported graph on the first chunk; keep it if it matched torch and was faster."""
        try:
            inspector = Inspector(memory_bundle(self.loaded), backend="auto", device="cpu")
            start = time.perf_counter()
            maps = inspector.scores_many(images, cancel)
            exported_s = time.perf_counter() - start
        except Cancelled:
            raise
        except Exception as exc:  # the exported path is optional: any failure leaves torch in charge
            self.note = f"torch (the exported graph cannot run: {exc})"
            return
        diff = max(float(np.abs(a - b).max()) for a, b in zip(maps, reference, strict=True))
        what = f"{inspector.backend.name} fp32"
        if diff > FP32_TOLERANCE:
            self.note = f"torch ({what} differs by up to {diff:.1e} on the first {len(images)} images)"
        elif exported_s >= torch_s:
            self.note = f"torch ({what} was not faster: {exported_s:.1f} s vs {torch_s:.1f} s)"
        else:
            self.exported = inspector
            self.note = (
                f"{what} after the first {len(images)} images on torch (max |d| {diff:.1e}, "
                f"{torch_s / exported_s:.1f}x faster)"
            )
