"""Mask PNGs that name their sample's images, so a project can be rebuilt from its files alone.

A mask stays an ordinary 8-bit PNG label map that any tool opens. One ``tEXt`` chunk (keyword
``workbench-sample``) holds, as JSON, the project-relative image files of its sample in channel
order and the name and colour of each class it draws: ``masks/<id>.png`` is otherwise linked to
its images and classes only by ``project.db``.
"""

from __future__ import annotations

import json
import os
import struct
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

from workbench.core.errors import MaskError

KEYWORD = b"workbench-sample"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_IHDR_END = len(PNG_SIGNATURE) + 8 + 13 + 4  # length, type, 13 data bytes, CRC


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@dataclass(frozen=True)
class MaskLink:
    """What a mask file says about its sample: image files, and ``{class id: (name, colour)}``."""

    files: list[str]
    classes: dict[int, tuple[str, str]] = field(default_factory=dict)


def encode_mask(mask: np.ndarray, files: Sequence[str], classes: Mapping[int, tuple[str, str]]) -> bytes:
    """PNG bytes of a label map, naming the sample's image files and the classes it draws."""
    ok, buf = cv2.imencode(".png", mask)
    if not ok:
        raise MaskError("cannot encode a mask as PNG")
    png = buf.tobytes()
    drawn = {str(int(v)): list(classes[int(v)]) for v in np.unique(mask) if v and int(v) in classes}
    text = json.dumps({"files": list(files), "classes": drawn}, ensure_ascii=True).encode("ascii")
    return png[:_IHDR_END] + _chunk(b"tEXt", KEYWORD + b"\x00" + text) + png[_IHDR_END:]


def _link(data: dict[str, object]) -> MaskLink | None:
    files, classes = data.get("files"), data.get("classes", {})
    if not (isinstance(files, list) and files and all(isinstance(f, str) for f in files)):
        return None
    out: dict[int, tuple[str, str]] = {}
    for key, value in classes.items() if isinstance(classes, dict) else ():
        if str(key).isdigit() and isinstance(value, list) and len(value) == 2:
            out[int(key)] = (str(value[0]), str(value[1]))
    return MaskLink(list(files), out)


def read_link(path: str | os.PathLike[str]) -> MaskLink | None:
    """What a mask PNG says about its sample, or ``None`` when it says nothing (or is no PNG)."""
    with open(path, "rb") as fh:
        data = fh.read(64 * 1024)  # the chunk sits right after the header
    if not data.startswith(PNG_SIGNATURE):
        return None
    pos = len(PNG_SIGNATURE)
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IDAT" or len(body) < length:
            return None
        if kind == b"tEXt" and body.startswith(KEYWORD + b"\x00"):
            try:
                data = json.loads(body[len(KEYWORD) + 1 :].decode("ascii"))
            except ValueError:
                return None
            return _link(data) if isinstance(data, dict) else None
        pos += 12 + length
    return None
