"""The EXIF orientation of image files, and the turn or flip it asks for.

Cameras and phones store the sensor's pixels as shot and say in the EXIF ``Orientation`` tag how
to show them; every viewer and labelling tool applies it, so a mask drawn elsewhere is traced on
the turned image. OpenCV applies the tag only for some read flags (not for ``IMREAD_UNCHANGED``,
which keeps 16-bit and alpha), so the workbench reads the tag itself, from JPEG ``APP1``, PNG
``eXIf`` and TIFF ``Orientation``, and turns every image it reads the same way.
"""

from __future__ import annotations

import struct

import numpy as np

ORIENTATION_TAG = 0x0112
_SHORT = 3
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_EXIF_PREFIX = b"Exif\x00\x00"
# JPEG markers that stand alone (no length field): TEM, RST0..7, SOI, EOI.
_STANDALONE = {0x01, *range(0xD0, 0xD8), 0xD8, 0xD9}
_SOS = 0xDA


def tiff_orientation(tiff: bytes) -> int:
    """The orientation (1..8) in EXIF/TIFF data (``II*\\0`` or ``MM\\0*`` header); 1 when absent or odd."""
    if len(tiff) < 8 or tiff[:4] not in (b"II*\x00", b"MM\x00*"):
        return 1
    order = "<" if tiff[:2] == b"II" else ">"
    (ifd,) = struct.unpack_from(order + "I", tiff, 4)
    if ifd + 2 > len(tiff):
        return 1
    (count,) = struct.unpack_from(order + "H", tiff, ifd)
    for n in range(count):
        at = ifd + 2 + 12 * n
        if at + 12 > len(tiff):
            break
        tag, kind, values = struct.unpack_from(order + "HHI", tiff, at)
        if tag == ORIENTATION_TAG and kind == _SHORT and values >= 1:
            (value,) = struct.unpack_from(order + "H", tiff, at + 8)
            return value if 1 <= value <= 8 else 1
    return 1


def _jpeg_orientation(data: bytes) -> int:
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            return 1  # lost in the stream: no trustworthy tag
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker in _STANDALONE:
            at += 2
            continue
        if marker == _SOS:
            return 1  # the metadata segments all come before the scan
        (length,) = struct.unpack_from(">H", data, at + 2)
        segment = data[at + 4 : at + 2 + length]
        if marker == 0xE1 and segment.startswith(_EXIF_PREFIX):
            return tiff_orientation(segment[len(_EXIF_PREFIX) :])
        at += 2 + length
    return 1


def _png_orientation(data: bytes) -> int:
    at = len(_PNG_SIGNATURE)
    while at + 8 <= len(data):
        length, kind = struct.unpack_from(">I4s", data, at)
        if kind == b"eXIf":
            chunk = data[at + 8 : at + 8 + length]
            return tiff_orientation(chunk.removeprefix(_EXIF_PREFIX))
        if kind == b"IEND":
            break
        at += 12 + length
    return 1


def file_orientation(data: bytes) -> int:
    """The EXIF orientation (1..8) of JPEG or PNG file bytes; 1 (as stored) when there is none."""
    if data[:2] == b"\xff\xd8":
        return _jpeg_orientation(data)
    if data[:8] == _PNG_SIGNATURE:
        return _png_orientation(data)
    return 1


def apply_orientation(img: np.ndarray, orientation: int) -> np.ndarray:
    """``img`` (``H x W`` or ``H x W x C``) as a viewer shows it for EXIF ``orientation``."""
    turned = {
        2: lambda a: a[:, ::-1],  # mirrored left-right
        3: lambda a: a[::-1, ::-1],  # upside down
        4: lambda a: a[::-1],  # mirrored top-bottom
        5: lambda a: np.swapaxes(a, 0, 1),  # mirrored about the main diagonal
        6: lambda a: np.rot90(a, -1),  # stored a quarter turn anticlockwise: turn clockwise
        7: lambda a: np.swapaxes(a[::-1, ::-1], 0, 1),  # mirrored about the other diagonal
        8: lambda a: np.rot90(a, 1),
    }.get(orientation)
    return img if turned is None else np.ascontiguousarray(turned(img))
