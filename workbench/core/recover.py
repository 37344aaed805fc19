"""Rebuild a project whose ``project.db`` is empty, damaged or missing, from images/ and masks/.

images/ holds every imported image under its content hash; ``masks/<id>.png`` holds each drawn
label map and names the images it belongs to (``core.mask_png``). Recovery moves the damaged
database into ``damaged-<time>/``, salvages what it can still read of it (names, labels, splits,
classes, runs), and writes a new database in which every image belongs to a sample again and
every mask keeps its file and its sample id. A mask that names no image present is moved aside
too. Nothing is deleted.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from workbench.core import imageio
from workbench.core.cancel import Progress, no_progress
from workbench.core.errors import DamagedProjectError, ProjectError, WorkbenchError
from workbench.core.lock import ProjectLock
from workbench.core.mask_png import MaskLink, read_link
from workbench.core.project import DB_NAME, DEFAULT_COLORS, Project, now_iso
from workbench.core.project_db import check_db_file, check_writable
from workbench.core.recover_salvage import Salvage, salvage
from workbench.core.types import FLAG_NG_WITHOUT_MASK, LABELS, REVIEW_STATES, SPLITS, TASKS

RECOVERED_TAG = "recovered"
SAMPLE_COLUMNS = (
    "id", "name", "content_hash", "label", "split", "review", "notes", "tags", "flags", "classes",
    "width", "height", "n_channels", "dtype", "has_mask", "mask_rev", "source", "last_score",
    "created_at", "updated_at",
)  # fmt: skip


@dataclass
class RecoveryReport:
    """What a recovery rebuilt, where the damaged database went, and what could not be placed."""

    root: Path
    aside: Path
    salvaged_tables: list[str] = field(default_factory=list)
    samples: int = 0
    masks: int = 0
    classes: int = 0
    runs: int = 0
    unmatched_masks: list[str] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The report in plain sentences, most important first."""
        out = [
            f"recovered {self.samples} sample(s), {self.masks} with a mask, and {self.classes} defect "
            f"class(es) in {self.root}",
            f"the damaged database is kept in {self.aside}",
        ]
        if "samples" in self.salvaged_tables:
            out.append(f"names, labels and splits were read back from it ({', '.join(self.salvaged_tables)})")
        else:
            out.append(
                "names, labels, splits and tags were only in the database: samples with a mask are NG, "
                f"the others unlabeled, and all are tagged {RECOVERED_TAG!r} for review"
            )
        if self.runs:
            out.append(f"{self.runs} training run(s) and evaluation(s) were read back from it")
        if self.unmatched_masks:
            out.append(
                f"{len(self.unmatched_masks)} mask(s) fit no image in images/ and were moved to "
                f"{self.aside / 'masks'}: {', '.join(self.unmatched_masks)}"
            )
        out += [
            f"image {name} could not be read and is not in the project: {why}"
            for name, why in self.unreadable
        ]
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "root": str(self.root),
            "aside": str(self.aside),
            "salvaged_tables": self.salvaged_tables,
            "samples": self.samples,
            "masks": self.masks,
            "classes": self.classes,
            "runs": self.runs,
            "unmatched_masks": self.unmatched_masks,
            "unreadable": [{"file": f, "reason": r} for f, r in self.unreadable],
        }


@dataclass
class _Image:
    sha: str
    info: imageio.ImageInfo


@dataclass
class _Sample:
    id: int
    files: list[str]
    row: dict[str, Any]  # salvaged columns; empty when the database had nothing on it
    originals: list[str]
    content_hash: str = ""
    mask_values: list[int] | None = None
    classes: dict[int, tuple[str, str]] = field(default_factory=dict)  # as its mask file names them


def recover_project(folder: str | os.PathLike[str], progress: Progress | None = None) -> RecoveryReport:
    """Rebuild ``folder``'s database from its files; refuses a project whose database is healthy."""
    progress = progress or no_progress
    root = Path(folder).expanduser().resolve()
    _check_recoverable(root)
    report = RecoveryReport(root, _move_aside(root))
    saved = salvage(report.aside / DB_NAME)
    report.salvaged_tables = saved.tables_read
    images = _read_images(root, report, progress)
    samples = _plan(root, saved, images)
    _attach_masks(root, samples, images, report, progress)
    meta = saved.meta
    task = meta.get("task") if meta.get("task") in TASKS else "segmentation"
    with Project.create(
        root, name=meta.get("name") or root.name, task=str(task), adopt_files=True
    ) as project:
        with project.transaction() as conn:
            for key, value in meta.items():
                if key != "schema_version":
                    conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)", (key, value))
            report.classes = _restore_classes(conn, saved, samples)
            report.samples = _insert_samples(conn, samples, images, project.masks_expected)
            report.runs = _restore_rows(conn, "runs", saved.runs) + _restore_rows(
                conn, "evaluations", saved.evaluations
            )
        report.masks = sum(bool(s.mask_values) for s in samples.values())
    progress(1.0, f"recovered {report.samples} sample(s)")
    return report


def _healthy(db_path: Path) -> bool:
    try:
        check_db_file(db_path)
        # Not read-only: a read-only connection would leave -wal and -shm files behind.
        conn = sqlite3.connect(db_path)
    except (DamagedProjectError, sqlite3.Error):
        return False
    try:
        return conn.execute("PRAGMA quick_check").fetchall() == [("ok",)] and bool(
            conn.execute("SELECT 1 FROM sqlite_master WHERE name='samples'").fetchone()
        )
    except sqlite3.DatabaseError:
        return False
    finally:
        conn.close()


def _check_recoverable(root: Path) -> None:
    db_path = root / DB_NAME
    if not root.is_dir():
        raise ProjectError(f"{root} is not a folder")
    if db_path.exists() and _healthy(db_path):
        raise ProjectError(f"{db_path} is healthy; there is nothing to recover")
    if not db_path.exists() and not any(any((root / s).glob("*")) for s in ("images", "masks")):
        raise ProjectError(f"{root} has no {DB_NAME} and no images/ or masks/ to recover a project from")
    check_writable(root, root)


def _move_aside(root: Path) -> Path:
    """Move the database files into a new ``damaged-<time>/`` folder, under the project's lock."""
    aside = root / time.strftime("damaged-%Y%m%d-%H%M%S")
    n = 1
    while aside.exists():
        n += 1
        aside = root / time.strftime(f"damaged-%Y%m%d-%H%M%S-{n}")
    with ProjectLock(root):
        aside.mkdir()
        for suffix in ("", "-wal", "-shm"):
            src = root / (DB_NAME + suffix)
            if src.exists():
                os.replace(src, aside / src.name)
    return aside


def _project_files(folder: Path) -> list[Path]:
    """Files of images/ or masks/, less stray temporary files of an interrupted atomic write."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".tmp-"))


def _read_images(root: Path, report: RecoveryReport, progress: Progress) -> dict[str, _Image]:
    files = [p for p in _project_files(root / "images") if imageio.is_image_file(p)]
    out: dict[str, _Image] = {}
    for n, path in enumerate(files):
        progress(0.8 * n / max(len(files), 1), f"reading {path.name}")
        try:
            data = path.read_bytes()
            info = imageio.image_info(imageio.read_image(path))
        except (WorkbenchError, OSError) as exc:
            report.unreadable.append((path.name, str(exc)))
            continue
        out[f"images/{path.name}"] = _Image(hashlib.sha256(data).hexdigest(), info)
    return out


def _mask_ids(root: Path) -> dict[int, Path]:
    return {int(p.stem): p for p in _project_files(root / "masks") if p.suffix == ".png" and p.stem.isdigit()}


def _plan(root: Path, saved: Salvage, images: dict[str, _Image]) -> dict[int, _Sample]:
    """Samples by id: as the database had them, else as each mask names them, then one per
    image left over, numbered after every id in use so no mask is taken by a stranger."""
    samples: dict[int, _Sample] = {}
    hashes: set[str] = set()

    def add(sample: _Sample) -> None:
        if not sample.files or not all(f in images for f in sample.files):
            return
        shas = [images[f].sha for f in sample.files]
        sample.content_hash = (
            shas[0] if len(shas) == 1 else hashlib.sha256("|".join(shas).encode()).hexdigest()
        )
        sizes = {(images[f].info.height, images[f].info.width) for f in sample.files}
        if sample.content_hash not in hashes and len(sizes) == 1:  # else: not one sample
            hashes.add(sample.content_hash)
            samples[sample.id] = sample

    for sid, chans in saved.channels.items():
        if sid in saved.samples:
            files = [str(c["file"]) for c in chans]
            add(_Sample(sid, files, saved.samples[sid], [str(c["original_name"]) for c in chans]))
    masks = _mask_ids(root)
    for sid, path in masks.items():
        link = read_link(path) or MaskLink([])
        if sid not in samples:
            add(_Sample(sid, link.files, {}, [Path(f).name for f in link.files]))
        if sid in samples:
            samples[sid].classes = link.classes
    used = {f for s in samples.values() for f in s.files}
    next_id = max([*samples, *masks, *saved.samples, 0]) + 1
    for rel in images:
        if rel not in used:
            add(_Sample(next_id, [rel], {}, [Path(rel).name]))
            next_id += 1
    return samples


def _attach_masks(
    root: Path,
    samples: dict[int, _Sample],
    images: dict[str, _Image],
    report: RecoveryReport,
    progress: Progress,
) -> None:
    """Read each mask once; a mask without its sample, or of another size, is moved aside."""
    masks = _mask_ids(root)
    # Other PNGs there fit no sample either; other files (the Label page's stroke journals) stay:
    # their own recovery settles them against the rebuilt samples.
    strays = [p for p in _project_files(root / "masks") if p.suffix == ".png" and p not in masks.values()]
    for n, (sid, path) in enumerate(masks.items()):
        progress(0.8 + 0.15 * n / max(len(masks), 1), f"reading mask {path.name}")
        sample = samples.get(sid)
        info = images[sample.files[0]].info if sample is not None else None
        values = _mask_values(path, (info.height, info.width)) if info is not None else None
        if sample is None or values is None:
            strays.append(path)
            continue
        sample.mask_values = values
    for path in strays:
        (report.aside / "masks").mkdir(exist_ok=True)
        os.replace(path, report.aside / "masks" / path.name)
        report.unmatched_masks.append(path.name)


def _mask_values(path: Path, shape: tuple[int, int]) -> list[int] | None:
    """The class values of a label map of ``shape``; ``None`` when the file is not one."""
    try:
        mask = imageio.read_image(path)
    except WorkbenchError:
        return None
    if mask.dtype != np.uint8 or mask.shape != shape:
        return None
    return sorted(int(v) for v in np.unique(mask) if v)


def _restore_classes(conn: sqlite3.Connection, saved: Salvage, samples: dict[int, _Sample]) -> int:
    """The database's classes, plus each class the masks draw that it lacks, named as the mask
    files name it ('class k' for a mask that does not say)."""
    known = {int(c["id"]) for c in saved.classes}
    for c in saved.classes:
        conn.execute(
            "INSERT INTO classes(id, name, color, description) VALUES(?, ?, ?, ?)",
            (c["id"], c["name"], c["color"], c.get("description") or ""),
        )
    named = {k: v for s in samples.values() for k, v in s.classes.items()}
    values = sorted({v for s in samples.values() for v in s.mask_values or []} - known)
    names = {str(c["name"]) for c in saved.classes}
    for v in values:
        name, color = named.get(v, (f"class {v}", DEFAULT_COLORS[(v - 1) % len(DEFAULT_COLORS)]))
        if name in names:  # a salvaged class holds this name under another id
            name = f"{name} ({v})"
        names.add(name)
        conn.execute(
            "INSERT INTO classes(id, name, color, description) VALUES(?, ?, ?, '')", (v, name, color)
        )
    return len(known) + len(values)


def _insert_samples(
    conn: sqlite3.Connection, samples: dict[int, _Sample], images: dict[str, _Image], masks_expected: bool
) -> int:
    columns, marks = ", ".join(SAMPLE_COLUMNS), ", ".join("?" * len(SAMPLE_COLUMNS))
    for sid in sorted(samples):
        sample = samples[sid]
        infos = [images[f].info for f in sample.files]
        conn.execute(
            f"INSERT INTO samples({columns}) VALUES({marks})", _sample_row(sample, infos, masks_expected)
        )
        for idx, (f, info, original) in enumerate(zip(sample.files, infos, sample.originals, strict=True)):
            conn.execute(
                "INSERT INTO channels(sample_id, idx, file, original_name, sha256, channels)"
                " VALUES(?,?,?,?,?,?)",
                (sid, idx, f, original, images[f].sha, info.channels),
            )
    return len(samples)


def _sample_row(sample: _Sample, infos: list[imageio.ImageInfo], masks_expected: bool) -> tuple[Any, ...]:
    row, values = sample.row, sample.mask_values or []
    has_mask = bool(values)
    label = row.get("label") if row.get("label") in LABELS else ("ng" if has_mask else "unlabeled")
    tags = json.loads(row["tags"]) if row.get("tags") else ([] if row else [RECOVERED_TAG])
    flags = [f for f in json.loads(row.get("flags") or "[]") if not (has_mask and f == FLAG_NG_WITHOUT_MASK)]
    if not masks_expected:  # a classification or good-only project: the label is the whole answer
        flags = [f for f in flags if f != FLAG_NG_WITHOUT_MASK]
    elif label == "ng" and not has_mask and FLAG_NG_WITHOUT_MASK not in flags:
        flags.append(FLAG_NG_WITHOUT_MASK)
    stamp = now_iso()
    return (
        sample.id,
        row.get("name") or Path(sample.originals[0]).stem,
        sample.content_hash,
        label,
        row.get("split") if row.get("split") in SPLITS else None,
        row.get("review") if row.get("review") in REVIEW_STATES else "",
        row.get("notes") or "",
        json.dumps(tags),
        json.dumps(flags),
        json.dumps(values),
        infos[0].width,
        infos[0].height,
        sum(i.channels for i in infos),
        infos[0].dtype,
        int(has_mask),
        max(int(row.get("mask_rev") or 0), int(has_mask)),
        row.get("source") or "",
        row.get("last_score"),
        row.get("created_at") or stamp,
        stamp,
    )


def _restore_rows(conn: sqlite3.Connection, table: str, rows: list[dict[str, Any]]) -> int:
    """Copy salvaged rows of ``table`` back, columns the new schema has; a bad row is left out."""
    columns = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
    count = 0
    for row in rows:
        keys = [k for k in row if k in columns]
        try:
            conn.execute(
                f"INSERT OR IGNORE INTO {table}({', '.join(keys)}) VALUES({', '.join('?' * len(keys))})",
                [row[k] for k in keys],
            )
        except sqlite3.IntegrityError:
            continue
        count += 1
    return count
