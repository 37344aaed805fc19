"""Agreement between labelers (``workbench.core.labelers``) and the label set training uses.

Image labels: Cohen's kappa of each pair of labelers over the samples both gave an image label
(ok / ng / doubtful), and the mean over pairs. Masks: per class, the IoU of two labelers' masks on
each sample both saved a mask for and where either marked that class, averaged over such samples
and pairs. A sample's labelers disagree when their image labels differ or a class's IoU is below
``min_iou``.

Merge rule (``use_labels(project, MERGED)``): the image label is the one most labelers gave, a tie
makes it ``doubtful``; a mask pixel gets class k when more than half of the labelers who saved a
mask for the sample gave it k, and is background otherwise.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.core.errors import ProjectError

if TYPE_CHECKING:
    from workbench.core.labelers import LabelerEntry
    from workbench.core.project import Project
    from workbench.core.types import Sample

MERGED = "merged"
MIN_IOU = 0.5
IMAGE_LABELS = ("ok", "ng", "doubtful")


def cohen_kappa(a: Sequence[str], b: Sequence[str]) -> float | None:
    """Cohen's kappa of two raters' labels of the same items; None when chance agreement is total."""
    if len(a) != len(b):
        raise ValueError("both raters must label the same items")
    n = len(a)
    if n == 0:
        return None
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    count_a, count_b = Counter(a), Counter(b)
    chance = sum(count_a[k] * count_b[k] for k in set(a) | set(b)) / (n * n)
    if chance >= 1.0:
        return None
    return (observed - chance) / (1.0 - chance)


def class_ious(a: np.ndarray, b: np.ndarray) -> dict[int, float]:
    """IoU per class id of two label maps, for each class either map marks."""
    out = {}
    for k in sorted({int(v) for v in np.unique(a)} | {int(v) for v in np.unique(b)}):
        if k == 0:
            continue
        in_a, in_b = a == k, b == k
        out[k] = float(np.logical_and(in_a, in_b).sum()) / float(np.logical_or(in_a, in_b).sum())
    return out


def merge_label(labels: Sequence[str]) -> str:
    """The label most labelers gave; a tie between the most given is ``doubtful``."""
    ranked = Counter(labels).most_common()
    if not ranked:
        raise ValueError("no labels to merge")
    if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
        return "doubtful"
    return ranked[0][0]


def merge_masks(masks: Sequence[np.ndarray]) -> np.ndarray:
    """Per pixel, the class more than half of the masks give it; background otherwise."""
    if not masks:
        raise ValueError("no masks to merge")
    stack = np.stack(masks)
    out = np.zeros(stack.shape[1:], np.uint8)
    for k in np.unique(stack):
        if k:  # at most one class can hold a strict majority of a pixel
            out[2 * (stack == k).sum(axis=0) > len(masks)] = k
    return out


@dataclass
class SampleAgreement:
    """One sample's labelers: their image labels, the IoU per class name, and whether they agree."""

    sample_id: int
    name: str
    labels: dict[str, str]
    iou: dict[str, float]
    agree: bool

    def to_dict(self) -> dict[str, Any]:
        return {"sample_id": self.sample_id, "name": self.name, "labels": self.labels,
                "iou": self.iou, "agree": self.agree}  # fmt: skip


@dataclass
class AgreementReport:
    """The project's agreement (see the module docstring); ``samples``: those two or more labelled."""

    labelers: list[str]
    kappa_pairs: dict[str, float | None]
    kappa: float | None
    iou_per_class: dict[str, float]
    mean_iou: float | None
    min_iou: float
    samples: list[SampleAgreement] = field(default_factory=list)

    @property
    def disagreements(self) -> list[SampleAgreement]:
        return [s for s in self.samples if not s.agree]

    def to_dict(self) -> dict[str, Any]:
        return {
            "labelers": self.labelers,
            "kappa": self.kappa,
            "kappa_pairs": self.kappa_pairs,
            "mean_iou": self.mean_iou,
            "iou_per_class": self.iou_per_class,
            "min_iou": self.min_iou,
            "compared": len(self.samples),
            "disagreements": [s.to_dict() for s in self.disagreements],
        }


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


Comparison = tuple[dict[str, str], dict[str, float], int]
ComparisonCache = dict[int, tuple[tuple[tuple[str, int], ...], Comparison]]


def _compare(
    project: Project, sample: Sample, entries: dict[str, LabelerEntry], names: dict[int, str]
) -> Comparison:
    """A sample's image labels by labeler, the mean pairwise IoU per class name, and its mask count."""
    labels = {n: e.label for n, e in entries.items() if e.label is not None}
    read = (project.read_labeler_mask(n, sample) for n, e in entries.items() if e.has_mask)
    masks = [m for m in read if m is not None]
    per_class: dict[str, list[float]] = {}
    for mask_a, mask_b in combinations(masks, 2):
        for class_id, value in class_ious(mask_a, mask_b).items():
            per_class.setdefault(names.get(class_id, f"#{class_id}"), []).append(value)
    return labels, {name: float(np.mean(v)) for name, v in per_class.items()}, len(masks)


def agreement(
    project: Project, min_iou: float = MIN_IOU, cache: ComparisonCache | None = None
) -> AgreementReport:
    """Compare the project's labelers (see the module docstring).

    ``cache`` (kept by the caller between calls) spares reading the masks of samples whose labeler
    records did not change since (their ``rev``).
    """
    names = {c.id: c.name for c in project.classes()}
    by_sample: dict[int, dict[str, LabelerEntry]] = {}
    for e in project.labeler_entries():
        by_sample.setdefault(e.sample_id, {})[e.labeler] = e
    labelers = project.labeler_names()
    pairs: dict[tuple[str, str], tuple[list[str], list[str]]] = {
        p: ([], []) for p in combinations(labelers, 2)
    }
    class_values: dict[str, list[float]] = {}
    samples = []
    shared = [sid for sid, entries in by_sample.items() if len(entries) > 1]
    for sample in project.samples(ids=shared):
        entries = by_sample[sample.id]
        key = tuple((n, e.rev) for n, e in sorted(entries.items()))
        cached = cache.get(sample.id) if cache is not None else None
        if cached is not None and cached[0] == key:
            labels, iou, n_masks = cached[1]
        else:
            labels, iou, n_masks = _compare(project, sample, entries, names)
            if cache is not None:
                cache[sample.id] = (key, (labels, iou, n_masks))
        for (x, y), (xs, ys) in pairs.items():
            if x in labels and y in labels:
                xs.append(labels[x])
                ys.append(labels[y])
        for name, value in iou.items():
            class_values.setdefault(name, []).append(value)
        if len(labels) > 1 or n_masks > 1:
            agree = len(set(labels.values())) <= 1 and all(v >= min_iou for v in iou.values())
            samples.append(SampleAgreement(sample.id, sample.name, labels, iou, agree))
    kappas = {f"{x}|{y}": cohen_kappa(xs, ys) for (x, y), (xs, ys) in pairs.items()}
    per_class = {k: float(np.mean(v)) for k, v in sorted(class_values.items())}
    mean_kappa = _mean([k for k in kappas.values() if k is not None])
    return AgreementReport(
        labelers, kappas, mean_kappa, per_class, _mean(list(per_class.values())), min_iou, samples
    )


def use_labels(project: Project, source: str) -> int:
    """Make one labeler's labels (``source`` a labeler name) or the merge (``MERGED``) the active set.

    A sample the labeler (for the merge: every labeler) gave no label keeps its own; likewise masks.
    Returns the number of samples changed. The choice is kept as the project's ``labels_from``.
    """
    known = project.labeler_names()
    if source != MERGED and source not in known:
        raise ProjectError(f"no labels of labeler {source!r}; known: {', '.join(known) or 'none'}")
    by_sample: dict[int, list[LabelerEntry]] = {}
    for e in project.labeler_entries():
        if source == MERGED or e.labeler == source:
            by_sample.setdefault(e.sample_id, []).append(e)
    keep, project.labeler = project.labeler, None  # the active set is written, nobody's own labels
    changed = 0
    try:
        for sample in project.samples(ids=list(by_sample)):
            entries = by_sample[sample.id]
            labels = [e.label for e in entries if e.label is not None]
            masks = [project.read_labeler_mask(e.labeler, sample) for e in entries if e.has_mask]
            label = merge_label(labels) if labels else None
            mask = merge_masks([m for m in masks if m is not None]) if masks else None
            touched = False
            if label is not None and label != sample.label:
                project.update_samples([sample.id], label=label)
                touched = True
            if mask is not None and not np.array_equal(mask, project.read_mask(sample)):
                project.write_mask(sample.id, mask)
                touched = True
            changed += int(touched)
        project.set_meta("labels_from", source)
    finally:
        project.labeler = keep
    return changed
