"""A plain, competent baseline on a prepared parts folder (bench/real_sets.py layout), one process.

Segmentation: smp U-Net with the EfficientNet-Lite0 encoder and the same offline ImageNet
weights the workbench loads, random crops (half centred on a defect pixel), flips, Dice + focal
loss, AdamW with a cosine schedule over the steps that fit the budget (from the measured step
time). It has no early stopping or threshold search, so it trains on train + val and is
evaluated once, at the end, on the test parts: whole parts, image score = the map maximum, NG
at 0.5.
Classification: the same backbone as a classifier on parts resized to 256, BCE.

    python bench/real_baseline.py PARTS_DIR --task segmentation --seconds 420 --json-out out.json

Metrics come from the workbench's own definitions (core.metrics_image, core.metrics_pixel).
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from workbench.core.imageio import read_image
from workbench.core.metrics_image import image_metrics
from workbench.core.metrics_pixel import pixel_metrics
from workbench.core.preprocess import to_unit_float
from workbench.learn.device import cpu_speedups, pick_device, training_precision
from workbench.learn.models import default_normalization, get_model

CROP = 256
BATCH = 16
TIMED_STEPS = 5  # steps timed (after one warm-up step) before the schedule length is first set


def list_parts(folder: Path) -> list[tuple[Path, Path | None, int]]:
    """(image, mask or None, 1 for NG) of every part below ``folder``."""
    out = []
    for p in sorted(folder.rglob("*.png")):
        if p.stem.endswith("_mask"):
            continue
        mask = p.with_name(f"{p.stem}_mask.png")
        out.append((p, mask if mask.is_file() else None, int("NG" in p.relative_to(folder).parts)))
    return out


def load_part(image: Path, mask: Path | None) -> tuple[np.ndarray, np.ndarray]:
    """Unit-float ``H x W x C`` pixels (as the workbench reads them) and a 0/1 mask."""
    img = to_unit_float(read_image(image))
    m = (read_image(mask) > 0).astype(np.float32) if mask is not None else np.zeros(img.shape[:2], np.float32)
    return img, m[..., 0] if m.ndim == 3 else m


def seg_batch(parts: list, size: int, rng: np.random.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Random crops; half of them centred on a defect pixel of an NG part."""
    ng = [p for p in parts if p[1] is not None]
    xs, ys = [], []
    for _ in range(BATCH):
        on_defect = bool(ng) and rng.random() < 0.5
        part = ng[rng.integers(len(ng))] if on_defect else parts[rng.integers(len(parts))]
        img, m = load_part(part[0], part[1])
        h, w = m.shape
        if on_defect:
            yy, xx = np.nonzero(m)
            k = rng.integers(len(yy))
            y0, x0 = yy[k] - size // 2, xx[k] - size // 2
        else:
            y0, x0 = rng.integers(0, h - size + 1), rng.integers(0, w - size + 1)
        y0, x0 = int(np.clip(y0, 0, h - size)), int(np.clip(x0, 0, w - size))
        img, m = img[y0 : y0 + size, x0 : x0 + size], m[y0 : y0 + size, x0 : x0 + size]
        img, m = _flip(img, m, rng)
        xs.append(img.transpose(2, 0, 1))
        ys.append(m[None])
    return torch.from_numpy(np.stack(xs)), torch.from_numpy(np.stack(ys))


def cls_batch(parts: list, size: int, rng: np.random.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    xs, ys = [], []
    for _ in range(BATCH):
        image, _, ng = parts[rng.integers(len(parts))]
        img, _ = _flip(_resized(image, size), None, rng)
        xs.append(img.transpose(2, 0, 1))
        ys.append([float(ng)])
    return torch.from_numpy(np.stack(xs)), torch.tensor(ys)


def _resized(image: Path, size: int) -> np.ndarray:
    img = cv2.resize(to_unit_float(read_image(image)), (size, size), interpolation=cv2.INTER_AREA)
    return img[..., None] if img.ndim == 2 else img


def _flip(img: np.ndarray, m: np.ndarray | None, rng: np.random.Generator) -> tuple[np.ndarray, Any]:
    for axis in (0, 1):
        if rng.random() < 0.5:
            img = np.flip(img, axis)
            m = np.flip(m, axis) if m is not None else None
    return np.ascontiguousarray(img), np.ascontiguousarray(m) if m is not None else None


def dice_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    prob = torch.sigmoid(logits)
    inter = (prob * target).sum()
    return 1 - (2 * inter + 1) / (prob.sum() + target.sum() + 1)


def focal_loss(logits: torch.Tensor, target: torch.Tensor, gamma: float = 2.0) -> torch.Tensor:
    bce = F.binary_cross_entropy_with_logits(logits, target, reduction="none")
    p_true = torch.exp(-bce)
    return ((1 - p_true) ** gamma * bce).mean()


class Normalised(torch.nn.Module):
    """ImageNet mean/std inside the module, as the workbench's models take unit-float input."""

    def __init__(self, net: torch.nn.Module, mean: list[float], std: list[float]) -> None:
        super().__init__()
        self.net = net
        self.register_buffer("mean", torch.tensor(mean).view(1, -1, 1, 1))
        self.register_buffer("std", torch.tensor(std).view(1, -1, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net((x - self.mean) / self.std)


def _autocast_dtype(device: torch.device) -> torch.dtype | None:
    """The workbench's measured precision choice, but bf16 for fp16: no loss scaler here."""
    dtype = training_precision(device).autocast_dtype
    if dtype == torch.float16:
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else None
    return dtype


def _step(
    task: str, model: Any, opt: Any, x: torch.Tensor, y: torch.Tensor, dtype: torch.dtype | None
) -> None:
    with torch.autocast(x.device.type, dtype=dtype or torch.float32, enabled=dtype is not None):
        logits = model(x).float()
    if task == "segmentation":
        loss = dice_loss(logits, y) + focal_loss(logits, y)
    else:
        loss = F.binary_cross_entropy_with_logits(logits, y)
    opt.zero_grad()
    loss.backward()
    opt.step()


def train(task: str, parts: list, channels: int, seconds: float, seed: int, size: int) -> tuple[Any, dict]:
    """Train until the cosine schedule (sized from the step time) ends or the budget is spent."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    name = "unet-effnetlite0" if task == "segmentation" else "cls-effnetlite0"
    device = pick_device("auto")
    dtype = _autocast_dtype(device)
    net = get_model(name, channels, 1, pretrained=True)
    model = Normalised(net, *default_normalization(name, channels)).to(device).train()
    model = model.to(memory_format=torch.channels_last)  # as learn.device.training_precision
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-4)
    total = [10**9]  # set once the first steps are timed; the budget stops the loop before that
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: 0.5 * (1 + math.cos(math.pi * min(s / total[0], 1)))
    )
    make = seg_batch if task == "segmentation" else cls_batch
    start, warm, step = time.monotonic(), 0.0, 0
    while step < total[0] and time.monotonic() - start < seconds:
        x, y = make(parts, size, rng)
        _step(
            task, model, opt, x.to(device).contiguous(memory_format=torch.channels_last), y.to(device), dtype
        )
        sched.step()
        step += 1
        if step == 1:
            warm = time.monotonic()  # the first step pays for allocator and kernel warm-up
        elif step >= 1 + TIMED_STEPS:
            # Re-estimated every step: on a shared machine the step time drifts, and a schedule
            # cut off by the budget would end at a high learning rate.
            now = time.monotonic()
            total[0] = step + max(1, int((seconds - (now - start)) / ((now - warm) / (step - 1))))
    info = {
        "steps": step,
        "planned_steps": total[0] if total[0] < 10**9 else None,
        "device": str(device),
        "train_loop_s": time.monotonic() - start,
        "crop": size,
        "batch": BATCH,
        "autocast": str(dtype),
    }
    return model.eval(), info


@torch.no_grad()
def evaluate(task: str, model: Any, parts: list, size: int) -> dict[str, Any]:
    """Whole test parts once: image score = map maximum, NG at 0.5; pooled pixel Dice."""
    device = next(model.parameters()).device
    labels, scores, truths, preds = [], [], [], []
    for image, mask, ng in parts:
        if task == "segmentation":
            img, m = load_part(image, mask)
            prob = _predict_whole(model, img, device)
            truths.append(m.astype(np.uint8))
            preds.append((prob >= 0.5).astype(np.uint8))
            scores.append(float(prob.max()))
        else:
            x = torch.from_numpy(_resized(image, size).transpose(2, 0, 1)[None].copy()).to(device)
            scores.append(float(torch.sigmoid(model(x).float())[0, 0]))
        labels.append("ng" if ng else "ok")
    verdicts = ["NG" if s >= 0.5 else "OK" for s in scores]
    out = image_metrics(labels, scores, verdicts)
    if task == "segmentation":
        out.update(pixel_metrics(truths, preds, [1]))
    return out


def _predict_whole(model: Any, img: np.ndarray, device: torch.device) -> np.ndarray:
    h, w = img.shape[:2]
    ph, pw = -h % 32, -w % 32
    padded = np.pad(img, ((0, ph), (0, pw), (0, 0)), mode="reflect") if ph or pw else img
    x = torch.from_numpy(np.ascontiguousarray(padded.transpose(2, 0, 1))[None]).to(device)
    return torch.sigmoid(model(x).float())[0, 0, :h, :w].cpu().numpy()


def run(folder: Path, task: str, seconds: float, seed: int) -> dict[str, Any]:
    """Train on train + val, evaluate once on test; returns metrics and timings."""
    cpu_speedups()
    fit = list_parts(folder / "train") + list_parts(folder / "val")
    test = list_parts(folder / "test")
    first = read_image(fit[0][0])
    channels = 1 if first.ndim == 2 else first.shape[2]
    size = CROP
    if task == "segmentation":
        smallest = min(min(read_image(p[0]).shape[:2]) for p in fit[:50])
        size = min(CROP, smallest // 32 * 32)
    t0 = time.monotonic()
    model, info = train(task, fit, channels, seconds, seed, size)
    t1 = time.monotonic()
    metrics = evaluate(task, model, test, size)
    t2 = time.monotonic()
    return {**info, "train_s": t1 - t0, "eval_s": t2 - t1, "n_fit": len(fit), "metrics": metrics}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("parts", help="a folder written by bench/real_sets.py")
    parser.add_argument("--task", choices=("segmentation", "classification"), required=True)
    parser.add_argument("--seconds", type=float, required=True, help="training budget")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json-out", required=True)
    args = parser.parse_args(argv)
    result = run(Path(args.parts), args.task, args.seconds, args.seed)
    Path(args.json_out).write_text(json.dumps(result, default=float), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
