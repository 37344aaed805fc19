"""Placing the region classifier's confirm threshold per class on the validation images.

Each val image goes through both stages at the segmenter's shipped thresholds with no veto, which
gives its defects and, for each region the classifier looked at, the defect probability
(``Defect.defect_prob``). A veto only removes regions, so any confirm threshold re-decides from
these defects: a region is vetoed when its probability is below its class's threshold.

The regions of a val NG image that must stay are those on its labelled defect (their box holds a
labelled pixel), or, when the segmenter finds none there, all its NG regions (the image is NG by
them). Per class, the highest threshold that keeps them is the lowest, over the val NG images with
such regions of that class, of the image's highest defect probability among them (a region the
classifier did not look at is never vetoed: it counts as 1): no found defect is vetoed and no val
NG image the segmenter finds turns OK. The shipped
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

Part = tuple[np.ndarray, np.ndarray | None, np.ndarray | None]  # image, score map, mask

DEFAULT_CONFIRM = 0.5  # no val NG image for a class: nothing to place its threshold on
MARGIN = 0.5  # the shipped threshold is this share of the highest one that adds no val escape


@dataclass
class ValImage:
    """One val image decided by both stages with no veto: its label, its defects and, for each,
    whether its box holds a labelled pixel (empty: the mask is unknown)."""

    ng: bool
    defects: tuple[Defect, ...]
    on_defect: tuple[bool, ...] = ()


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
    image, or the windows the run's validation scored) with their score maps (None: score it)
    and masks (nonzero: labelled; None: unknown)."""

    name: str
    ng: bool
    pixels: int
    parts: Callable[[], list[Part]]


def whole_images(images: Sequence[ScanImage]) -> list[ValView]:
    """Val images scored whole by the segmenter when they are decided."""

    def parts(item: ScanImage) -> Callable[[], list[Part]]:
        def read() -> list[Part]:
            image, mask = item.read()
            return [(image, None, mask)]

        return read

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
        marks: list[bool] = []
        for image, stored, mask in item.parts():
            score_map = model.scores(image, item.name) if stored is None else stored.astype(np.float32)
            stage = model.stage_of(image, score_map, item.name)
            found = decide(score_map, plain, image=image, stage=stage).defects
            defects += found
            marks += [mask is not None and bool(mask[d.y : d.y + d.h, d.x : d.x + d.w].any()) for d in found]
        out.append(ValImage(item.ng, tuple(defects), tuple(marks)))
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
        best = [_best_prob(v, rule.class_id) for v in images if v.ng]
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


def _best_prob(image: ValImage, class_id: int) -> float | None:
    """The highest defect probability among the regions of a class that must stay (1: one not
    looked at); None when none of them is of that class. The regions that must stay are the NG
    regions on a labelled defect, or all NG regions when none is (the image is NG by them)."""
    flags = image.on_defect or (False,) * len(image.defects)
    ng = [(d, on) for d, on in zip(image.defects, flags, strict=True) if d.verdict == "NG"]
    keep = [d for d, on in ng if on] or [d for d, _ in ng]
    probs = [1.0 if d.defect_prob is None else d.defect_prob for d in keep if d.class_id == class_id]
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
