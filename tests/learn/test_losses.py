"""Segmentation loss terms: a false alarm on a defect-free crop must cost something in the Dice term."""

from __future__ import annotations

import torch

from workbench.learn.losses import SegmentationLoss, pooled_dice_loss, soft_dice_loss


def _batch() -> tuple[torch.Tensor, torch.Tensor]:
    """Two crops: one with a 4x4 defect predicted exactly, one defect-free."""
    target = torch.zeros(2, 16, 16, dtype=torch.long)
    target[0, 4:8, 4:8] = 1
    logits = torch.full((2, 1, 16, 16), -9.0)
    logits[0, 0, 4:8, 4:8] = 9.0
    return logits, target


def test_a_false_alarm_on_a_good_crop_raises_the_pooled_dice_only() -> None:
    logits, target = _batch()
    onehot = (target.unsqueeze(1) == 1).float()
    clean_crop, clean_pool = float(soft_dice_loss(logits, onehot)), float(pooled_dice_loss(logits, onehot))
    assert clean_crop < 0.01 and clean_pool < 0.01
    logits[1, 0, 10:14, 10:14] = 9.0  # a confident 4x4 blob on the good crop
    assert float(soft_dice_loss(logits, onehot)) == clean_crop  # the per-crop term cannot see it
    assert float(pooled_dice_loss(logits, onehot)) > 0.3  # the pooled one does: 16 of 32 pixels wrong


def test_segmentation_loss_grows_with_a_false_alarm() -> None:
    logits, target = _batch()
    clean, _ = SegmentationLoss(1)(logits, target)
    logits[1, 0, 10:14, 10:14] = 9.0
    alarm, per_crop = SegmentationLoss(1)(logits, target)
    assert float(alarm) > float(clean) + 0.1 and per_crop.shape == (2,)
