"""The project folder: open/create, lock, database, samples, classes, masks, runs.

Runs and evaluations are in ``workbench.core.project_runs``, the labels of several labelers in
``workbench.core.labelers`` (both parts of :class:`Project`).

This is the one typed API through which every other layer reads and changes a project.
Every database change is one transaction; every file write is atomic.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import sqlite_utils

from workbench.core import imageio, mask_png
from workbench.core.atomic import atomic_write_bytes
from workbench.core.clock import now_iso
from workbench.core.errors import MaskError, ProjectError, ProjectReadOnlyError
from workbench.core.labelers import ProjectLabelers
from workbench.core.lock import ProjectLock
from workbench.core.project_db import check_db_file, check_writable, open_connection, recover_hint, translate
from workbench.core.project_runs import ProjectRuns
from workbench.core.types import (
    FLAG_NG_WITHOUT_MASK,
    LABELS,
    REVIEW_STATES,
    SPLITS,
    TASKS,
    Channel,
    DefectClass,
    Sample,
)

DB_NAME = "project.db"
_ID_LIST_MAX = 500  # ids looked up by key in one query; larger sets filter a scan
SUBDIRS = ("images", "masks", "runs", "evaluations", "exports", "cache")
# Distinct, colour-blind-friendly defaults (Okabe-Ito plus extras) for new classes.
DEFAULT_COLORS = (
    "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2",
    "#D55E00", "#CC79A7", "#999999", "#8C564B", "#17BECF",
)  # fmt: skip


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def is_project(folder: str | os.PathLike[str]) -> bool:
    """True when ``folder`` holds a workbench project."""
    return (Path(folder) / DB_NAME).is_file()


class Project(ProjectRuns, ProjectLabelers):
    """An open project folder. Use :meth:`create` or :meth:`open`, then :meth:`close`."""

    def __init__(self, root: Path, conn: sqlite3.Connection, lock: ProjectLock | None, readonly: bool):
        self.root = root
        self._conn = conn
        self.db = sqlite_utils.Database(conn)
        self._lock = lock
        self.readonly = readonly
        self._mutex = threading.RLock()

    # ------------------------------------------------------------------ lifecycle
    @classmethod
    def create(
        cls,
        folder: str | os.PathLike[str],
        name: str | None = None,
        task: str = "segmentation",
        *,
        adopt_files: bool = False,
    ) -> Project:
        """Create a new project in ``folder`` (which may exist but must not hold a project).

        A folder whose images/ or masks/ hold files is a project that lost its database: new
        samples would overwrite its masks, so it is refused unless ``adopt_files`` (recovery).
        """
        root = Path(folder).expanduser().resolve()
        if task not in TASKS:
            raise ProjectError(f"unknown task {task!r}; choose one of {', '.join(TASKS)}")
        if is_project(root):
            check_db_file(root / DB_NAME)  # an empty or damaged one: say so, and how to recover
            raise ProjectError(f"{root} already holds a project; open it instead")
        if root.exists() and not root.is_dir():
            raise ProjectError(f"{root} exists and is not a folder")
        if not adopt_files and any(any((root / sub).glob("*")) for sub in ("images", "masks")):
            raise ProjectError(
                f"{root} holds images/ or masks/ of a project whose {DB_NAME} is missing; "
                + recover_hint(root)
            )
        root.mkdir(parents=True, exist_ok=True)
        project = cls._connect(root, readonly=False, lock=True, new=True)
        with project.transaction() as conn:
            for key, value in (("name", name or root.name), ("task", task), ("created_at", now_iso()),
                               ("test_locked", "0"), ("pixel_size_mm", "")):  # fmt: skip
                conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)", (key, value))
        return project

    @classmethod
    def open(cls, folder: str | os.PathLike[str], readonly: bool = False, lock: bool = True) -> Project:
        """Open an existing project. ``lock=False`` is for job processes that only touch their run."""
        root = Path(folder).expanduser().resolve()
        if not is_project(root):
            raise ProjectError(f"{root} is not a workbench project (no {DB_NAME})")
        project = cls._connect(root, readonly=readonly, lock=lock and not readonly)
        if not readonly and lock:
            project.fail_orphan_runs()
        return project

    @classmethod
    def _connect(cls, root: Path, readonly: bool, lock: bool, new: bool = False) -> Project:
        db_path = root / DB_NAME
        # Checked before the lock or any folder is made: a refused project is left untouched.
        if not new:
            check_db_file(db_path)
        if not readonly:
            check_writable(root, db_path)
        project_lock = None
        if lock:
            project_lock = ProjectLock(root)
            project_lock.acquire()
        try:
            for sub in SUBDIRS if not readonly else ():
                (root / sub).mkdir(exist_ok=True)
            conn = open_connection(db_path, readonly=readonly, new=new)
        except BaseException:
            if project_lock is not None:
                project_lock.release()
            raise
        return cls(root, conn, project_lock, readonly)

    def close(self) -> None:
        """Close the database and release the write lock."""
        with self._mutex:
            if self._conn is not None:
                self._conn.close()
            if self._lock is not None:
                self._lock.release()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE``): all of it happens, or none."""
        self._refuse_if_readonly()
        with self._mutex, self._sqlite_errors():
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                if self._conn.in_transaction:  # sqlite has already rolled back after some errors
                    self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _refuse_if_readonly(self) -> None:
        if self.readonly:
            raise ProjectReadOnlyError(f"project {self.root} is open read-only; nothing was changed")

    @contextmanager
    def _sqlite_errors(self) -> Iterator[None]:
        """sqlite's errors that a user can act on (damaged, read-only, full disk) as one sentence."""
        try:
            yield
        except sqlite3.Error as exc:
            error = translate(exc, self.root / DB_NAME)
            if error is None:
                raise
            raise error from exc

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        with self._mutex, self._sqlite_errors():
            return [dict(r) for r in self._conn.execute(sql, params).fetchall()]

    # ------------------------------------------------------------------ meta
    def meta(self, key: str, default: str = "") -> str:
        rows = self._rows("SELECT value FROM meta WHERE key=?", (key,))
        return rows[0]["value"] if rows else default

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)", (key, value))

    @property
    def name(self) -> str:
        return self.meta("name", self.root.name)

    @property
    def task(self) -> str:
        return self.meta("task", "segmentation")

    @property
    def masks_expected(self) -> bool:
        """Whether an NG image needs a mask: segmentation trains on masks; a classifier and a good-only
        model learn from the image label alone, so an NG image without one is complete there."""
        return self.task == "segmentation"

    @property
    def test_locked(self) -> bool:
        return self.meta("test_locked") == "1"

    @property
    def pixel_size_mm(self) -> float | None:
        value = self.meta("pixel_size_mm")
        return float(value) if value else None

    def lock_test_split(self, locked: bool = True) -> None:
        """Freeze the test split as the baseline: its members can no longer change split."""
        self.set_meta("test_locked", "1" if locked else "0")

    # ------------------------------------------------------------------ classes
    def classes(self) -> list[DefectClass]:
        return [DefectClass(**r) for r in self._rows("SELECT * FROM classes ORDER BY id")]

    def class_by_name(self, name: str) -> DefectClass | None:
        rows = self._rows("SELECT * FROM classes WHERE name=?", (name,))
        return DefectClass(**rows[0]) if rows else None

    def add_class(
        self, name: str, color: str | None = None, description: str = "", class_id: int | None = None
    ) -> DefectClass:
        """Add a defect class (ids 1..255, the value used in mask PNGs; ``class_id`` asks for one)."""
        name = name.strip()
        if not name:
            raise ProjectError("a defect class needs a name")
        if self.class_by_name(name) is not None:
            raise ProjectError(f"defect class {name!r} exists already")
        with self.transaction() as conn:
            used = {r[0] for r in conn.execute("SELECT id FROM classes")}
            if class_id is not None and (class_id in used or not 1 <= class_id <= 255):
                raise ProjectError(f"class id {class_id} is taken or outside 1..255")
            free = class_id or next((i for i in range(1, 256) if i not in used), None)
            if free is None:
                raise ProjectError("a project holds at most 255 defect classes")
            color = color or DEFAULT_COLORS[(free - 1) % len(DEFAULT_COLORS)]
            conn.execute(
                "INSERT INTO classes(id, name, color, description) VALUES(?, ?, ?, ?)",
                (free, name, color, description),
            )
        return DefectClass(free, name, color, description)

    def ensure_class(self, name: str, color: str | None = None) -> DefectClass:
        """The class called ``name``, created if missing."""
        return self.class_by_name(name) or self.add_class(name, color)

    def update_class(self, class_id: int, name: str | None = None, color: str | None = None) -> None:
        with self.transaction() as conn:
            if name is not None:
                conn.execute("UPDATE classes SET name=? WHERE id=?", (name.strip(), class_id))
            if color is not None:
                conn.execute("UPDATE classes SET color=? WHERE id=?", (color, class_id))

    # ------------------------------------------------------------------ samples
    def _channels(self, sample_ids: Iterable[int] | None = None) -> dict[int, list[Channel]]:
        out: dict[int, list[Channel]] = {}
        wanted = None if sample_ids is None else set(sample_ids)
        if wanted is not None and len(wanted) <= _ID_LIST_MAX:
            marks = ",".join("?" * len(wanted))
            rows = self._rows(f"SELECT * FROM channels WHERE sample_id IN ({marks}) ORDER BY sample_id, idx",
                              sorted(wanted))  # fmt: skip
        else:
            rows = self._rows("SELECT * FROM channels ORDER BY sample_id, idx")
        for r in rows:
            if wanted is None or r["sample_id"] in wanted:
                sid = r.pop("sample_id")
                out.setdefault(sid, []).append(Channel(**r))
        return out

    def samples(
        self,
        label: str | None = None,
        split: str | None = None,
        tag: str | None = None,
        ids: Iterable[int] | None = None,
    ) -> list[Sample]:
        """Samples, optionally filtered; ``split='none'`` selects samples with no split."""
        where: list[str] = []
        params: list[object] = []
        if label is not None:
            where.append("label=?")
            params.append(label)
        if split == "none":
            where.append("split IS NULL")
        elif split is not None:
            where.append("split=?")
            params.append(split)
        if tag is not None:
            where.append("EXISTS (SELECT 1 FROM json_each(samples.tags) WHERE value=?)")
            params.append(tag)
        id_set = set(ids) if ids is not None else None
        if id_set is not None and len(id_set) <= _ID_LIST_MAX:
            # by the primary key: one sample (evaluation asks for each in turn) is not a table scan
            where.append(f"id IN ({','.join('?' * len(id_set))})")
            params.extend(sorted(id_set))
        sql = "SELECT * FROM samples" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id"
        rows = [r for r in self._rows(sql, params) if id_set is None or r["id"] in id_set]
        chans = self._channels({r["id"] for r in rows} if id_set is not None else None)
        return [Sample.from_row(r, tuple(chans.get(r["id"], ()))) for r in rows]

    def sample(self, sample_id: int) -> Sample:
        found = self.samples(ids=[sample_id])
        if not found:
            raise ProjectError(f"no sample with id {sample_id} in {self.root}")
        return found[0]

    def sample_by_hash(self, content_hash: str) -> Sample | None:
        rows = self._rows("SELECT id FROM samples WHERE content_hash=?", (content_hash,))
        return self.sample(rows[0]["id"]) if rows else None

    def count_samples(self) -> int:
        return int(self._rows("SELECT COUNT(*) AS n FROM samples")[0]["n"])

    def add_sample(
        self,
        files: Sequence[str | os.PathLike[str]],
        name: str | None = None,
        label: str = "unlabeled",
        split: str | None = None,
        tags: Sequence[str] = (),
        mask: np.ndarray | None = None,
        flags: Sequence[str] = (),
        source: str = "",
        import_ref: tuple[int, str] | None = None,
    ) -> tuple[Sample, bool]:
        """Import one sample from its channel files; returns ``(sample, created)``.

        A sample whose content hash is already present is not added again (``created`` False).
        Files are copied into ``images/`` under content-hash names; the originals are untouched.
        """
        self._refuse_if_readonly()  # before any image is copied in
        if not files:
            raise ProjectError("a sample needs at least one image file")
        _check_choice("label", label, LABELS)
        if split is not None:
            _check_choice("split", split, SPLITS)
        blobs, infos = [], []
        for f in files:
            data = Path(f).read_bytes() if Path(f).is_file() else b""
            img = imageio.read_image(f)  # raises ImageReadError naming the file
            blobs.append(data)
            infos.append(imageio.image_info(img))
        if len({(i.width, i.height) for i in infos}) != 1:
            sizes = ", ".join(
                f"{Path(f).name}: {i.width}x{i.height}" for f, i in zip(files, infos, strict=True)
            )
            raise ProjectError(f"channel images of one sample must have one size ({sizes})")
        shas = [sha256_bytes(b) for b in blobs]
        content_hash = shas[0] if len(shas) == 1 else sha256_bytes("|".join(shas).encode())
        existing = self.sample_by_hash(content_hash)
        if existing is not None:
            if import_ref is not None:
                reason = f"same content as sample {existing.id} ({existing.name})"
                self.record_import_item(import_ref[0], import_ref[1], "duplicate", reason, existing.id)
            return existing, False
        width, height = infos[0].width, infos[0].height
        if mask is not None:
            mask = self._validate_mask(mask, width, height, str(files[0]))
        rel_files = []
        for f, data, sha in zip(files, blobs, shas, strict=True):
            rel = f"images/{sha[:32]}{Path(f).suffix.lower()}"
            if not (self.root / rel).exists():
                atomic_write_bytes(self.root / rel, data)
            rel_files.append(rel)
        flag_list = list(dict.fromkeys(flags))
        has_mask = mask is not None and bool(mask.any())
        review = ""
        if label == "ng" and not has_mask and self.masks_expected:
            flag_list.append(FLAG_NG_WITHOUT_MASK)
            review = "needs_review"
        classes = sorted(int(v) for v in np.unique(mask) if v) if has_mask and mask is not None else []
        stamp = now_iso()
        with self.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO samples(name, content_hash, label, split, review, tags, flags, classes, width,"
                " height, n_channels, dtype, has_mask, mask_rev, source, created_at, updated_at)"
                " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (name or Path(files[0]).stem, content_hash, label, split, review,
                 json.dumps(list(dict.fromkeys(tags))), json.dumps(list(dict.fromkeys(flag_list))),
                 json.dumps(classes), width, height, sum(i.channels for i in infos), infos[0].dtype,
                 int(has_mask), int(has_mask), source, stamp, stamp),
            )  # fmt: skip
            sid = int(cur.lastrowid or 0)
            for idx, (f, rel, sha, info) in enumerate(zip(files, rel_files, shas, infos, strict=True)):
                conn.execute(
                    "INSERT INTO channels(sample_id, idx, file, original_name, sha256, channels)"
                    " VALUES(?,?,?,?,?,?)",
                    (sid, idx, rel, Path(f).name, sha, info.channels),
                )
            if has_mask and mask is not None:
                self._write_mask_file(sid, mask, rel_files)
                if import_ref is not None:
                    conn.execute(
                        "INSERT OR REPLACE INTO mask_origins(sample_id, import_id, mask_rev) VALUES(?, ?, 1)",
                        (sid, import_ref[0]),
                    )
            else:
                self.mask_path(sid).unlink(missing_ok=True)  # a stray file from a killed import
            if import_ref is not None:
                conn.execute(
                    "INSERT OR REPLACE INTO import_items(import_id, item, status, reason, sample_id)"
                    " VALUES(?, ?, 'imported', '', ?)",
                    (import_ref[0], import_ref[1], sid),
                )
        return self.sample(sid), True

    def update_samples(self, ids: Iterable[int], **fields: Any) -> int:
        """Set ``label``, ``split``, ``review``, ``notes``, ``tags``, ``flags`` or ``last_score``
        on many samples in one transaction; ``add_tags`` / ``remove_tags`` edit tag lists.

        Changing the split of a test sample while the test split is locked is refused.
        """
        ids = list(ids)
        allowed = {
            "label",
            "split",
            "review",
            "notes",
            "tags",
            "flags",
            "last_score",
            "add_tags",
            "remove_tags",
        }
        unknown = set(fields) - allowed
        if unknown:
            raise ProjectError(f"cannot set {', '.join(sorted(unknown))} on samples")
        if "label" in fields:
            _check_choice("label", fields["label"], LABELS)
        if "review" in fields:
            _check_choice("review state", fields["review"], REVIEW_STATES)
        if "split" in fields and fields["split"] is not None:
            _check_choice("split", fields["split"], SPLITS)
        if "split" in fields and self.test_locked:
            moving = [
                s.id for s in self.samples(ids=ids) if (s.split == "test") != (fields["split"] == "test")
            ]
            if moving:
                raise ProjectError(
                    f"the test split is locked as the baseline; {len(moving)} selected sample(s) would "
                    "enter or leave it (unlock it first)"
                )
        stamp = now_iso()
        with self.transaction() as conn:
            for sid in ids:
                row = conn.execute("SELECT tags, flags FROM samples WHERE id=?", (sid,)).fetchone()
                if row is None:
                    raise ProjectError(f"no sample with id {sid}")
                sets: dict[str, Any] = {}
                for key in ("label", "split", "review", "notes", "last_score"):
                    if key in fields:
                        sets[key] = fields[key]
                tags = list(fields.get("tags", json.loads(row["tags"])))
                tags += [t for t in fields.get("add_tags", ()) if t not in tags]
                tags = [t for t in tags if t not in set(fields.get("remove_tags", ()))]
                sets["tags"] = json.dumps(tags)
                if "flags" in fields:
                    sets["flags"] = json.dumps(list(dict.fromkeys(fields["flags"])))
                sets["updated_at"] = stamp
                assigns = ", ".join(f"{k}=?" for k in sets)
                conn.execute(f"UPDATE samples SET {assigns} WHERE id=?", (*sets.values(), sid))
            if "label" in fields and self.labeler:
                self._keep_label(conn, ids, fields["label"], self.labeler)
        return len(ids)

    def set_flags(self, sample_id: int, add: Iterable[str] = (), remove: Iterable[str] = ()) -> None:
        flags = [f for f in self.sample(sample_id).flags if f not in set(remove)]
        flags += [f for f in add if f not in flags]
        self.update_samples([sample_id], flags=flags)

    def remove_samples(self, ids: Iterable[int]) -> None:
        """Delete samples and their masks (image files are kept while another sample uses them)."""
        ids = list(ids)
        with self.transaction() as conn:
            for sid in ids:
                files = [r[0] for r in conn.execute("SELECT file FROM channels WHERE sample_id=?", (sid,))]
                conn.execute("DELETE FROM samples WHERE id=?", (sid,))
                for f in files:
                    if not conn.execute("SELECT 1 FROM channels WHERE file=?", (f,)).fetchone():
                        (self.root / f).unlink(missing_ok=True)
                self.mask_path(sid).unlink(missing_ok=True)
                self._remove_labeler_masks(sid)

    # ------------------------------------------------------------------ pixels
    def image_path(self, sample: Sample, idx: int = 0) -> Path:
        return self.root / sample.channel_files[idx].file

    def read_image(self, sample: Sample | int, channel: int | None = 0) -> np.ndarray:
        """One channel image as stored, or (``channel=None``) all channels stacked ``H x W x C``."""
        s = sample if isinstance(sample, Sample) else self.sample(sample)
        if channel is not None:
            return imageio.read_image(self.image_path(s, channel))
        planes = []
        for i in range(len(s.channel_files)):
            img = imageio.read_image(self.image_path(s, i))
            planes.append(img[..., None] if img.ndim == 2 else img)
        return planes[0] if len(planes) == 1 else np.concatenate(planes, axis=2)

    def mask_path(self, sample_id: int) -> Path:
        return self.root / "masks" / f"{sample_id}.png"

    def read_mask(self, sample: Sample | int) -> np.ndarray:
        """The label map (uint8, 0 = background, k = class id k); zeros if never drawn."""
        s = sample if isinstance(sample, Sample) else self.sample(sample)
        path = self.mask_path(s.id)
        if not s.has_mask or not path.exists():
            return np.zeros((s.height, s.width), np.uint8)
        mask = imageio.read_image(path)
        if mask.shape != (s.height, s.width):
            raise MaskError(f"mask {path} is {mask.shape}, sample {s.name} is {(s.height, s.width)}")
        return mask.astype(np.uint8)

    def _validate_mask(self, mask: np.ndarray, width: int, height: int, what: str) -> np.ndarray:
        if mask.ndim != 2 or mask.shape != (height, width):
            raise MaskError(
                f"mask for {what} has shape {mask.shape}, the image is {height}x{width} (rows x columns)"
            )
        if mask.dtype != np.uint8:
            if mask.size and (mask.min() < 0 or mask.max() > 255):
                raise MaskError(f"mask for {what} has values outside 0..255")
            mask = mask.astype(np.uint8)
        known = {c.id for c in self.classes()}
        unknown = sorted(int(v) for v in np.unique(mask) if v and int(v) not in known)
        if unknown:
            raise MaskError(f"mask for {what} uses class value(s) {unknown} that are not defined classes")
        return mask

    def _write_mask_file(self, sample_id: int, mask: np.ndarray, files: Sequence[str]) -> None:
        """The mask PNG names its images (``core.mask_png``): a lost project.db can be rebuilt."""
        classes = {c.id: (c.name, c.color) for c in self.classes()}
        try:
            data = mask_png.encode_mask(mask, files, classes)
        except MaskError:
            raise MaskError(f"cannot encode mask for sample {sample_id}") from None
        atomic_write_bytes(self.mask_path(sample_id), data)

    def write_mask(self, sample_id: int, mask: np.ndarray, import_id: int | None = None) -> Sample:
        """Save a sample's label map atomically and update its classes; an all-zero map clears it.

        ``import_id``: the mask comes from that import (see :meth:`mask_origin`); any other write
        makes it a mask of the workbench's own.
        """
        s = self.sample(sample_id)
        mask = self._validate_mask(mask, s.width, s.height, f"sample {s.name}")
        has_mask = bool(mask.any())
        classes = sorted(int(v) for v in np.unique(mask) if v) if has_mask else []
        flags = [f for f in s.flags if not (has_mask and f == FLAG_NG_WITHOUT_MASK)]
        with self.transaction() as conn:
            if has_mask:
                self._write_mask_file(sample_id, mask, [c.file for c in s.channel_files])
            conn.execute(
                "UPDATE samples SET has_mask=?, classes=?, flags=?, mask_rev=mask_rev+1, updated_at=?"
                " WHERE id=?",
                (int(has_mask), json.dumps(classes), json.dumps(flags), now_iso(), sample_id),
            )
            if self.labeler:
                self._keep_mask(conn, s, mask, self.labeler)
            if import_id is not None:
                conn.execute(
                    "INSERT OR REPLACE INTO mask_origins(sample_id, import_id, mask_rev)"
                    " SELECT id, ?, mask_rev FROM samples WHERE id=?",
                    (import_id, sample_id),
                )
        if not has_mask:
            self.mask_path(sample_id).unlink(missing_ok=True)
        return self.sample(sample_id)

    def mask_origin(self, sample_id: int) -> MaskOrigin | None:
        """The import that last wrote the sample's mask and the mask revision it left; None if none did.

        The mask is still the imported one while ``samples.mask_rev`` equals that revision.
        """
        rows = self._rows("SELECT import_id, mask_rev FROM mask_origins WHERE sample_id=?", (sample_id,))
        return MaskOrigin(int(rows[0]["import_id"]), int(rows[0]["mask_rev"])) if rows else None

    # ------------------------------------------------------------------ summaries
    def counts(self) -> dict[str, Any]:
        """Counts per label, split, class, flag and review state."""
        samples = self.samples()
        names = {c.id: c.name for c in self.classes()}
        out: dict[str, Any] = {
            "total": len(samples),
            "label": {k: 0 for k in LABELS},
            "split": {k: 0 for k in (*SPLITS, "none")},
            "class": {n: 0 for n in names.values()},
            "flags": {},
            "review": {"needs_review": 0, "reviewed": 0},
            "with_mask": 0,
            "split_label": {k: {lab: 0 for lab in LABELS} for k in (*SPLITS, "none")},
        }
        for s in samples:
            out["label"][s.label] += 1
            out["split"][s.split or "none"] += 1
            out["split_label"][s.split or "none"][s.label] += 1
            out["with_mask"] += int(s.has_mask)
            for c in s.classes:
                key = names.get(c, f"#{c}")
                out["class"][key] = out["class"].get(key, 0) + 1
            for f in s.flags:
                out["flags"][f] = out["flags"].get(f, 0) + 1
            if s.review:
                out["review"][s.review] += 1
        return out

    # ------------------------------------------------------------------ imports (resumable)
    def begin_import(self, source: str, importer: str) -> int:
        """Start, or resume, the import of ``source``; returns the import id."""
        rows = self._rows(
            "SELECT id FROM imports WHERE source=? AND importer=? AND status='running' ORDER BY id DESC",
            (source, importer),
        )
        if rows:
            return int(rows[0]["id"])
        with self.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO imports(source, importer, status, started_at) VALUES(?, ?, 'running', ?)",
                (source, importer, now_iso()),
            )
            return int(cur.lastrowid or 0)

    def import_items(self, import_id: int) -> dict[str, dict[str, Any]]:
        """What an import has done so far, by item (source-relative path)."""
        return {
            r["item"]: r for r in self._rows("SELECT * FROM import_items WHERE import_id=?", (import_id,))
        }

    def record_import_item(
        self, import_id: int, item: str, status: str, reason: str = "", sample_id: int | None = None
    ) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO import_items(import_id, item, status, reason, sample_id)"
                " VALUES(?, ?, ?, ?, ?)",
                (import_id, item, status, reason, sample_id),
            )

    def finish_import(self, import_id: int, status: str = "completed") -> None:
        with self.transaction() as conn:
            conn.execute(
                "UPDATE imports SET status=?, finished_at=? WHERE id=?", (status, now_iso(), import_id)
            )


class MaskOrigin(NamedTuple):
    """Which import wrote a sample's mask, and ``samples.mask_rev`` right after it did."""

    import_id: int
    mask_rev: int


def _check_choice(what: str, value: object, choices: Sequence[object]) -> None:
    if value not in choices:
        raise ProjectError(f"unknown {what} {value!r}; expected one of {', '.join(map(repr, choices))}")
