"""Image IO: round trips per format and depth, channel order, multi-page TIFF, odd paths, bad files."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
import tifffile

from workbench.core.errors import ImageReadError, ImageWriteError
from workbench.core.imageio import (
    encode_image,
    image_info,
    is_image_file,
    read_image,
    to_gray8,
    to_uint8,
    write_image,
)

RNG = np.random.default_rng(0)


def _img(shape: tuple[int, ...], dtype: type = np.uint8) -> np.ndarray:
    high = 256 if dtype == np.uint8 else 65536
    return RNG.integers(0, high, shape).astype(dtype)


LOSSLESS = [
    (".png", (20, 30), np.uint8),
    (".png", (20, 30, 3), np.uint8),
    (".png", (20, 30, 4), np.uint8),
    (".png", (20, 30), np.uint16),
    (".png", (20, 30, 3), np.uint16),
    (".bmp", (20, 30), np.uint8),
    (".bmp", (20, 30, 3), np.uint8),
    (".tif", (20, 30), np.uint8),
    (".tif", (20, 30, 3), np.uint8),
    (".tiff", (20, 30), np.uint16),
    (".tif", (20, 30, 3), np.uint16),
    (".tif", (20, 30, 4), np.uint8),
]


@pytest.mark.parametrize(("suffix", "shape", "dtype"), LOSSLESS)
def test_lossless_round_trip(tmp_path: Path, suffix: str, shape: tuple[int, ...], dtype: type) -> None:
    img = _img(shape, dtype)
    path = tmp_path / f"img{suffix}"
    write_image(path, img)
    back = read_image(path)
    assert back.dtype == dtype and back.shape == shape
    np.testing.assert_array_equal(back, img)


def test_float_tiff_round_trip(tmp_path: Path) -> None:
    img = RNG.random((10, 12)).astype(np.float32)
    write_image(tmp_path / "f.tif", img)
    np.testing.assert_array_equal(read_image(tmp_path / "f.tif"), img)


@pytest.mark.parametrize("shape", [(32, 48), (32, 48, 3)])
def test_jpeg_round_trip_is_close(tmp_path: Path, shape: tuple[int, ...]) -> None:
    img = np.full(shape, 120, np.uint8)
    img[8:24, 8:40] = 200
    write_image(tmp_path / "a.jpg", img)
    back = read_image(tmp_path / "a.jpg")
    assert back.shape == shape and back.dtype == np.uint8
    assert np.abs(back.astype(int) - img).mean() < 3


@pytest.mark.parametrize("suffix", [".png", ".bmp", ".jpg", ".tif"])
def test_colour_order_is_rgb(tmp_path: Path, suffix: str) -> None:
    # OpenCV writes BGR: (0, 0, 255) there is a red pixel, which read_image returns as R first.
    bgr = np.zeros((16, 16, 3), np.uint8)
    bgr[..., 2] = 255
    path = tmp_path / f"red{suffix}"
    if suffix == ".tif":
        tifffile.imwrite(path, bgr[..., ::-1], photometric="rgb")  # TIFF stores RGB natively
    else:
        ok, buf = cv2.imencode(suffix, bgr)
        assert ok
        path.write_bytes(buf.tobytes())
    pixel = read_image(path)[8, 8].astype(int)
    assert pixel[0] > 240 and pixel[1] < 15 and pixel[2] < 15
    # And write_image takes RGB: OpenCV must see it as red again.
    write_image(tmp_path / f"again{suffix}", read_image(path))
    if suffix != ".tif":
        seen = cv2.imdecode(np.frombuffer((tmp_path / f"again{suffix}").read_bytes(), np.uint8), 1)
        assert seen[8, 8, 2] > 240 and seen[8, 8, 0] < 15


def test_rgba_alpha_kept_in_order(tmp_path: Path) -> None:
    img = np.zeros((4, 4, 4), np.uint8)
    img[..., 0] = 255  # red
    img[..., 3] = 128  # half transparent
    write_image(tmp_path / "a.png", img)
    back = read_image(tmp_path / "a.png")
    assert tuple(back[0, 0]) == (255, 0, 0, 128)


def test_multipage_tiff_reads_as_channels(tmp_path: Path) -> None:
    pages = [_img((24, 32), np.uint16) for _ in range(3)]
    path = tmp_path / "lights.tif"
    with tifffile.TiffWriter(path) as tif:
        for page in pages:
            tif.write(page)
    back = read_image(path)
    assert back.shape == (24, 32, 3) and back.dtype == np.uint16
    for i, page in enumerate(pages):
        np.testing.assert_array_equal(back[..., i], page)


def test_multipage_tiff_of_mixed_sizes_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "mixed.tif"
    with tifffile.TiffWriter(path) as tif:
        tif.write(_img((10, 10)))
        tif.write(_img((12, 10)))
    with pytest.raises(ImageReadError, match=r"mixed\.tif.*differ in size"):
        read_image(path)


def test_non_ascii_path(tmp_path: Path) -> None:
    folder = tmp_path / "检测图像"
    folder.mkdir()
    path = folder / "零件 1.png"
    img = _img((9, 7, 3))
    write_image(path, img)
    assert path.is_file()
    np.testing.assert_array_equal(read_image(path), img)
    with pytest.raises(ImageReadError, match="零件 2"):
        read_image(folder / "零件 2.png")


def test_large_image_round_trip(tmp_path: Path) -> None:
    # 5 MP is the usual camera frame; its speed is measured by bench/imageio_speed.py
    img = np.zeros((2048, 2448), np.uint8)
    img[::7] = 255
    write_image(tmp_path / "big.png", img)
    back = read_image(tmp_path / "big.png")
    np.testing.assert_array_equal(back, img)
    assert image_info(back).width == 2448 and image_info(back).height == 2048


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.png", b"", "empty"),
        ("text.png", b"this is not an image\n", "not a readable"),
        ("corrupt.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "not a readable"),
        ("corrupt.tif", b"II*\x00" + b"\xff" * 30, "TIFF"),
        ("corrupt.bmp", b"BM" + b"\x00" * 20, "not a readable"),
    ],
)
def test_bad_files_raise_naming_the_file(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ImageReadError, match=reason) as err:
        read_image(path)
    assert name in str(err.value) and err.value.path == path


def test_missing_and_truncated_files(tmp_path: Path) -> None:
    with pytest.raises(ImageReadError, match=r"nothere\.png"):
        read_image(tmp_path / "nothere.png")
    data = encode_image(_img((64, 64, 3)), ".jpg")
    (tmp_path / "cut.jpg").write_bytes(data[: len(data) // 2])
    # Depending on the libjpeg build the cut is reported as corrupt or as truncated; never as pixels.
    with pytest.raises(ImageReadError, match=r"cut\.jpg: (not a readable|JPEG data is truncated)"):
        read_image(tmp_path / "cut.jpg")


def test_write_refuses_unknown_suffix_and_keeps_nothing(tmp_path: Path) -> None:
    with pytest.raises(ImageWriteError, match="unknown image suffix"):
        write_image(tmp_path / "img.gif", _img((4, 4)))
    assert list(tmp_path.iterdir()) == []


def test_helpers() -> None:
    assert is_image_file("A/B.TIFF") and not is_image_file("notes.txt")
    info = image_info(_img((5, 6, 3), np.uint16))
    assert (info.width, info.height, info.channels, info.dtype) == (6, 5, 3, "uint16")
    sixteen = np.array([[0, 1000, 4000]], np.uint16)
    assert to_uint8(sixteen).tolist() == [[0, 63, 255]]
    assert to_uint8(sixteen, 0, 1000).tolist() == [[0, 255, 255]]
    rgb = np.zeros((2, 2, 3), np.uint8)
    rgb[..., 1] = 200
    assert to_gray8(rgb).shape == (2, 2) and 100 < int(to_gray8(rgb)[0, 0]) < 130
    two = np.dstack([np.full((2, 2), 7, np.uint8), np.full((2, 2), 9, np.uint8)])
    assert to_gray8(two).tolist() == [[7, 7], [7, 7]]
