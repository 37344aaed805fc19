"""What the fast preset buys: fast preset vs a plain baseline, same data, same time budget.

Baseline: smp U-Net with a ResNet-18 encoder from scratch, whole images resized to 256x256,
BCE + Dice, Adam, validated (upsampled back to full resolution) after every epoch, best kept.
Both are scored by the same validation code (image AUROC, defect-pixel Dice at 0.5).

    python bench/train_speed.py PROJECT_DIR [--budget SECONDS] [--seed N]

The fast preset's run is recorded in the project like any other run (its id is printed).
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

import cv2
import numpy as np
import torch

from workbench.core.cancel import CancelToken
from workbench.core.preprocess import to_unit_float
from workbench.core.project import Project
from workbench.core.run_config import RunConfig
from workbench.learn.data import choose_samples, class_lut, load_items
from workbench.learn.data_sampling import TrainItem
from workbench.learn.device import cpu_speedups
from workbench.learn.losses import SegmentationLoss
from workbench.learn.presets import resolve_config
from workbench.learn.train import run_training
from workbench.learn.validation import validate
from workbench.runtime.cpu_info import cpu_info

BASE_SIZE = 256


class PrintReporter:
    """Prints logs and validation metrics; progress is dropped."""

    def progress(self, fraction: float, message: str, eta_s: float | None = None) -> None:
        pass

    def metric(self, name: str, value: float, epoch: int | None = None) -> None:
        if name.startswith("val."):
            print(f"  epoch {epoch} {name} {value:.4f}", flush=True)

    def log(self, message: str) -> None:
        print(f"  {message}", flush=True)

    def artifact(self, path: str) -> None:
        pass


class ResizedPredictor:
    """Baseline inference: resize to 256x256, predict, resize the map back to full resolution."""

    def __init__(self, net: torch.nn.Module) -> None:
        self.net = net

    def predict(self, image: np.ndarray) -> np.ndarray:
        unit = to_unit_float(image)
        h, w = unit.shape[:2]
        small = cv2.resize(unit, (BASE_SIZE, BASE_SIZE), interpolation=cv2.INTER_AREA)
        small = small[..., None] if small.ndim == 2 else small
        with torch.no_grad():
            prob = torch.sigmoid(self.net(torch.from_numpy(small.transpose(2, 0, 1)).unsqueeze(0)))[0, 0]
        return cv2.resize(prob.numpy(), (w, h), interpolation=cv2.INTER_LINEAR)[None]


def _resized(items: list[TrainItem]) -> tuple[torch.Tensor, torch.Tensor]:
    images, masks = [], []
    for it in items:
        img = cv2.resize(to_unit_float(it.image), (BASE_SIZE, BASE_SIZE), interpolation=cv2.INTER_AREA)
        images.append((img[..., None] if img.ndim == 2 else img).transpose(2, 0, 1))
        msk = cv2.resize(
            (it.target > 0).astype(np.uint8), (BASE_SIZE, BASE_SIZE), interpolation=cv2.INTER_NEAREST
        )
        masks.append(msk.astype(np.int64))
    return torch.from_numpy(np.stack(images)), torch.from_numpy(np.stack(masks))


def train_baseline(project: Project, budget: float, seed: int) -> dict[str, Any]:
    """The plain recipe under the same time budget; returns its best validation metrics."""
    import segmentation_models_pytorch as smp

    torch.manual_seed(seed)
    splits = choose_samples(project, "segmentation")
    lut = class_lut([0])
    train, val = load_items(project, splits.train, lut), load_items(project, splits.val, lut)
    x, y = _resized(train)
    net = smp.Unet("resnet18", encoder_weights=None, in_channels=x.shape[1], classes=1)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = SegmentationLoss(1)
    gen = torch.Generator().manual_seed(seed)
    start, best, epoch = time.monotonic(), {"score": -1.0}, 0
    while time.monotonic() - start < budget:
        net.train()
        order = torch.randperm(len(x), generator=gen)
        for i in range(0, len(order), 8):
            batch = order[i : i + 8]
            loss, _ = loss_fn(net(x[batch]), y[batch])
            opt.zero_grad()
            loss.backward()
            opt.step()
            if time.monotonic() - start > budget:
                break
        epoch += 1
        net.eval()
        metrics = validate(ResizedPredictor(net), val, CancelToken())  # type: ignore[arg-type]
        print(
            f"  baseline epoch {epoch}: "
            + ", ".join(f"{k} {v:.4f}" for k, v in metrics.items() if v is not None)
        )
        if metrics["score"] > best["score"]:
            best = dict(metrics, epoch=epoch)
    return dict(best, epochs=epoch, time_s=round(time.monotonic() - start, 1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", help="project folder with labelled, masked samples")
    parser.add_argument("--budget", type=float, default=420.0, help="training seconds for each recipe")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print(cpu_info().summary(), flush=True)  # figures are only comparable between like CPUs
    cpu_speedups()
    cfg = resolve_config("segmentation", "fast", {"time_limit": args.budget, "seed": args.seed})
    with Project.open(args.project) as project:
        run_id = project.create_run(RunConfig(cfg), name="bench fast").id
    print(f"fast preset (run {run_id}), budget {args.budget:.0f} s", flush=True)
    fast = run_training(args.project, run_id, cfg, PrintReporter(), CancelToken())
    fast_flat = {"image_auroc": fast["image"].get("auroc"), "pixel_dice": fast["pixel"].get("dice"),
                 "score": fast["score"], "time_s": fast["time_s"]}  # fmt: skip
    print(f"baseline (Unet-resnet18 from scratch, whole images at {BASE_SIZE}x{BASE_SIZE})", flush=True)
    with Project.open(args.project, readonly=True) as project:
        base = train_baseline(project, args.budget, args.seed)
    print(f"\n{'':10s} {'AUROC':>7s} {'Dice':>7s} {'score':>7s} {'time s':>7s}")
    for name, m in (("fast", fast_flat), ("baseline", base)):
        cells = [
            f"{m[k]:7.3f}" if m.get(k) is not None else "      -"
            for k in ("image_auroc", "pixel_dice", "score")
        ]
        print(f"{name:10s} {' '.join(cells)} {m['time_s']:7.0f}")
    ratio = fast_flat["score"] / base["score"] if base["score"] > 0 else float("inf")
    dice_ratio = (
        (fast_flat["pixel_dice"] or 0.0) / base["pixel_dice"] if base.get("pixel_dice") else float("inf")
    )
    print(f"ratio fast/baseline: score {ratio:.2f}x, pixel Dice {dice_ratio:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
