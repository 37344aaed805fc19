"""Thumbnails made off the GUI thread and cached on disk in ``<project>/cache/thumbs/``."""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from pathlib import Path

import cv2
import numpy as np
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from PySide6.QtGui import QImage

from workbench.core import imageio
from workbench.core.atomic import atomic_write_bytes
from workbench.core.errors import WorkbenchError

THUMB_SIZE = 160
# Part of the cache file name: bumped when thumbnails are made differently (2: EXIF orientation applied).
THUMB_VERSION = 2
_MEMORY_ITEMS = 4000


def thumbnail_path(project_root: Path, content_hash: str) -> Path:
    return project_root / "cache" / "thumbs" / f"{content_hash[:32]}_{THUMB_SIZE}_v{THUMB_VERSION}.png"


def make_thumbnail(image_path: Path, cache_path: Path) -> np.ndarray:
    """Read the cached thumbnail, or make it from the image and cache it (RGB or grey uint8)."""
    if cache_path.is_file():
        with contextlib.suppress(WorkbenchError):  # a damaged cache file is made again
            return imageio.read_image(cache_path)
    img = imageio.to_uint8(imageio.read_image(image_path))
    if img.ndim == 3 and img.shape[2] not in (3,):
        img = img[..., :3] if img.shape[2] >= 3 else img[..., 0]
    h, w = img.shape[:2]
    scale = THUMB_SIZE / max(h, w)
    if scale < 1:
        img = cv2.resize(img, (max(int(w * scale), 1), max(int(h * scale), 1)), interpolation=cv2.INTER_AREA)
    with contextlib.suppress(OSError):  # a read-only project shows thumbnails without caching them
        atomic_write_bytes(cache_path, imageio.encode_image(img, ".png"))
    return np.ascontiguousarray(img)


def to_qimage(img: np.ndarray) -> QImage:
    """A QImage owning a copy of a grey or RGB uint8 array."""
    img = np.ascontiguousarray(img)
    h, w = img.shape[:2]
    if img.ndim == 2:
        return QImage(img.data, w, h, img.strides[0], QImage.Format.Format_Grayscale8).copy()
    return QImage(img.data, w, h, img.strides[0], QImage.Format.Format_RGB888).copy()


class _Signals(QObject):
    done = Signal(int, int, object)  # generation, sample id, QImage or None


class _ThumbTask(QRunnable):
    def __init__(
        self, generation: int, sample_id: int, image_path: Path, cache_path: Path, signals: _Signals
    ) -> None:
        super().__init__()
        self.args = (generation, sample_id, image_path, cache_path)
        self.signals = signals

    def run(self) -> None:
        generation, sample_id, image_path, cache_path = self.args
        try:
            qimg: QImage | None = to_qimage(make_thumbnail(image_path, cache_path))
        except (WorkbenchError, OSError, cv2.error):
            qimg = None  # the grid shows a "cannot read" placeholder for this sample
        self.signals.done.emit(generation, sample_id, qimg)


class ThumbnailLoader(QObject):
    """Hands out thumbnails by sample id; missing ones are made in a thread pool, then ``ready``."""

    ready = Signal(int)  # sample id

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(2)
        self._signals = _Signals()
        self._signals.done.connect(self._done)
        self._images: OrderedDict[int, QImage | None] = OrderedDict()
        self._pending: set[int] = set()
        self._generation = 0
        self._root: Path | None = None

    def set_project_root(self, root: Path | None) -> None:
        """Switch project: forget everything; late results of the old one are ignored."""
        self._generation += 1
        self._pool.clear()
        self._images.clear()
        self._pending.clear()
        self._root = root

    def get(self, sample_id: int, image_file: str, content_hash: str) -> QImage | None:
        """The thumbnail if known; otherwise None and one is made (``ready`` tells when)."""
        if sample_id in self._images:
            self._images.move_to_end(sample_id)
            return self._images[sample_id]
        if self._root is not None and sample_id not in self._pending:
            self._pending.add(sample_id)
            task = _ThumbTask(self._generation, sample_id, self._root / image_file,
                              thumbnail_path(self._root, content_hash), self._signals)  # fmt: skip
            self._pool.start(task)
        return None

    def forget(self, sample_id: int) -> None:
        self._images.pop(sample_id, None)

    def _done(self, generation: int, sample_id: int, image: QImage | None) -> None:
        if generation != self._generation:
            return
        self._pending.discard(sample_id)
        self._images[sample_id] = image
        while len(self._images) > _MEMORY_ITEMS:
            self._images.popitem(last=False)
        self.ready.emit(sample_id)

    def wait(self, msecs: int = 5000) -> bool:
        """Wait for running thumbnail tasks (tests, shutdown)."""
        return bool(self._pool.waitForDone(msecs))
