"""Per-image inference latency: torch eager vs ONNX Runtime vs OpenVINO FP32 / INT8, one run.

    .venv/bin/python bench/infer_speed.py [--project DIR --run ID] [--repeat 3] [--threads 0]

Without a run it times the fast preset's model (unet-effnetlite0, tile 256) with fresh weights:
speed does not depend on the weights. Prints latency at tile size (batch 1) and on a 2448x2048
image (tiled with overlap, batch 4), each with its ratio to torch eager. Not a test.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from workbench.core.decisions import DecisionConfig
from workbench.core.run_config import ModelClass, ModelConfig
from workbench.core.tiling import predict_tiled
from workbench.export.bundle_writer import manifest_with_hashes
from workbench.export.onnx_export import export_onnx
from workbench.export.openvino_export import convert_onnx, quantize_int8, serialize
from workbench.runtime.bench import time_call
from workbench.runtime.bundle import Bundle
from workbench.runtime.cpu_info import cpu_info
from workbench.runtime.inspector import Inspector
from workbench.runtime.manifest import Manifest, ModelFiles

LARGE = (2048, 2448)  # rows, columns: a 5 MP camera frame


def fast_preset_model() -> tuple[torch.nn.Module, ModelConfig]:
    from workbench.learn.models import get_model
    from workbench.learn.presets import resolve_config
    from workbench.learn.score_model import ScoreModel

    cfg = resolve_config("segmentation", "fast")
    net = get_model(cfg.model, 3, 1, pretrained=False)
    mean, std = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
    config = ModelConfig(
        task="segmentation", model=cfg.model, in_channels=3, classes=(ModelClass(1, "defect"),),
        tile_size=cfg.crop, overlap=cfg.crop // 8, mean=mean, std=std, decision=DecisionConfig(),
    )  # fmt: skip
    return ScoreModel(net, list(mean), list(std)).eval(), config


def run_model(project: str, run_id: str) -> tuple[torch.nn.Module, ModelConfig]:
    from workbench.learn.infer import load_run

    loaded = load_run(project, run_id, device="cpu")
    return loaded.score_module, loaded.config


def make_bundle(module: torch.nn.Module, config: ModelConfig, calib: list[np.ndarray]) -> Bundle:
    c, tile = config.in_channels, config.tile_size
    onnx_bytes = export_onnx(module, c, tile)
    files = {"model.onnx": onnx_bytes}
    files["fp32.xml"], files["fp32.bin"] = serialize(convert_onnx(onnx_bytes))
    files["int8.xml"], files["int8.bin"] = serialize(quantize_int8(convert_onnx(onnx_bytes), calib))
    models = {"onnx": ModelFiles(path="model.onnx"),
              "openvino_fp32": ModelFiles(xml="fp32.xml", bin="fp32.bin"),
              "openvino_int8": ModelFiles(xml="int8.xml", bin="int8.bin")}  # fmt: skip
    manifest = Manifest(task=config.task, classes=config.classes, in_channels=c, tiling=config.tiling,
                        decision=DecisionConfig(), models=models)  # fmt: skip
    return Bundle(Path("<memory>"), manifest_with_hashes(manifest, files), files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project")
    parser.add_argument("--run")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0, help="CPU threads for every backend (0: all)")
    args = parser.parse_args()
    print(cpu_info().summary(), flush=True)  # figures are only comparable between like CPUs
    threads = args.threads or os.cpu_count() or 1
    torch.set_num_threads(threads)
    module, config = run_model(args.project, args.run) if args.run else fast_preset_model()
    c, tile, overlap = config.in_channels, config.tile_size, config.overlap
    rng = np.random.default_rng(0)
    calib = [rng.random((1, c, tile, tile), dtype=np.float32) for _ in range(16)]
    bundle = make_bundle(module, config, calib)

    def torch_fn(batch: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            return module(torch.from_numpy(batch)).numpy()

    fns: dict[str, Callable[[np.ndarray], np.ndarray]] = {"torch eager (fp32)": torch_fn}
    for label, kwargs in (
        ("onnxruntime (fp32, CPU)", {"backend": "onnxruntime", "device": "cpu"}),
        ("openvino FP32 (f32 math)", {"backend": "openvino"}),
        ("openvino FP32 (device default, bf16 here)", {"backend": "openvino", "fast": True}),
        ("openvino INT8", {"backend": "openvino", "precision": "int8"}),
    ):
        fns[label] = Inspector(bundle, threads=threads, **kwargs).backend  # type: ignore[arg-type]
    one = rng.random((1, c, tile, tile), dtype=np.float32)
    image = rng.random((c, *LARGE), dtype=np.float32)
    print(f"model {config.model}, tile {tile}, overlap {overlap}, {threads} threads, median of {args.repeat}")
    print(f"{'setting':44} {'tile ms':>9} {'ratio':>7} {'2448x2048 ms':>13} {'ratio':>7}")
    base: tuple[float, float] | None = None
    for label, fn in fns.items():
        t_tile = time_call(lambda fn=fn: fn(one), args.repeat * 3)
        t_large = time_call(lambda fn=fn: predict_tiled(image, fn, tile, overlap, batch=4), args.repeat)
        base = base or (t_tile, t_large)
        print(f"{label:44} {t_tile:9.1f} {base[0] / t_tile:6.2f}x {t_large:13.0f} {base[1] / t_large:6.2f}x")
    print("ratio = torch eager time / this setting's time (higher is faster)")


if __name__ == "__main__":
    main()
