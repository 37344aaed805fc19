"""Placing the region classifier's confirm threshold per class on the validation images.

Each val image goes through both stages at the segmenter's shipped thresholds with no veto, which
gives its defects and, for each region the classifier looked at, the defect probability
(``Defect.defect_prob``). A veto only removes regions, so any confirm threshold re-decides from
these defects: a region is vetoed when its probability is below its class's threshold.

Per class, the highest threshold that adds no escape is the lowest, over the val NG images the
segmenter finds through that class's channel, of the image's highest defect probability in that
channel (a region the classifier did not look at is never vetoed: it counts as 1). The shipped
threshold is half of that (a margin for parts the validation did not show), rounded down to four
decimals; a class without such an image gets ``DEFAULT_CONFIRM`` (0.5); a class whose half rounds
to 0 gets no veto (None).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from workbench.core.cancel import CancelToken
from workbench.core.decisions import DecisionConfig, Defect, decide
from workbench.core.inference import TiledModel
from workbench.learn.region_data import ScanImage

DEFAULT_CONFIRM = 0.5  # no val NG image for a class: nothing to place its threshold on
MARGIN = 0.5  # the shipped threshold is this share of the highest one that adds no val escape


@dataclass
class ValImage:
    """One val image decided by both stages with no veto: its label and its NG defects."""

    ng: bool
    defects: tuple[Defect, ...]


@dataclass
class Placement:
    """The confirm threshold of each rule (channel order) and how it was found."""

    thresholds: list[float | None]
    highest: list[float | None]  # the highest threshold without an added escape (None: no NG image)
    ng_caught: list[int]  # val NG images the segmenter finds through each channel
    images: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class ValView:
    """One val image as the threshold placement sees it: ``parts`` gives its pieces (the whole
    image, or the windows the run's validation scored) with their score maps (None: score it)."""

    name: str
    ng: bool
    pixels: int
    parts: Callable[[], list[tuple[np.ndarray, np.ndarray | None]]]


def whole_images(images: Sequence[ScanImage]) -> list[ValView]:
    """Val images scored whole by the segmenter when they are decided."""

    def parts(item: ScanImage) -> Callable[[], list[tuple[np.ndarray, np.ndarray | None]]]:
        return lambda: [(item.read()[0], None)]

    return [ValView(im.name, im.ng, im.pixels, parts(im)) for im in images]


def decide_val(model: TiledModel, images: Sequence[ValView], decision: DecisionConfig, s_per_px: float,
               stop: Callable[[float], bool], cancel: CancelToken) -> list[ValImage]:  # fmt: skip
    """Both stages on ``images`` at ``decision``'s thresholds, without a veto (an image's defects:
    those of all its parts). Before each image, ``stop(expected seconds of that image)`` may end
    the pass: the pace is ``s_per_px`` until the pass has measured its own."""
    plain = without_veto(decision)
    out = []
    t0, pixels = time.monotonic(), 0
    for item in images:
        cancel.raise_if_cancelled()
        pace = (time.monotonic() - t0) / pixels if pixels else s_per_px
        if stop(pace * item.pixels):
            break
        defects: list[Defect] = []
        for image, stored in item.parts():
            score_map = model.scores(image, item.name) if stored is None else stored.astype(np.float32)
            stage = model.stage_of(image, score_map, item.name)
            defects += decide(score_map, plain, image=image, stage=stage).defects
        out.append(ValImage(item.ng, tuple(defects)))
        pixels += item.pixels
    return out


def without_veto(decision: DecisionConfig) -> DecisionConfig:
    copy = DecisionConfig.from_dict(decision.to_dict())
    copy.classes = [replace(rule, confirm_threshold=None) for rule in copy.classes]
    return copy


def place_confirm(images: Sequence[ValImage], decision: DecisionConfig) -> Placement:
    """The confirm threshold of each class rule (see the module text)."""
    rules = decision.classes
    highest: list[float | None] = []
    caught: list[int] = []
    for rule in rules:
        best = [_best_prob(v.defects, rule.class_id) for v in images if v.ng]
        found = [b for b in best if b is not None]
        caught.append(len(found))
        highest.append(min(found) if found else None)
    thresholds: list[float | None] = []
    for top in highest:
        if top is None:
            thresholds.append(DEFAULT_CONFIRM)
            continue
        half = math.floor(min(top, 1.0) * MARGIN * 1e4) / 1e4
        thresholds.append(half if half > 0 else None)
    return Placement(thresholds, highest, caught, len(images))


def _best_prob(defects: Sequence[Defect], class_id: int) -> float | None:
    """The highest defect probability of an image's NG regions of a class (1: one not looked at);
    None when the segmenter finds none."""
    probs = [1.0 if d.defect_prob is None else d.defect_prob
             for d in defects if d.class_id == class_id and d.verdict == "NG"]  # fmt: skip
    return max(probs) if probs else None


def verdicts(
    images: Sequence[ValImage], decision: DecisionConfig, thresholds: Sequence[float | None]
) -> np.ndarray:
    """Whether each image is NG with ``thresholds`` as the confirm thresholds (None: no veto)."""
    by_class = {rule.class_id: t for rule, t in zip(decision.classes, thresholds, strict=True)}
    out = np.zeros(len(images), bool)
    for i, v in enumerate(images):
        for d in v.defects:
            t = by_class.get(d.class_id)
            if d.verdict == "NG" and (t is None or d.defect_prob is None or d.defect_prob >= t):
                out[i] = True
                break
    return out


def effect(images: Sequence[ValImage], decision: DecisionConfig,
           thresholds: Sequence[float | None]) -> dict[str, int]:  # fmt: skip
    """Overkill and escapes on the val images without the stage and with ``thresholds``."""
    labels = np.asarray([v.ng for v in images], bool)
    before = verdicts(images, decision, [None] * len(thresholds))
    after = verdicts(images, decision, thresholds)
    return {
        "ok_images": int((~labels).sum()),
        "ng_images": int(labels.sum()),
        "overkill_before": int((before & ~labels).sum()),
        "overkill_after": int((after & ~labels).sum()),
        "escapes_before": int((~before & labels).sum()),
        "escapes_after": int((~after & labels).sum()),
    }
