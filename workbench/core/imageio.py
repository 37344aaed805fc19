"""Reading and writing inspection images.

Arrays are ``H x W`` (grey) or ``H x W x C`` with colour in RGB(A) order, dtype uint8 or
uint16 (float32 for TIFFs that store it). A multi-page TIFF whose pages share one size is read
as one ``H x W x pages`` array (pages are channels: several light sources of one part).
Paths may contain any Unicode; files are read as bytes and decoded in memory. Every image is
returned as viewers show it: the EXIF orientation of JPEG, PNG and TIFF files is applied (see
:mod:`workbench.core.exif`), so masks traced in other tools line up with it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import tifffile

from workbench.core.atomic import atomic_write_bytes
from workbench.core.errors import ImageReadError, ImageWriteError
from workbench.core.exif import apply_orientation, file_orientation

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff")
_TIFF = (".tif", ".tiff")
# OpenCV refuses images above 2**30 pixels by default; line-scan images can be larger.
os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", str(2**34))


@dataclass(frozen=True)
class ImageInfo:
    """Size and type of an image without its pixels kept around."""

    width: int
    height: int
    channels: int
    dtype: str


def is_image_file(path: str | os.PathLike[str]) -> bool:
    """True when the name has an image suffix we read (content is not checked)."""
    return Path(path).suffix.lower() in IMAGE_SUFFIXES


def _tiff_orientation(tif: tifffile.TiffFile) -> int:
    """The first page's Orientation tag (274), 1 when absent."""
    first = tif.pages.first if len(tif.pages) else None
    tag = first.tags.get(274) if isinstance(first, tifffile.TiffPage) else None
    return int(tag.value) if tag is not None and isinstance(tag.value, int) and 1 <= tag.value <= 8 else 1


def _decode_tiff(path: Path, data: bytes) -> np.ndarray:
    import io

    try:
        with tifffile.TiffFile(io.BytesIO(data)) as tif:
            pages = [p.asarray() for p in tif.pages]
            orientation = _tiff_orientation(tif)
    except Exception as exc:  # tifffile raises many types for damaged files
        raise ImageReadError(path, f"damaged or unsupported TIFF ({exc})") from exc
    if not pages:
        raise ImageReadError(path, "TIFF has no pages")
    if len(pages) == 1:
        return apply_orientation(np.asarray(pages[0]), orientation)
    shapes = {p.shape[:2] for p in pages}
    if len(shapes) != 1:
        raise ImageReadError(path, "multi-page TIFF pages differ in size, cannot stack as channels")
    planes = [p if p.ndim == 2 else p[..., 0] for p in pages]
    return apply_orientation(np.stack(planes, axis=-1), orientation)


def _decode_other(path: Path, data: bytes) -> np.ndarray:
    buf = np.frombuffer(data, dtype=np.uint8)
    # IMREAD_UNCHANGED keeps 16 bits and alpha but ignores the EXIF orientation: applied below.
    img = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)
    if img is None:
        raise ImageReadError(path, "not a readable PNG/JPEG/BMP image (corrupt or wrong format)")
    img = apply_orientation(img, file_orientation(data))
    if img.ndim == 3 and img.shape[2] == 3:
        img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    elif img.ndim == 3 and img.shape[2] == 4:
        img = cv2.cvtColor(img, cv2.COLOR_BGRA2RGBA)
    return img


def read_image(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an image file; raise :class:`ImageReadError` naming the file on any failure."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise ImageReadError(p, exc.strerror or str(exc)) from exc
    if not data:
        raise ImageReadError(p, "file is empty (0 bytes)")
    is_tiff = p.suffix.lower() in _TIFF or data[:4] in (b"II*\x00", b"MM\x00*")
    img = _decode_tiff(p, data) if is_tiff else _decode_other(p, data)
    if img.dtype not in (np.uint8, np.uint16, np.float32):
        if np.issubdtype(img.dtype, np.integer) and img.size and img.max() <= 65535 and img.min() >= 0:
            img = img.astype(np.uint16)
        else:
            img = img.astype(np.float32)
    if img.ndim not in (2, 3) or img.shape[0] == 0 or img.shape[1] == 0:
        raise ImageReadError(p, f"unexpected image shape {img.shape}")
    if p.suffix.lower() in (".jpg", ".jpeg") and _jpeg_truncated(data):
        raise ImageReadError(p, "JPEG data is truncated (file cut short)")
    return img


def _jpeg_truncated(data: bytes) -> bool:
    # libjpeg pads a cut-short file with grey and only warns; the end marker tells.
    # Some cameras append bytes after the end marker, so look near the end, not at it.
    return b"\xff\xd9" not in data[-65536:]


def image_info(img: np.ndarray) -> ImageInfo:
    """Width, height, channel count and dtype of an array."""
    channels = 1 if img.ndim == 2 else int(img.shape[2])
    return ImageInfo(int(img.shape[1]), int(img.shape[0]), channels, str(img.dtype))


def encode_image(img: np.ndarray, suffix: str = ".png") -> bytes:
    """Encode an array (RGB order) to file bytes for the given suffix."""
    suffix = suffix.lower()
    if suffix in _TIFF:
        import io

        bio = io.BytesIO()
        tifffile.imwrite(bio, img, photometric="rgb" if img.ndim == 3 and img.shape[2] in (3, 4) else None)
        return bio.getvalue()
    arr = img
    if arr.ndim == 3 and arr.shape[2] == 3:
        arr = cv2.cvtColor(arr, cv2.COLOR_RGB2BGR)
    elif arr.ndim == 3 and arr.shape[2] == 4:
        arr = cv2.cvtColor(arr, cv2.COLOR_RGBA2BGRA)
    ok, buf = cv2.imencode(suffix, arr)
    if not ok:
        raise ImageWriteError(f"cannot encode a {arr.dtype} {arr.shape} image as {suffix}")
    return bytes(buf.tobytes())


def write_image(path: str | os.PathLike[str], img: np.ndarray) -> None:
    """Write an image atomically; the format follows the suffix."""
    p = Path(path)
    if p.suffix.lower() not in IMAGE_SUFFIXES:
        raise ImageWriteError(f"cannot write {p}: unknown image suffix {p.suffix!r}")
    atomic_write_bytes(p, encode_image(img, p.suffix))


def to_uint8(img: np.ndarray, low: float | None = None, high: float | None = None) -> np.ndarray:
    """Map any dtype to uint8 for display or hashing (window/level when given, else full range)."""
    if img.dtype == np.uint8 and low is None and high is None:
        return img
    arr = img.astype(np.float32)
    lo = float(arr.min()) if low is None else low
    hi = float(arr.max()) if high is None else high
    if img.dtype == np.uint16 and low is None and high is None:
        lo, hi = 0.0, max(float(arr.max()), 1.0)
    scale = 255.0 / max(hi - lo, 1e-6)
    return np.clip((arr - lo) * scale, 0, 255).astype(np.uint8)


def to_gray8(img: np.ndarray) -> np.ndarray:
    """A single 8-bit grey plane (first three channels averaged as luminance)."""
    arr = to_uint8(img)
    if arr.ndim == 2:
        return arr
    if arr.shape[2] >= 3:
        return cv2.cvtColor(np.ascontiguousarray(arr[..., :3]), cv2.COLOR_RGB2GRAY)
    return np.ascontiguousarray(arr[..., 0])
