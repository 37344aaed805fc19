"""Bundles for runtime tests, built without torch: a one-conv ONNX graph (bright spots -> NG)."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from workbench.core.decisions import ClassRule, DecisionConfig
from workbench.core.imageio import encode_image
from workbench.core.run_config import ModelClass
from workbench.core.tiling import Tiling
from workbench.export.bundle_writer import manifest_with_hashes, write_bundle
from workbench.export.openvino_export import convert_onnx, serialize
from workbench.runtime.bundle import MANIFEST, Bundle, sha256_hex
from workbench.runtime.inspector import Inspector
from workbench.runtime.manifest import Golden, GoldenImage, Manifest, ModelFiles

TILE = 64


def conv_onnx(channels: int = 3) -> bytes:
    """scores = sigmoid(conv3x3((x - 0.5) / 0.25) * 6 - 4), normalisation in the graph."""
    weight = np.full((1, channels, 3, 3), 6.0 / (9 * channels), np.float32)
    inits = [
        numpy_helper.from_array(weight, "w"),
        numpy_helper.from_array(np.array([-4.0], np.float32), "b"),
        numpy_helper.from_array(np.full((1, channels, 1, 1), 0.5, np.float32), "mean"),
        numpy_helper.from_array(np.full((1, channels, 1, 1), 0.25, np.float32), "std"),
    ]
    nodes = [
        helper.make_node("Sub", ["image", "mean"], ["centred"]),
        helper.make_node("Div", ["centred", "std"], ["normed"]),
        helper.make_node("Conv", ["normed", "w", "b"], ["logits"], pads=[1, 1, 1, 1]),
        helper.make_node("Sigmoid", ["logits"], ["scores"]),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["n", channels, "h", "w"])],
        [helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["n", 1, "h", "w"])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model.SerializeToString()


def spot_image(seed: int, h: int = 96, w: int = 128, spots: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    img = (40 + rng.integers(0, 20, size=(h, w, 3))).astype(np.uint8)
    for _ in range(spots):
        y, x = int(rng.integers(4, h - 14)), int(rng.integers(4, w - 14))
        img[y : y + 8, x : x + 8] = 235
    return img


def base_manifest(
    models: dict[str, ModelFiles], tiling: Tiling | None = None, task: str = "segmentation"
) -> Manifest:
    return Manifest(
        task=task, classes=(ModelClass(1, "spot", "#E69F00"),), in_channels=3,
        tiling=tiling or Tiling.from_manifest({"tile": TILE, "overlap": 16}, task),
        decision=DecisionConfig([ClassRule(1, "spot", 0.5, min_area_px=10)]), models=models,
    )  # fmt: skip


def build_bundle(path: Path, openvino: bool = True, golden: bool = True) -> Path:
    """Write a bundle (ONNX + OpenVINO FP32) with two golden images whose outputs ORT computed."""
    onnx_bytes = conv_onnx()
    files = {"model.onnx": onnx_bytes}
    models = {"onnx": ModelFiles(path="model.onnx")}
    if openvino:
        xml, bin_ = serialize(convert_onnx(onnx_bytes))
        files |= {"openvino/fp32/model.xml": xml, "openvino/fp32/model.bin": bin_}
        models["openvino_fp32"] = ModelFiles(xml="openvino/fp32/model.xml", bin="openvino/fp32/model.bin")
    manifest = base_manifest(models)
    if golden:
        draft = Bundle(path, manifest_with_hashes(manifest, files), files)
        inspector = Inspector(draft, backend="onnxruntime", device="cpu")
        entries = []
        for i, spots in enumerate((0, 2)):
            image = spot_image(10 + i, spots=spots)
            files[f"golden/{i:03d}.png"] = encode_image(image, ".png")
            result = inspector.inspect(image, return_scores=True)
            assert result.score_map is not None
            entries.append(GoldenImage(f"golden/{i:03d}.png", f"g{i}", result.verdict, len(result.defects),
                                       result.summary))  # fmt: skip
        manifest = replace(manifest, golden=Golden(tuple(entries), {"fp32": 1e-3}))
    return write_bundle(path, manifest, files)


@pytest.fixture(scope="session")
def bundle_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_bundle(tmp_path_factory.mktemp("bundle") / "tiny.wbx")


@pytest.fixture
def rebuild(tmp_path: Path) -> Callable[..., Path]:
    """Write a bundle from a raw (manifest dict, files) as given, hashes included, for tampering tests."""

    def make(manifest: dict[str, Any], files: dict[str, bytes], name: str = "b.wbx") -> Path:
        path = tmp_path / name
        hashed = {**manifest, "files": {n: sha256_hex(data) for n, data in sorted(files.items())}}
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(MANIFEST, json.dumps(hashed))
            for n, data in sorted(files.items()):
                zf.writestr(n, data)
        return path

    return make


@pytest.fixture
def spot() -> Callable[..., np.ndarray]:
    """``spot(seed, h=96, w=128, spots=0)``: a dark noisy RGB image with bright square defects."""
    return spot_image


@pytest.fixture(scope="session")
def two_stage_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A bundle of two stages (ONNX + OpenVINO FP32), exported from a tiny run whose region
    classifier vetoes every region it looks at (``tests.two_stage.VETO_ALL``)."""
    from tests.two_stage import export_two_stage  # torch: only the export needs it

    return export_two_stage(tmp_path_factory.mktemp("two-stage"))[0]
