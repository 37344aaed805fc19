"""``Inspector.scores_many``: tiles of several images share backend calls; padding follows the bundle."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from runtime.conftest import base_manifest, conv_onnx, spot_image

from workbench.core.tiling import Tiling
from workbench.export.bundle_writer import manifest_with_hashes
from workbench.export.openvino_export import convert_onnx, serialize
from workbench.runtime.bundle import Bundle
from workbench.runtime.inspector import Inspector
from workbench.runtime.manifest import ModelFiles

SIZES = ((40, 50), (96, 128), (40, 50), (150, 200))


def _bundle(pad_multiple: int | None, task: str = "segmentation") -> Bundle:
    onnx_bytes = conv_onnx()
    xml, bin_ = serialize(convert_onnx(onnx_bytes))
    files = {"model.onnx": onnx_bytes, "fp32.xml": xml, "fp32.bin": bin_}
    models = {"onnx": ModelFiles(path="model.onnx"),
              "openvino_fp32": ModelFiles(xml="fp32.xml", bin="fp32.bin")}  # fmt: skip
    tiling = {"tile": 128, "overlap": 16, **({"pad_multiple": pad_multiple} if pad_multiple else {})}
    manifest = base_manifest(models, Tiling.from_manifest(tiling, task), task)
    return Bundle(Path("<memory>"), manifest_with_hashes(manifest, files), files)


class _Recording:
    def __init__(self, backend: Any) -> None:
        self.backend = backend
        self.shapes: list[tuple[int, ...]] = []

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        self.shapes.append(batch.shape)
        return np.asarray(self.backend(batch))


@pytest.mark.parametrize("backend", ["onnxruntime", pytest.param("openvino", marks=pytest.mark.openvino_cpu)])
def test_batched_scores_equal_one_by_one(backend: str) -> None:
    inspector = Inspector(_bundle(32), backend=backend, device="cpu")
    recording = _Recording(inspector.backend)
    inspector.backend = recording  # type: ignore[assignment]
    images = [spot_image(i, h, w, spots=1) for i, (h, w) in enumerate(SIZES)]
    maps = inspector.scores_many(images)
    batched = list(recording.shapes)
    for image, got in zip(images, maps, strict=True):
        assert got.shape == (1, *image.shape[:2])
        np.testing.assert_allclose(got, inspector.scores(image), rtol=0, atol=1e-5)
    # the 40x50 images run at 64x64, both in one call; 96x128 at 96x128 (one tile)
    assert (2, 3, 64, 64) in batched and (1, 3, 96, 128) in batched
    assert len(batched) < len(recording.shapes) - len(batched)


def test_bundle_without_pad_multiple_pads_small_images_to_the_tile() -> None:
    # bundles exported before the padding rule keep the rule their golden images were computed with
    inspector = Inspector(_bundle(None), backend="onnxruntime", device="cpu")
    assert inspector.tiling.pad_multiple is None
    recording = _Recording(inspector.backend)
    inspector.backend = recording  # type: ignore[assignment]
    inspector.scores_many([spot_image(0, 40, 50), spot_image(1, 96, 128)])
    assert recording.shapes == [(2, 3, 128, 128)]


def test_anomaly_bundles_hold_one_tile_of_pixels_a_call() -> None:
    images = [spot_image(i, 96, 128) for i in range(3)]  # 96x128: three quarters of a 128 tile
    shapes = {}
    for task in ("segmentation", "anomaly"):
        inspector = Inspector(_bundle(32, task), backend="onnxruntime", device="cpu", batch=4)
        recording = _Recording(inspector.backend)
        inspector.backend = recording  # type: ignore[assignment]
        inspector.scores_many(images)
        shapes[task] = recording.shapes
    assert shapes == {"segmentation": [(3, 3, 96, 128)], "anomaly": [(1, 3, 96, 128)] * 3}
