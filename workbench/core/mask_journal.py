"""Finished edits of a label map kept on disk one by one, so a crash loses at most the stroke in progress.

Writing the whole mask after every stroke costs tens of milliseconds on a 5 MP image (PNG
encoding), too slow for the pace of labelling on a line PC. Instead every finished edit (a brush
or eraser stroke, a polygon, a fill, an accepted proposal, an undo or a redo) appends the rectangle
it changed and that rectangle's pixels after the change to ``masks/<sample id>.journal`` and is
fsynced before the labeller can make the next one. Saving the mask (atomic PNG, on switching
samples and every few seconds) makes the journal needless, and it is removed.

After a crash, :func:`recover_journals` replays each journal onto the mask it was made on (the
header names the sample and the mask revision) and saves the result. A journal whose last record
was cut short by the crash, or whose mask was saved since by someone else, cannot be replayed in
full; what could not be recovered is said, and such a journal is kept aside as ``.journal.lost``.
"""

from __future__ import annotations

import os
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Literal

import numpy as np

from workbench.core.assist.shapes import Rect
from workbench.core.atomic import fsync_dir
from workbench.core.errors import WorkbenchError

if TYPE_CHECKING:
    from workbench.core.project import Project

SUFFIX = ".journal"
LOST_SUFFIX = ".journal.lost"
MAGIC = b"WBMJ\x01"
_HEADER = struct.Struct("<QQII")  # sample id, mask revision edited, height, width
_RECORD = struct.Struct("<II")  # payload length, CRC-32 of the payload
_RECT = struct.Struct("<IIII")  # x0, y0, x1, y1
HEADER_SIZE = len(MAGIC) + _HEADER.size + 4


class JournalError(WorkbenchError):
    """A journal file that cannot be read at all (not a journal, or its header is damaged)."""


@dataclass(frozen=True)
class JournalHeader:
    """Which label map a journal edits: the sample, its mask revision when editing began, its size."""

    sample_id: int
    mask_rev: int
    height: int
    width: int


@dataclass(frozen=True)
class JournalContent:
    """The edits of a journal in order; ``cut`` when its end was damaged (the last write cut short)."""

    header: JournalHeader
    edits: list[tuple[Rect, np.ndarray]]
    cut: bool


def journal_path(root: Path, sample_id: int) -> Path:
    return root / "masks" / f"{sample_id}{SUFFIX}"


class MaskJournal:
    """The journal of one sample's label map while it is edited; the file appears with the first edit."""

    def __init__(self, path: Path, header: JournalHeader) -> None:
        self.path = path
        self.header = header
        self._file: BinaryIO | None = None

    @classmethod
    def for_sample(cls, root: Path, sample_id: int, mask_rev: int, shape: tuple[int, int]) -> MaskJournal:
        return cls(journal_path(root, sample_id), JournalHeader(sample_id, mask_rev, shape[0], shape[1]))

    def record(self, rect: Rect, pixels: np.ndarray) -> None:
        """Append one finished edit (``pixels``: the rectangle after it), durably; raises OSError."""
        if rect.empty:
            return
        patch = np.ascontiguousarray(pixels, dtype=np.uint8)
        if patch.shape != (rect.height, rect.width):
            raise ValueError(f"pixels {patch.shape} do not match rectangle {rect}")
        payload = _RECT.pack(rect.x0, rect.y0, rect.x1, rect.y1) + zlib.compress(patch.tobytes(), 1)
        data = _RECORD.pack(len(payload), zlib.crc32(payload)) + payload
        first = self._file is None
        if self._file is None:
            self._file = open(self.path, "wb")  # noqa: SIM115  (kept open while the sample is edited)
            data = _header_bytes(self.header) + data
        self._file.write(data)
        self._file.flush()
        os.fsync(self._file.fileno())
        if first:
            fsync_dir(self.path.parent)  # the new file's name is durable too

    def saved(self, mask_rev: int) -> None:
        """The mask was saved (as revision ``mask_rev``): the edits so far are in it; start afresh."""
        self.discard()
        h = self.header
        self.header = JournalHeader(h.sample_id, mask_rev, h.height, h.width)

    def discard(self) -> None:
        """Close and remove the journal (its edits are saved, or were never wanted)."""
        self.close()
        self.path.unlink(missing_ok=True)

    def close(self) -> None:
        """Close the file and keep it (a later open recovers it)."""
        if self._file is not None:
            self._file.close()
            self._file = None


def _header_bytes(header: JournalHeader) -> bytes:
    body = MAGIC + _HEADER.pack(header.sample_id, header.mask_rev, header.height, header.width)
    return body + struct.pack("<I", zlib.crc32(body))


def _read_header(data: bytes, path: Path) -> JournalHeader:
    body, crc = data[: HEADER_SIZE - 4], data[HEADER_SIZE - 4 : HEADER_SIZE]
    if len(crc) < 4 or not body.startswith(MAGIC) or struct.unpack("<I", crc)[0] != zlib.crc32(body):
        raise JournalError(f"{path.name}: not a mask journal, or its header was cut short")
    return JournalHeader(*_HEADER.unpack(body[len(MAGIC) :]))


def _read_edit(payload: bytes, header: JournalHeader) -> tuple[Rect, np.ndarray] | None:
    if len(payload) < _RECT.size:
        return None
    rect = Rect(*_RECT.unpack(payload[: _RECT.size]))
    if rect.empty or rect.x1 > header.width or rect.y1 > header.height:
        return None
    try:
        raw = zlib.decompress(payload[_RECT.size :])
    except zlib.error:
        return None
    if len(raw) != rect.width * rect.height:
        return None
    return rect, np.frombuffer(raw, np.uint8).reshape(rect.height, rect.width)


def read_journal(path: Path) -> JournalContent:
    """The edits of a journal file up to its first damaged record; raises :class:`JournalError`."""
    data = path.read_bytes()
    header = _read_header(data, path)
    edits: list[tuple[Rect, np.ndarray]] = []
    at = HEADER_SIZE
    while at < len(data):
        if at + _RECORD.size > len(data):
            return JournalContent(header, edits, cut=True)
        length, crc = _RECORD.unpack_from(data, at)
        payload = data[at + _RECORD.size : at + _RECORD.size + length]
        edit = _read_edit(payload, header) if len(payload) == length and zlib.crc32(payload) == crc else None
        if edit is None:
            return JournalContent(header, edits, cut=True)
        edits.append(edit)
        at += _RECORD.size + length
    return JournalContent(header, edits, cut=False)


# Why edits were not recovered: the last (or the first) edit was being written when the process
# died; the mask was saved since by someone else; the journal or its sample could not be read.
LostReason = Literal["last_edit", "first_edit", "saved_since", "unreadable"]


@dataclass(frozen=True)
class LostEdits:
    """Edits of one sample (or one journal file) that could not be recovered, and why."""

    name: str
    reason: LostReason
    detail: str = ""


@dataclass
class JournalRecovery:
    """What :func:`recover_journals` did: samples whose edits were saved, and what could not be recovered."""

    recovered: list[tuple[int, int]] = field(default_factory=list)  # (sample id, edits replayed)
    lost: list[LostEdits] = field(default_factory=list)

    @property
    def sample_ids(self) -> list[int]:
        return [sid for sid, _ in self.recovered]


def recover_journals(project: Project) -> JournalRecovery:
    """Replay and save the journals a crashed session left in ``masks/``; remove the ones replayed."""
    out = JournalRecovery()
    for path in sorted((project.root / "masks").glob(f"*{SUFFIX}")):
        try:
            _recover_one(project, path, out)
        except (WorkbenchError, OSError) as exc:
            out.lost.append(LostEdits(_name_of(project, path), "unreadable", str(exc)))
            _set_aside(path)
    return out


def _recover_one(project: Project, path: Path, out: JournalRecovery) -> None:
    try:
        content = read_journal(path)
    except JournalError:
        if path.stat().st_size < HEADER_SIZE:  # killed while writing its first edit
            out.lost.append(LostEdits(_name_of(project, path), "first_edit"))
            path.unlink()
            return
        raise
    header = content.header
    sample = project.sample(header.sample_id)  # ProjectError when the sample was removed since
    base = project.read_mask(sample)
    if base.shape != (header.height, header.width):
        raise JournalError(
            f"{path.name}: made on a {header.height}x{header.width} mask, {sample.name} is {base.shape}"
        )
    mask = base.copy()
    for rect, pixels in content.edits:
        mask[rect.slices] = pixels
    if content.cut:
        out.lost.append(LostEdits(sample.name, "last_edit"))
    if np.array_equal(mask, base):  # everything was saved already (or the edits undid each other)
        path.unlink()
        return
    if sample.mask_rev != header.mask_rev:
        out.lost.append(LostEdits(sample.name, "saved_since", f"{path.stem}{LOST_SUFFIX}"))
        _set_aside(path)
        return
    project.write_mask(sample.id, mask)
    out.recovered.append((sample.id, len(content.edits)))
    path.unlink()


def _name_of(project: Project, path: Path) -> str:
    """The name of the sample a journal file belongs to (by its file name), else the file's name."""
    try:
        return project.sample(int(path.name.removesuffix(SUFFIX))).name
    except (ValueError, WorkbenchError):
        return path.name


def _set_aside(path: Path) -> None:
    """Keep a journal that could not be replayed for a person to look at, out of the next recovery's way."""
    if path.exists():
        os.replace(path, path.with_name(path.name.removesuffix(SUFFIX) + LOST_SUFFIX))
