"""Palette PNGs read as their indices; OpenCV only ever hands out the palette's colours.

Label maps from VOC-style tools (labelme's ``label.png`` among them) store class ids as palette
indices and give them arbitrary colours. The indices are recovered without a PNG decoder of our
own: the palette is swapped for a grey ramp (entry i -> grey i) and OpenCV decodes the result.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import cv2
import numpy as np

from workbench.core.exif import apply_orientation, file_orientation

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PALETTE_COLOUR_TYPE = 3


def _chunks(data: bytes) -> list[tuple[bytes, bytes]] | None:
    """``(type, payload)`` of every chunk up to IEND, or None when the file is cut or malformed."""
    chunks = []
    pos = len(_SIGNATURE)
    while pos + 12 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        payload = data[pos + 8 : pos + 8 + length]
        if len(payload) != length:
            return None
        chunks.append((kind, payload))
        pos += 12 + length
        if kind == b"IEND":
            return chunks
    return None


def _chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def read_palette_png(data: bytes) -> tuple[np.ndarray, np.ndarray] | None:
    """``(indices H x W uint8, palette N x 3 RGB uint8)`` of a palette PNG; None for any other file."""
    if not data.startswith(_SIGNATURE):
        return None
    chunks = _chunks(data)
    if not chunks or chunks[0][0] != b"IHDR" or len(chunks[0][1]) < 13:
        return None
    if chunks[0][1][9] != _PALETTE_COLOUR_TYPE:
        return None
    palettes = [payload for kind, payload in chunks if kind == b"PLTE"]
    if len(palettes) != 1 or not palettes[0] or len(palettes[0]) % 3:
        return None
    palette = np.frombuffer(palettes[0], np.uint8).reshape(-1, 3)
    ramp = np.repeat(np.arange(len(palette), dtype=np.uint8), 3).tobytes()
    # tRNS goes too: with it, some decoders blend or add alpha, and the ramp must stay exact.
    rebuilt = _SIGNATURE + b"".join(
        _chunk(kind, ramp if kind == b"PLTE" else payload) for kind, payload in chunks if kind != b"tRNS"
    )
    decoded = cv2.imdecode(np.frombuffer(rebuilt, np.uint8), cv2.IMREAD_UNCHANGED)
    if decoded is None:
        return None
    indices = decoded if decoded.ndim == 2 else decoded[..., 0]
    indices = apply_orientation(indices, file_orientation(data))  # as imageio turns the colours
    return np.ascontiguousarray(indices, dtype=np.uint8), palette.copy()


def is_palette_png(path: Path) -> bool:
    """True when ``path`` starts like a palette PNG (only its header is read)."""
    try:
        with open(path, "rb") as f:
            head = f.read(len(_SIGNATURE) + 18)
    except OSError:
        return False
    return (
        head.startswith(_SIGNATURE)
        and head[12:16] == b"IHDR"
        and head[25:26] == bytes([_PALETTE_COLOUR_TYPE])
    )
