"""Training data: which samples, their pixels in memory, and a torch dataset of augmented crops.

Segmentation and classification both train on full-resolution crops (inference tiles the image
the same way and, for classification, takes the maximum over tiles), so nothing is resized.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

import numpy as np
import torch
from torch.utils.data import Dataset

from workbench.core.cancel import CancelToken, Progress, no_progress
from workbench.core.errors import WorkbenchError
from workbench.core.preprocess import model_input, model_planes
from workbench.core.project import Project
from workbench.core.types import CLEAR_LABELS, Sample
from workbench.learn import log_lines
from workbench.learn.augment import AugmentConfig, augment
from workbench.learn.data_sampling import CropSampler, TrainItem, cut, defect_points

HOLDOUT_FRACTION = 0.2


class TrainingDataError(WorkbenchError):
    """The project does not hold what this training needs (labels, masks, splits)."""


@dataclass
class SplitSamples:
    """The samples one run trains and validates on."""

    train: list[Sample]
    val: list[Sample]
    notes: list[str] = field(default_factory=list)  # one log line each (``log_lines``)
    # labelled NG samples of the train split that a good-only model never fits on: they only
    # help place its threshold, with the val images
    threshold_only: list[Sample] = field(default_factory=list)

    @property
    def note(self) -> str:
        """The notes in one line."""
        return "; ".join(self.notes)


def choose_samples(project: Project, task: str, doubtful: str = "exclude") -> SplitSamples:
    """Labelled train/val samples; a seeded 20 % hold-out of train when no val split exists.

    Doubtful parts are left out, unless ``doubtful`` is "low_weight": then those of the training
    samples join them (never the validation, never a good-only model's fit).
    """
    everything = project.samples()
    labelled = [s for s in everything if s.label in CLEAR_LABELS]
    train = [s for s in labelled if s.split == "train"]
    val = [s for s in labelled if s.split == "val"]
    notes: list[str] = []
    if not train:
        train = [s for s in labelled if s.split is None]
        notes.append(log_lines.SPLIT_WITHOUT_TRAIN())
    train_split = "train" if any(s.split == "train" for s in labelled) else None
    unclear = [s for s in everything if s.label == "doubtful" and s.split == train_split]
    if unclear and (doubtful != "low_weight" or task == "anomaly"):
        notes.append(log_lines.DOUBTFUL_LEFT_OUT(count=len(unclear)))
    elif unclear:
        train = sorted(train + unclear, key=lambda s: s.id)
        notes.append(log_lines.DOUBTFUL_LOW_WEIGHT(count=len(unclear)))
    if task == "segmentation":
        skipped = [s for s in train if s.label == "ng" and not s.has_mask]
        train = [s for s in train if not (s.label == "ng" and not s.has_mask)]
        if skipped:
            notes.append(log_lines.NG_WITHOUT_MASK(count=len(skipped)))
    threshold_only: list[Sample] = []
    if task == "anomaly":
        threshold_only = [s for s in train if s.label == "ng"]
        train = [s for s in train if s.label == "ok"]
        if threshold_only:
            notes.append(log_lines.NG_KEPT_OUT_OF_FIT(count=len(threshold_only)))
    if not train:
        raise TrainingDataError(
            f"project {project.root} has no labelled training samples for {task} "
            "(label images OK/NG and put some in the train split)"
        )
    if task == "segmentation" and not any(s.has_mask for s in train):
        raise TrainingDataError(f"project {project.root} has no defect masks in its training samples")
    if not val:
        train, val = holdout(train)
        notes.append(log_lines.HELD_OUT_FOR_VAL(count=len(val)))
    return SplitSamples(train, val, notes, threshold_only)


def holdout(samples: list[Sample]) -> tuple[list[Sample], list[Sample]]:
    """Deterministic stratified hold-out (by label) so early stopping has something to watch."""
    train: list[Sample] = []
    val: list[Sample] = []
    for label in CLEAR_LABELS:
        group = sorted((s for s in samples if s.label == label), key=lambda s: s.content_hash)
        n_val = round(len(group) * HOLDOUT_FRACTION) if len(group) >= 3 else 0
        val += group[:n_val]
        train += group[n_val:]
    train += [s for s in samples if s.label not in CLEAR_LABELS]  # doubtful parts are never validated on
    if not val:
        val = list(train)  # tiny projects: validate on the training images rather than on nothing
    return sorted(train, key=lambda s: s.id), sorted(val, key=lambda s: s.id)


def dataset_state(splits: SplitSamples) -> dict[str, object]:
    """Sample ids and mask revisions per split plus a hash: what the run was trained on."""
    state: dict[str, object] = {
        "train": [[s.id, s.mask_rev] for s in splits.train],
        "val": [[s.id, s.mask_rev] for s in splits.val],
    }
    if splits.threshold_only:
        state["threshold_only"] = [[s.id, s.mask_rev] for s in splits.threshold_only]
    state["hash"] = hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()[:16]
    return state


def class_lut(class_ids: list[int]) -> np.ndarray:
    """Mask value -> model channel + 1 (0 background); one id list entry of 0 merges every class."""
    lut = np.zeros(256, np.uint8)
    if class_ids == [0]:
        lut[1:] = 1
    for i, cid in enumerate(class_ids):
        if cid:
            lut[cid] = i + 1
    return lut


def load_items(
    project: Project,
    samples: list[Sample],
    lut: np.ndarray,
    seed: int = 0,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
    doubtful_weight: float = 1.0,
) -> list[TrainItem]:
    """Read images (kept as stored) and mapped masks of ``samples`` into memory; doubtful ones get
    ``doubtful_weight`` (the share of crops the sampler gives them)."""
    rng = np.random.default_rng(seed)
    items: list[TrainItem] = []
    channels = None
    for i, s in enumerate(samples):
        if cancel is not None:
            cancel.raise_if_cancelled()
        # the alpha rule of every model input, applied once here: crops are cut from these planes
        image = model_planes(project.read_image(s, channel=None), one_file=len(s.channel_files) == 1)
        if channels is None:
            channels = image.shape[2]
        elif image.shape[2] != channels:
            raise TrainingDataError(
                f"sample {s.name} (id {s.id}) has {image.shape[2]} channel(s), others have {channels}"
            )
        target = lut[project.read_mask(s)] if s.has_mask else np.zeros(image.shape[:2], np.uint8)
        weight = doubtful_weight if s.label == "doubtful" else 1.0
        items.append(TrainItem(s.id, image, target, s.label, defect_points(target, rng), weight))
        progress((i + 1) / len(samples), log_lines.LOADING_IMAGES(done=i + 1, total=len(samples)))
    return items


def to_tensor(image: np.ndarray) -> torch.Tensor:
    """Stored ``H x W x C`` pixels to a ``(C,H,W)`` float32 tensor in [0, 1]."""
    return torch.from_numpy(model_input(image, None))


class CropDataset(Dataset[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]):
    """``length`` augmented crops per epoch; crop ``i`` of epoch ``e`` depends only on (seed, e, i)."""

    def __init__(
        self,
        sampler: CropSampler,
        length: int,
        aug: AugmentConfig,
        seed: int,
        n_classes: int | None = None,
        synth: object = None,
    ) -> None:
        self.sampler = sampler
        self.n_classes = n_classes  # set for classification: targets become presence vectors
        self.length = length
        self.aug = aug
        self.seed = seed
        self.epoch = 0
        self.synth = synth  # optional callable(image, target, rng) -> (image, target)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        rng = np.random.default_rng([self.seed, self.epoch, i])
        idx, y0, x0 = self.sampler.draw(rng)
        item = self.sampler.items[idx]
        image = cut(item.image, y0, x0, self.sampler.size)
        target = cut(item.target, y0, x0, self.sampler.size)
        if self.synth is not None:
            image, target = self.synth(image, target, rng)  # type: ignore[operator]
        img, msk = augment(to_tensor(image), torch.from_numpy(target.astype(np.int64)), self.aug, rng)
        window = torch.tensor([idx, y0, x0], dtype=torch.int64)
        if self.n_classes is not None:
            unmasked_ng = item.label == "ng" and not item.points
            return img, presence(target, unmasked_ng, self.n_classes), window
        return img, msk, window


def presence(target: np.ndarray, unmasked_ng: bool, n_classes: int) -> torch.Tensor:
    """Which model classes a crop shows; a crop of an NG image without a mask counts as all of them."""
    if unmasked_ng:
        return torch.ones(n_classes)
    out = torch.zeros(n_classes)
    values = np.unique(target)
    for v in values[values > 0]:
        out[int(v) - 1] = 1.0
    return out
