"""Model files of a bundle: ONNX and the OpenVINO IR variants, plus INT8 calibration data."""

from __future__ import annotations

import numpy as np

from workbench.core.cancel import CancelToken, Progress
from workbench.core.preprocess import model_input
from workbench.core.project import Project
from workbench.core.run_config import ModelConfig
from workbench.core.tiling import whole_tiles
from workbench.core.types import Sample
from workbench.export.job_lines import CONVERTING_OPENVINO, QUANTISING_INT8
from workbench.export.openvino_export import convert_onnx, quantize_int8, serialize
from workbench.runtime.manifest import ModelFiles


def split_samples(project: Project, split: str, limit: int, seed: int) -> list[Sample]:
    """Up to ``limit`` samples of a split, a seeded random choice when there are more."""
    samples = project.samples(split=split)
    if len(samples) <= limit:
        return samples
    rng = np.random.default_rng(seed)
    return [samples[i] for i in sorted(rng.choice(len(samples), size=limit, replace=False))]


def calibration_tiles(
    project: Project, config: ModelConfig, images: int, per_image: int, seed: int
) -> list[np.ndarray]:
    """Random ``(1, C, t, t)`` tiles from training images: what INT8 ranges are fitted on."""
    tile, channels = config.tile_size, config.in_channels
    rng = np.random.default_rng(seed)
    tiles = []
    for sample in split_samples(project, "train", images, seed):
        chw = model_input(project.read_image(sample, channel=None), channels, sample.name)
        # Whole tiles of the image (defects included), a random subset on large images.
        padded, grid = whole_tiles(chw, tile)
        picked = rng.choice(len(grid), size=min(per_image, len(grid)), replace=False)
        for t in (grid[int(i)] for i in sorted(picked)):
            tiles.append(np.ascontiguousarray(padded[None, :, t.y : t.y + tile, t.x : t.x + tile]))
    return tiles


def build_models(
    onnx_bytes: bytes,
    wanted: set[str],
    calibration: list[np.ndarray],
    progress: Progress,
    cancel: CancelToken,
) -> tuple[dict[str, bytes], dict[str, ModelFiles]]:
    """Bundle files and their ``models`` manifest entries for the requested formats (``progress``
    runs from 0 to 1 over this step)."""
    files: dict[str, bytes] = {}
    models: dict[str, ModelFiles] = {}
    if "onnx" in wanted:
        files["model.onnx"] = onnx_bytes
        models["onnx"] = ModelFiles(path="model.onnx")
    if "openvino" not in wanted:
        return files, models
    progress(0.0, CONVERTING_OPENVINO())
    steps = [("fp32", False), *([("fp16", True)] if "fp16" in wanted else [])]
    for precision, compress in steps:
        cancel.raise_if_cancelled()
        _add_ir(files, models, precision, serialize(convert_onnx(onnx_bytes), compress_to_fp16=compress))
    if "int8" in wanted:
        cancel.raise_if_cancelled()
        progress(0.5, QUANTISING_INT8(count=len(calibration)))
        quantized = quantize_int8(convert_onnx(onnx_bytes), calibration)
        _add_ir(files, models, "int8", serialize(quantized))
    return files, models


def _add_ir(
    files: dict[str, bytes], models: dict[str, ModelFiles], precision: str, ir: tuple[bytes, bytes]
) -> None:
    xml, bin_ = f"openvino/{precision}/model.xml", f"openvino/{precision}/model.bin"
    files[xml], files[bin_] = ir
    models[f"openvino_{precision}"] = ModelFiles(xml=xml, bin=bin_)


def build_region_models(
    onnx_bytes: bytes, wanted: set[str]
) -> tuple[dict[str, bytes], dict[str, ModelFiles]]:
    """The region classifier's files and ``region_stage.models`` entries: its ONNX model when the
    bundle holds ONNX, its FP32 IR when it holds OpenVINO. It stays FP32 beside every segmenter
    variant (FP16 and INT8 segmenters included): it is small, and its probabilities decide vetoes."""
    files: dict[str, bytes] = {}
    models: dict[str, ModelFiles] = {}
    if "onnx" in wanted:
        files["region/model.onnx"] = onnx_bytes
        models["onnx"] = ModelFiles(path="region/model.onnx")
    if "openvino" in wanted:
        xml, bin_ = "region/openvino/fp32/model.xml", "region/openvino/fp32/model.bin"
        files[xml], files[bin_] = serialize(convert_onnx(onnx_bytes))
        models["openvino_fp32"] = ModelFiles(xml=xml, bin=bin_)
    return files, models
