"""Evaluation speed on small images: today's per-image path vs batched tiles, one process (not a test).

    .venv/bin/python bench/eval_speed.py [--images 60] [--size 300] [--repeat 3] [--threads 0]
        [--models segmentation,anomaly] [--budgets 4] [--openvino] [--project DIR --run ID]

Predicts the same images with the same model in several ways, in alternating rounds (so that load
from other processes falls on every path alike). "today" runs each image alone, reflect-padded to a
whole tile (evaluation before small images were padded to the next multiple of 32); "batched
torch" is ``LoadedRun.scores_many`` on chunks of images as ``run_evaluation`` hands them over
(its own pixel budget, and the ``--budgets`` given, in full tiles of pixels per model call). With
``--openvino`` the batched path also runs through an in-memory bundle (OpenVINO FP32, f32 math), as
``workbench evaluate --bundle`` does, and as ``workbench evaluate --run`` does by default (engine
auto: torch for the first chunk, the exported graph afterwards if it matched torch and was faster;
the export is timed too). Without ``--project`` the images are generated grey 300x300 parts and the
nets untrained or fitted on those images (speed does not depend on the weights; the differences
to today's maps then mean little); with ``--project DIR --run ID`` (read only) they are the
project's images and its trained run, and the differences show what the padding does to a real
model. Prints seconds, images/s, the ratio to today, the largest change of a map and of an image
score (the map's maximum), and how many images change side of the run's threshold.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

import numpy as np
import torch

from workbench.core import evaluation
from workbench.core.decisions import DecisionConfig, image_score
from workbench.core.preprocess import model_input
from workbench.core.run_config import ModelClass, ModelConfig
from workbench.core.tiling import TILE_MULTIPLE, Tiling, predict_tiled
from workbench.learn.infer import LoadedRun, load_run
from workbench.runtime.cpu_info import cpu_info

TILE, OVERLAP = 512, 64  # tile_for("segmentation", 256): a 256-crop run predicts 512 tiles
BANK = 16384  # fit_bank's default memory bank size
Maps = list[np.ndarray]
PathFn = Callable[[list[np.ndarray]], Maps]


def grey_images(n: int, size: int, seed: int = 0) -> list[np.ndarray]:
    """Smooth grey parts with a little noise and a few dark marks, uint8 ``size x size``."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size] / size
    out = []
    for _ in range(n):
        base = 120 + 40 * np.sin(6 * xx + rng.random() * 6) * np.cos(4 * yy) + rng.normal(0, 6, (size, size))
        for _ in range(int(rng.integers(0, 3))):
            y, x = (int(v) for v in rng.integers(10, size - 20, 2))
            base[y : y + 8, x : x + 12] -= 60
        out.append(np.clip(base, 0, 255).astype(np.uint8))
    return out


def _config(task: str, model: str, name: str) -> ModelConfig:
    return ModelConfig(task=task, model=model, in_channels=1, classes=(ModelClass(1, name),), tile_size=TILE,
                       overlap=OVERLAP, mean=(0.0,), std=(1.0,), decision=DecisionConfig())  # fmt: skip


def segmentation_run() -> LoadedRun:
    from workbench.learn.models import get_model
    from workbench.learn.score_model import ScoreModel

    module = ScoreModel(get_model("unet-effnetlite0", 1, 1, pretrained=False), [0.449], [0.226])
    config = _config("segmentation", "unet-effnetlite0 (untrained)", "defect")
    return LoadedRun(Path("<bench>"), config, module.eval(), torch.device("cpu"))


def anomaly_run(images: list[np.ndarray]) -> LoadedRun:
    """The good-only model with a bank of the images' own patch features and a threshold near the top."""
    from workbench.learn.anomaly import AnomalyModel

    torch.manual_seed(0)
    module = AnomalyModel(1, BANK).eval()
    with torch.inference_mode():
        x = torch.from_numpy(np.stack([im[None] / 255.0 for im in images[:8]]).astype(np.float32))
        feats = module.embed(x).permute(0, 2, 3, 1).reshape(-1, module.bank.shape[1])
        module.bank = feats[torch.randint(feats.shape[0], (BANK,))].clone()
        module.spread = torch.zeros(BANK)
        module.scale.fill_(0.6 * float(module.raw_map(x[:2]).max()))  # 0.5 at 60 % of the top raw score
    config = _config("anomaly", f"anomaly-effnetlite0 (bank of {BANK} patches of the images)", "anomaly")
    return LoadedRun(Path("<bench>"), config, module, torch.device("cpu"))


def project_images(root: str, n: int) -> list[np.ndarray]:
    from workbench.core.project import Project

    with Project.open(root, readonly=True) as project:
        return [project.read_image(s, None) for s in project.samples()[:n]]


def today(run: LoadedRun, images: Sequence[np.ndarray]) -> Maps:
    """The path before this change: one image at a time, small images padded to a whole tile."""
    tile, overlap = run.config.tile_size, run.config.overlap
    batch = 1 if run.task == "anomaly" else 4  # LoadedRun's tile batches before this change
    fn = run.tile_fn()
    return [
        predict_tiled(model_input(im, run.in_channels), fn, tile, overlap, batch, pad_multiple=None)
        for im in images
    ]


def chunked(many: Callable[[Sequence[np.ndarray]], Maps], images: Sequence[np.ndarray]) -> Maps:
    """``many`` over chunks of images as ``run_evaluation`` forms them (by pixels and count)."""
    out: Maps = []
    start = 0
    while start < len(images):
        end, pixels = start, 0
        while (
            end < len(images) and pixels < evaluation.CHUNK_PIXELS and end - start < evaluation.CHUNK_IMAGES
        ):
            pixels += images[end].shape[0] * images[end].shape[1]
            end += 1
        out.extend(many(images[start:end]))
        start = end
    return out


def openvino_many(run: LoadedRun, threads: int) -> Callable[[Sequence[np.ndarray]], Maps]:
    """``scores_many`` of an in-memory bundle exported from ``run`` (ONNX -> OpenVINO FP32)."""
    from workbench.export.bundle_writer import manifest_with_hashes
    from workbench.export.onnx_export import export_onnx
    from workbench.export.openvino_export import convert_onnx, serialize
    from workbench.runtime.bundle import Bundle
    from workbench.runtime.inspector import Inspector
    from workbench.runtime.manifest import Manifest, ModelFiles

    c, tile = run.config.in_channels, run.config.tile_size
    onnx_bytes = export_onnx(run.score_module, c, tile)
    files = {"model.onnx": onnx_bytes}
    files["fp32.xml"], files["fp32.bin"] = serialize(convert_onnx(onnx_bytes))
    manifest = Manifest(
        task=run.task, classes=run.config.classes, in_channels=c,
        tiling=Tiling(tile, run.config.overlap, "blend", TILE_MULTIPLE), decision=DecisionConfig(),
        models={"onnx": ModelFiles(path="model.onnx"),
                "openvino_fp32": ModelFiles(xml="fp32.xml", bin="fp32.bin")},
    )  # fmt: skip
    bundle = Bundle(Path("<memory>"), manifest_with_hashes(manifest, files), files)
    inspector = Inspector(bundle, backend="openvino", device="cpu", threads=threads)
    if run.task == "anomaly":
        inspector.batch = 1  # the same pixels per call as the torch path: one tile's distance matrix
    return lambda images: inspector.scores_many(images)


def changes(maps: Maps, ref: Maps, threshold: float) -> tuple[float, float, int]:
    """Largest map and image-score change against ``ref``, and images changing side of ``threshold``."""
    d_map = max(float(np.abs(a - b).max()) for a, b in zip(maps, ref, strict=True))
    scores = np.array([[image_score(a), image_score(b)] for a, b in zip(maps, ref, strict=True)])
    flips = int(((scores[:, 0] >= threshold) != (scores[:, 1] >= threshold)).sum())
    return d_map, float(np.abs(scores[:, 0] - scores[:, 1]).max()), flips


def budget_many(run: LoadedRun, tiles: int) -> Callable[[Sequence[np.ndarray]], Maps]:
    """``LoadedRun.scores_many`` with ``tiles`` full tiles of pixels a call, whatever the device."""
    tile = run.config.tile_size
    return lambda ims: run.scores_many(ims, max_pixels=tiles * tile * tile)


def paths_for(run: LoadedRun, args: argparse.Namespace, threads: int) -> list[tuple[str, PathFn]]:
    tile = run.config.tile_size
    paths: list[tuple[str, PathFn]] = [
        (f"today: each image alone, padded to {tile}", lambda ims: today(run, ims))
    ]
    per_call = run.max_pixels() // (tile * tile)
    paths.append((f"batched torch ({per_call} tile(s) of pixels a call)", partial(chunked, run.scores_many)))
    for k in args.budgets if run.task != "anomaly" else ():
        if k != per_call:
            paths.append(
                (f"batched torch, {k} tile(s) of pixels a call", partial(chunked, budget_many(run, k)))
            )
    if args.openvino:
        ov = openvino_many(run, threads)
        paths.append(("batched openvino fp32 (exported bundle)", partial(chunked, ov)))
        paths.append(("evaluate --run, engine auto (export included)", partial(auto_engine, run)))
    return paths


def auto_engine(run: LoadedRun, images: Sequence[np.ndarray]) -> Maps:
    """What ``workbench evaluate --run`` does on a CPU: torch on the first chunk, then the exported
    graph if it matched and was faster; a fresh choice (and export) every call."""
    from workbench.export.fast_eval import ExportedOrTorch

    chooser = ExportedOrTorch(run)
    maps = chunked(lambda ims: chooser.many(ims), images)
    if chooser.decided:  # one chunk (the warm-up) decides nothing
        print(f"    engine auto: {chooser.describe()}", flush=True)
    return maps


def bench_model(run: LoadedRun, images: list[np.ndarray], args: argparse.Namespace, threads: int) -> None:
    paths = paths_for(run, args, threads)
    threshold = run.config.decision.default_threshold
    for _, fn in paths:  # warm-up: first calls allocate; OpenVINO compiles for its first shapes
        fn(images[:4])
    # Rounds alternate the paths, so that load from other processes falls on all of them alike.
    times: list[list[float]] = [[] for _ in paths]
    maps: list[Maps] = [[] for _ in paths]
    for _ in range(args.repeat):
        for i, (_, fn) in enumerate(paths):
            start = time.perf_counter()
            maps[i] = fn(images)
            times[i].append(time.perf_counter() - start)
    n, base = len(images), statistics.median(times[0])
    print(f"{run.task}: {run.config.model}, tile {tile_of(run)}, threshold {threshold:.3g}")
    head = f"{'s':>7} {'img/s':>7} {'ratio':>7}   vs today: {'max|d|':>9} {'score|d|':>9} {'flips':>6}"
    print(f"  {'path':46} {head}")
    for i, (label, _) in enumerate(paths):
        secs = statistics.median(times[i])
        line = f"  {label:46} {secs:7.2f} {n / secs:7.2f} {base / secs:6.2f}x"
        if i > 0:
            d_map, d_score, flips = changes(maps[i], maps[0], threshold)
            line += f"   {'':10}{d_map:9.2e} {d_score:9.2e} {flips:6d}"
        if i > 1:
            line += f"   vs row 2: max|d| {changes(maps[i], maps[1], threshold)[0]:.2e}"
        print(line, flush=True)


def tile_of(run: LoadedRun) -> int:
    return run.config.tile_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=60)
    parser.add_argument("--size", type=int, default=300, help="side of the generated images")
    parser.add_argument("--repeat", type=int, default=3, help="timed rounds over all paths (median)")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads (0: all usable)")
    parser.add_argument("--models", default="segmentation,anomaly", help="untrained nets, without --run")
    parser.add_argument("--budgets", default="4", help="other torch budgets, in full tiles of pixels a call")
    parser.add_argument("--openvino", action="store_true", help="also time the exported OpenVINO FP32 path")
    parser.add_argument("--project", help="a project folder (read only): its images and --run")
    parser.add_argument("--run", help="a finished run of --project")
    args = parser.parse_args()
    args.budgets = tuple(int(v) for v in args.budgets.split(","))
    info = cpu_info()
    threads = args.threads or info.cpus or os.cpu_count() or 1
    torch.set_num_threads(threads)
    print(info.summary(), flush=True)  # figures are only comparable between like CPUs
    if args.project and args.run:
        images = project_images(args.project, args.images)
        runs = [load_run(args.project, args.run, device="cpu")]
        what = f"{len(images)} images of {args.project}"
    else:
        images = grey_images(args.images, args.size)
        makers = {"segmentation": segmentation_run, "anomaly": lambda: anomaly_run(images)}
        runs = [makers[name]() for name in args.models.split(",")]
        what = f"{args.images} generated grey {args.size}x{args.size} images"
    print(f"{what}, {threads} threads, median of {args.repeat}")
    for run in runs:
        bench_model(run, images, args, threads)
    print("ratio = today's seconds / this path's seconds (higher is faster); flips: images whose score")
    print("changes side of the threshold; max|d| of a map and |d| of an image score are against today's")


if __name__ == "__main__":
    main()
