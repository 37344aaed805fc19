"""Training losses: Dice + BCE / focal for segmentation, smoothed cross-entropy for classification.

Every model channel is one defect class with its own sigmoid (score maps hold one probability
per class, no background channel), so the losses are per-channel binary ones.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def one_hot_targets(target: torch.Tensor, n_classes: int) -> torch.Tensor:
    """``(N,H,W)`` class-index map (0 background, i + 1 channel i) to ``(N,K,H,W)`` float."""
    channels = torch.arange(1, n_classes + 1, device=target.device).view(1, -1, 1, 1)
    return (target.unsqueeze(1) == channels).float()


def soft_dice_loss(logits: torch.Tensor, onehot: torch.Tensor, smooth: float = 1.0) -> torch.Tensor:
    """1 - soft Dice per crop and class, averaged over the (crop, class) pairs holding a defect.

    Per crop, not over the batch: pooled over a batch, one large stain outweighs a 30-pixel crack
    in the next crop and the model learns to ignore tiny defects. Defect-free pairs are left to
    the BCE term (their Dice is 0/0).
    """
    prob = torch.sigmoid(logits)
    dims = (2, 3)
    truth = onehot.sum(dims)
    inter = (prob * onehot).sum(dims)
    dice = (2.0 * inter + smooth) / (prob.sum(dims) + truth + smooth)
    present = truth > 0
    if not bool(present.any()):
        return logits.new_zeros(())
    return (1.0 - dice[present]).mean()


def pooled_dice_loss(logits: torch.Tensor, onehot: torch.Tensor, smooth: float = 1.0) -> torch.Tensor:
    """1 - soft Dice per class pooled over the whole batch, defect-free crops included.

    The per-crop term cannot see a false alarm on a good crop (its Dice is 0/0), and the BCE mean
    dilutes a small confident blob among thousands of easy background pixels; pooled over the
    batch, every such blob enlarges the denominator. That is what keeps good parts from being
    rejected and predicted outlines tight.
    """
    prob = torch.sigmoid(logits)
    dims = (0, 2, 3)
    dice = (2.0 * (prob * onehot).sum(dims) + smooth) / (prob.sum(dims) + onehot.sum(dims) + smooth)
    return (1.0 - dice).mean()


def focal_bce(logits: torch.Tensor, onehot: torch.Tensor, gamma: float) -> torch.Tensor:
    """Per-pixel binary cross-entropy, focal-weighted when ``gamma`` > 0; shape of ``logits``."""
    bce = F.binary_cross_entropy_with_logits(logits, onehot, reduction="none")
    if gamma <= 0:
        return bce
    p_t = torch.exp(-bce)
    return (1.0 - p_t) ** gamma * bce


class SegmentationLoss(nn.Module):
    """``bce_weight * (focal) BCE + dice_weight * soft Dice``; also returns a loss per crop.

    The Dice term is the mean of the per-crop Dice (tiny defects count as much as large ones) and
    the batch-pooled Dice (false alarms on good crops count).
    """

    def __init__(self, n_classes: int, bce_weight: float = 1.0, dice_weight: float = 1.0, gamma: float = 0.0):
        super().__init__()
        self.n_classes = n_classes
        self.bce_weight = bce_weight
        self.dice_weight = dice_weight
        self.gamma = gamma

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        logits = logits.float()
        onehot = one_hot_targets(target, self.n_classes)
        pixel = focal_bce(logits, onehot, self.gamma)
        per_crop = pixel.mean(dim=(1, 2, 3))
        dice = 0.5 * (soft_dice_loss(logits, onehot) + pooled_dice_loss(logits, onehot))
        loss = self.bce_weight * per_crop.mean() + self.dice_weight * dice
        return loss, hardness(pixel.detach(), onehot).detach()


FALSE_ALARM_PIXELS = 64  # about an 8x8 spot: the size of the smallest defect worth rejecting a part for


def hardness(pixel: torch.Tensor, onehot: torch.Tensor) -> torch.Tensor:
    """Per crop, how wrong the model is there: for hard-example mining.

    Mean pixel error, plus the mean error on defect pixels (misses), plus the mean error of the
    worst ``FALSE_ALARM_PIXELS`` background pixels: a small confident false alarm on a good part
    (what makes overkill) barely moves a crop's mean error, so it is counted on its own.
    """
    per_crop = pixel.mean(dim=(1, 2, 3))
    miss = (pixel * onehot).sum(dim=(1, 2, 3)) / onehot.sum(dim=(1, 2, 3)).clamp(min=1.0)
    background = (pixel * (1.0 - onehot)).flatten(1)
    worst = background.topk(min(FALSE_ALARM_PIXELS, background.shape[1]), dim=1).values.mean(dim=1)
    return per_crop + miss + worst


class ClassificationLoss(nn.Module):
    """Binary cross-entropy per class with label smoothing (targets pulled towards 0.5)."""

    def __init__(self, smoothing: float = 0.05):
        super().__init__()
        self.smoothing = smoothing

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        logits = logits.float().reshape(target.shape)
        smoothed = target * (1.0 - self.smoothing) + 0.5 * self.smoothing
        per = F.binary_cross_entropy_with_logits(logits, smoothed, reduction="none").mean(dim=1)
        return per.mean(), per.detach()
