"""Golden-template difference model: fitted from OK images only, numpy and OpenCV only.

The template is the per-pixel median of the aligned OK training images and the spread their
per-pixel robust standard deviation (1.4826 x median absolute deviation, widened at the
template's edges to tolerate sub-pixel misalignment). An image is aligned to the template, its
absolute difference divided by the spread (a robust z-score, maximum over channels),
Gaussian-smoothed and mapped back into the image's frame. The score is
``clip(raw / (2 * threshold_raw), 0, 1)``, so 0.5 is the threshold chosen on OK validation images
(docs/dev/contracts.md in the workbench).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np

from workbench_template_diff.align import MOTIONS, Alignment, align, to_grey, valid_area, warp_to_template

FORMAT = "workbench-template-diff/1"
MAD_TO_STD = 1.4826
OK_HEADROOM = 1.1  # the worst OK validation image lands at 0.5 / 1.1 = 0.45
MIN_THRESHOLD_Z = 3.0  # a smoothed robust z-score below this is noise however quiet validation was
MIN_SPREAD = 0.01  # intensity units of [0, 1]; keeps flat, noise-free areas from dividing by ~0
EDGE_TOLERANCE_PX = 0.5  # misalignment (px) an edge may show in an OK part
EDGE_MARGIN = 2  # px of the aligned area's rim left out: interpolation there mixes in padding
Progress = Callable[[float, str], None]


class Cancellable(Protocol):
    def raise_if_cancelled(self) -> None: ...


class TemplateFitError(ValueError):
    """The OK images cannot make a template, or a saved model file is not one."""


def as_unit_float(image: np.ndarray) -> np.ndarray:
    """Stored image to ``H x W x C`` float32 in [0, 1] (uint8 / 255, uint16 / 65535, alpha dropped)."""
    img = image[..., None] if image.ndim == 2 else image
    if img.ndim != 3:
        raise TemplateFitError(f"an image must be H x W or H x W x C, not shape {tuple(image.shape)}")
    if img.shape[2] == 4:
        img = img[..., :3]
    if img.dtype == np.uint8:
        return img.astype(np.float32) / np.float32(255.0)
    if img.dtype == np.uint16:
        return img.astype(np.float32) / np.float32(65535.0)
    return np.clip(img.astype(np.float32), 0.0, 1.0)


@dataclass
class TemplateDiffModel:
    """A fitted golden template; ``predict(image)`` gives a ``(1, H, W)`` score map in [0, 1]."""

    template: np.ndarray  # H x W x C float32 in [0, 1]
    spread: np.ndarray  # H x W x C float32, > 0
    threshold_raw: float
    sigma: float = 2.0
    motion: str = "euclidean"

    @property
    def shape(self) -> tuple[int, int, int]:
        h, w, c = self.template.shape
        return int(h), int(w), int(c)

    @classmethod
    def fit(
        cls,
        ok_images: Sequence[np.ndarray],
        val_ok: Sequence[np.ndarray] | None = None,
        val_ng: Sequence[np.ndarray] = (),
        *,
        motion: str = "euclidean",
        sigma: float = 2.0,
        progress: Progress | None = None,
        cancel: Cancellable | None = None,
    ) -> TemplateDiffModel:
        """Fit on OK images; the threshold comes from ``val_ok`` (a held-out fifth when None)."""
        if motion not in MOTIONS:
            raise TemplateFitError(f"unknown motion {motion!r}; choose one of {', '.join(MOTIONS)}")
        train = [_checked(img, f"OK image {i}") for i, img in enumerate(ok_images)]
        if val_ok is None:
            hold = max(1, round(len(train) / 5))
            train, val = train[:-hold], train[-hold:]
        else:
            val = [_checked(img, f"validation OK image {i}") for i, img in enumerate(val_ok)]
        if len(train) < 2 or not val:
            raise TemplateFitError(
                f"a template needs at least 2 OK training images and 1 OK validation image; got "
                f"{len(train)} and {len(val)}"
            )
        ng = [_checked(img, f"validation NG image {i}") for i, img in enumerate(val_ng)]
        _same_shape(train + val + ng)
        report = progress or (lambda fraction, message: None)
        template, spread = _build_template(train, motion, report, cancel)
        model = cls(template, spread, 1.0, sigma=float(sigma), motion=motion)
        report(0.8, "choosing the threshold on validation images")
        model.threshold_raw = choose_threshold(_peaks(model, val, cancel), _peaks(model, ng, cancel))
        report(1.0, "template fitted")
        return model

    def align(self, image: np.ndarray) -> Alignment:
        """Pose of the template in ``image`` (see :mod:`workbench_template_diff.align`)."""
        unit = self._input(image)
        return align(to_grey(self.template), to_grey(unit), self.motion)

    def raw_map(self, image: np.ndarray) -> np.ndarray:
        """Smoothed robust z-score ``H x W`` in the image's frame (0 where the template is not seen)."""
        unit = self._input(image)
        h, w, _ = self.shape
        pose = align(to_grey(self.template), to_grey(unit), self.motion)
        aligned = warp_to_template(unit, pose.matrix, (h, w))
        z = (np.abs(aligned - self.template) / self.spread).max(axis=2)
        z = cv2.GaussianBlur(z, (0, 0), self.sigma)
        inside = valid_area(unit.shape[:2], pose.matrix, (h, w)).astype(np.uint8)
        seen = cv2.erode(inside, np.ones((2 * EDGE_MARGIN + 1,) * 2, np.uint8), borderValue=0)
        z[seen == 0] = 0.0
        back = cv2.warpPerspective(z, pose.matrix, (unit.shape[1], unit.shape[0]), flags=cv2.INTER_LINEAR)
        return back.astype(np.float32)

    def predict(self, image: np.ndarray) -> np.ndarray:
        """Score map ``(1, H, W)`` float32 in [0, 1]; 0.5 is the validation threshold."""
        raw = self.raw_map(image)
        return np.clip(raw / (2.0 * self.threshold_raw), 0.0, 1.0).astype(np.float32)[None]

    def _input(self, image: np.ndarray) -> np.ndarray:
        unit = as_unit_float(image)
        if unit.shape != self.template.shape:
            raise TemplateFitError(
                f"image is {unit.shape[1]}x{unit.shape[0]} px with {unit.shape[2]} channel(s); the "
                f"template is {self.shape[1]}x{self.shape[0]} px with {self.shape[2]}"
            )
        return unit

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write an ``.npz`` holding arrays and a JSON header only (readable without pickle)."""
        header = {"format": FORMAT, "threshold_raw": self.threshold_raw, "sigma": self.sigma,
                  "motion": self.motion}  # fmt: skip
        target = Path(path)
        tmp = target.with_name(target.name + ".tmp")
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, header=np.array(json.dumps(header)), template=self.template,
                                spread=self.spread)  # fmt: skip
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> TemplateDiffModel:
        """Read a model written by :meth:`save`; raises :class:`TemplateFitError` naming the file."""
        try:
            with np.load(path, allow_pickle=False) as data:
                header: dict[str, Any] = json.loads(str(data["header"]))
                template = data["template"].astype(np.float32)
                spread = data["spread"].astype(np.float32)
        except (OSError, ValueError, KeyError) as exc:
            raise TemplateFitError(f"{path} is not a template-diff model file: {exc}") from exc
        if header.get("format") != FORMAT or template.shape != spread.shape or template.ndim != 3:
            raise TemplateFitError(f"{path} is not a {FORMAT} model (header {header})")
        return cls(template, spread, float(header["threshold_raw"]), float(header["sigma"]),
                   str(header["motion"]))  # fmt: skip


def choose_threshold(ok_peaks: Sequence[float], ng_peaks: Sequence[float] = ()) -> float:
    """Raw threshold: midway between the worst OK and best NG peak when they separate, else headroom."""
    worst_ok = max(ok_peaks) * OK_HEADROOM
    if ng_peaks and min(ng_peaks) > max(ok_peaks):
        worst_ok = min(worst_ok, (max(ok_peaks) + min(ng_peaks)) / 2)
    return max(worst_ok, MIN_THRESHOLD_Z)


def _peaks(model: TemplateDiffModel, images: list[np.ndarray], cancel: Cancellable | None) -> list[float]:
    out = []
    for image in images:
        if cancel is not None:
            cancel.raise_if_cancelled()
        out.append(float(model.raw_map(image).max()))
    return out


def _checked(image: np.ndarray, what: str) -> np.ndarray:
    try:
        return as_unit_float(np.asarray(image))
    except TemplateFitError as exc:
        raise TemplateFitError(f"{what}: {exc}") from exc


def _same_shape(images: list[np.ndarray]) -> None:
    first = images[0].shape
    for i, img in enumerate(images):
        if img.shape != first:
            raise TemplateFitError(
                f"image {i} is {img.shape[1]}x{img.shape[0]}x{img.shape[2]} but the first is "
                f"{first[1]}x{first[0]}x{first[2]}; a template needs images of one size"
            )


def _build_template(
    images: list[np.ndarray], motion: str, report: Progress, cancel: Cancellable | None
) -> tuple[np.ndarray, np.ndarray]:
    """Median and robust spread of the images aligned to the first, then again to that median."""
    reference = images[0]
    for rounds in range(2):  # the second round aligns to a less noisy reference than one image
        stack = _aligned_stack(images, reference, motion, report, cancel, 0.4 * rounds)
        reference = np.median(stack, axis=0)
    deviation = np.median(np.abs(stack - reference), axis=0) * MAD_TO_STD
    spread = np.stack([_channel_spread(deviation[..., c], reference[..., c])
                       for c in range(reference.shape[2])], axis=2)  # fmt: skip
    floor = max(MIN_SPREAD, float(np.median(spread)))
    return reference, np.maximum(spread, floor).astype(np.float32)


def _channel_spread(deviation: np.ndarray, template: np.ndarray) -> np.ndarray:
    """Per-pixel spread: the OK images' own, widened where the template has edges.

    Near an edge a fraction of a pixel of misalignment changes the intensity a lot, and a few OK
    images rarely show the whole range of that; the gradient term tolerates ``EDGE_TOLERANCE_PX``
    of misalignment wherever the OK images happened to agree (as HALCON's variation models do).
    """
    observed = cv2.dilate(deviation, np.ones((3, 3), np.float32))
    gx = cv2.Sobel(template, cv2.CV_32F, 1, 0, ksize=3) / 8.0  # Sobel weights sum to 8
    gy = cv2.Sobel(template, cv2.CV_32F, 0, 1, ksize=3) / 8.0
    return np.maximum(observed, EDGE_TOLERANCE_PX * np.sqrt(gx * gx + gy * gy))


def _aligned_stack(
    images: list[np.ndarray], reference: np.ndarray, motion: str, report: Progress,
    cancel: Cancellable | None, start: float,
) -> np.ndarray:  # fmt: skip
    """``N x H x W x C`` images in the reference frame; where one does not reach, the reference.

    Filling (rather than NaN and ``nanmedian``, several times slower on 5 MP stacks) biases only
    the rim that some images miss towards the reference.
    """
    h, w = reference.shape[:2]
    ref_grey = to_grey(reference)
    stack = np.empty((len(images), *reference.shape), np.float32)
    for i, img in enumerate(images):
        if cancel is not None:
            cancel.raise_if_cancelled()
        pose = align(ref_grey, to_grey(img), motion)
        if not pose.ok:
            raise TemplateFitError(f"OK training image {i} could not be aligned to the template")
        stack[i] = warp_to_template(img, pose.matrix, (h, w)).reshape(reference.shape)
        outside = ~valid_area(img.shape[:2], pose.matrix, (h, w))
        stack[i][outside] = reference[outside]
        report(start + 0.4 * (i + 1) / len(images), f"aligning OK image {i + 1} of {len(images)}")
    return stack
