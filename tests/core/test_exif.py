"""Images are read as viewers show them: the EXIF orientation is applied, so masks traced elsewhere agree."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
import tifffile

from workbench.core.exif import apply_orientation, file_orientation
from workbench.core.imageio import read_image, write_image
from workbench.core.project import Project


def exif_tiff(orientation: int, big_endian: bool = False) -> bytes:
    """EXIF data (TIFF structure) holding one IFD entry: Orientation = ``orientation``."""
    e = ">" if big_endian else "<"
    head = (b"MM\x00*" if big_endian else b"II*\x00") + struct.pack(e + "I", 8)
    entry = struct.pack(e + "HHI", 0x0112, 3, 1) + struct.pack(e + "HH", orientation, 0)
    return head + struct.pack(e + "H", 1) + entry + struct.pack(e + "I", 0)


def jpeg_with_orientation(img: np.ndarray, orientation: int, big_endian: bool = False) -> bytes:
    """``img`` (grey or RGB) as JPEG bytes with an EXIF APP1 segment right after SOI, as cameras write it."""
    arr = cv2.cvtColor(img, cv2.COLOR_RGB2BGR) if img.ndim == 3 else img
    ok, buf = cv2.imencode(".jpg", arr, [cv2.IMWRITE_JPEG_QUALITY, 95])
    assert ok
    data = buf.tobytes()
    payload = b"Exif\x00\x00" + exif_tiff(orientation, big_endian)
    app1 = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    return data[:2] + app1 + data[2:]


def png_with_orientation(img: np.ndarray, orientation: int) -> bytes:
    """``img`` as PNG bytes with an ``eXIf`` chunk before the image data."""
    ok, buf = cv2.imencode(".png", img)
    assert ok
    data = buf.tobytes()
    ihdr_end = 8 + 12 + 13  # signature, then the IHDR chunk (13 bytes of payload)
    payload = exif_tiff(orientation)
    chunk = struct.pack(">I", len(payload)) + b"eXIf" + payload
    chunk += struct.pack(">I", zlib.crc32(b"eXIf" + payload) & 0xFFFFFFFF)
    return data[:ihdr_end] + chunk + data[ihdr_end:]


def _marked(shape: tuple[int, int] = (30, 50)) -> np.ndarray:
    """Grey image with a bright block near the top-left corner: every turn and flip moves it elsewhere."""
    img = np.full(shape, 40, np.uint8)
    img[2:9, 3:16] = 250
    return img


@pytest.mark.parametrize("big_endian", [False, True])
@pytest.mark.parametrize("orientation", range(1, 9))
def test_jpeg_orientation_is_applied_as_opencv_and_viewers_do(orientation: int, big_endian: bool) -> None:
    data = jpeg_with_orientation(_marked(), orientation, big_endian)
    assert file_orientation(data) == orientation
    # OpenCV's colour read applies the tag (its IMREAD_UNCHANGED, which keeps 16 bits, does not).
    expected = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE)
    stored = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    assert np.array_equal(apply_orientation(stored, orientation), expected)


def test_orientation_matches_pillow() -> None:
    image_mod = pytest.importorskip("PIL.Image")
    image_ops = pytest.importorskip("PIL.ImageOps")
    for orientation in range(1, 9):
        data = jpeg_with_orientation(_marked(), orientation)
        shown = np.asarray(image_ops.exif_transpose(image_mod.open(io.BytesIO(data))).convert("L"))
        stored = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
        assert np.array_equal(apply_orientation(stored, orientation), shown), orientation


def test_read_image_applies_orientation_of_jpeg_png_and_tiff(tmp_path: Path) -> None:
    img = _marked()
    turned = np.rot90(img, -1)  # orientation 6: shown a quarter turn clockwise
    (tmp_path / "a.jpg").write_bytes(jpeg_with_orientation(img, 6))
    jpeg = read_image(tmp_path / "a.jpg")
    assert jpeg.shape == turned.shape and np.abs(jpeg.astype(int) - turned).max() < 24

    wide = np.zeros((30, 50), np.uint16)
    wide[2:9, 3:16] = 60000
    (tmp_path / "b.png").write_bytes(png_with_orientation(wide, 6))
    png = read_image(tmp_path / "b.png")
    assert png.dtype == np.uint16 and np.array_equal(png, np.rot90(wide, -1))

    bio = io.BytesIO()
    tifffile.imwrite(bio, img, extratags=[(274, 3, 1, 3, True)])  # upside down
    (tmp_path / "c.tif").write_bytes(bio.getvalue())
    assert np.array_equal(read_image(tmp_path / "c.tif"), img[::-1, ::-1])


def test_files_without_orientation_are_read_as_stored(tmp_path: Path) -> None:
    img = _marked()
    write_image(tmp_path / "plain.png", img)
    assert file_orientation((tmp_path / "plain.png").read_bytes()) == 1
    assert np.array_equal(read_image(tmp_path / "plain.png"), img)
    assert file_orientation(b"\xff\xd8\xff") == 1  # cut short: no tag, no error


def test_imported_exif_image_and_traced_mask_agree_in_a_real_process(tmp_path: Path) -> None:
    """A phone photo (stored sideways, EXIF 6) and the mask traced on it as a viewer shows it."""
    stored = np.full((60, 90), 50, np.uint8)
    stored[5:15, 10:30] = 240  # the defect, where the sensor saw it
    shown = np.rot90(stored, -1)  # how every viewer and labelling tool shows the photo
    traced = np.where(shown > 150, 255, 0).astype(np.uint8)
    src = tmp_path / "src" / "scratch"
    src.mkdir(parents=True)
    (src / "part.jpg").write_bytes(jpeg_with_orientation(stored, 6))
    write_image(src / "part_mask.png", traced)
    Project.create(tmp_path / "proj").close()

    done = subprocess.run(
        [sys.executable, "-m", "workbench.cli", "import", str(tmp_path / "proj"), str(tmp_path / "src")],
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 file(s) skipped" in done.stdout
    with Project.open(tmp_path / "proj", readonly=True) as project:
        (sample,) = project.samples()
        image, mask = project.read_image(sample), project.read_mask(sample)
    assert (sample.width, sample.height) == (60, 90) and image.shape == mask.shape == (90, 60)
    defect = image > 150
    assert sample.has_mask and ((mask > 0) == defect).mean() > 0.99
