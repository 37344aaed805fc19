"""Dataset versions: what each run trained and validated on, frozen and content-addressed.

A run's snapshot is ``runs/<id>/dataset.json``: the project's classes and, per sample the run used,
its name, label, split, role in the run (``train``, ``val``, ``threshold_only``), tags, its channel
images and its mask, each named by the sha256 of its bytes. The bytes live once in the project's
blob store, ``snapshots/blobs/<ab>/<sha256><suffix>``, shared by every run that used them: images
are hard links to ``images/`` where the file system allows (no extra space), masks are copies of
``masks/<id>.png`` as they were. Later edits, relabels and deletions in the project change nothing
there, so two runs' data can be compared (:func:`diff_snapshots`) and a run's data restored as a
new project (:func:`restore_snapshot`) byte for byte. Blobs are written atomically and never
changed, so a training job may add them without the project's lock.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from workbench.core import imageio
from workbench.core.atomic import atomic_write_bytes, atomic_write_json
from workbench.core.errors import ProjectError
from workbench.core.project import Project
from workbench.core.types import Sample

SNAPSHOT_FILE = "dataset.json"
BLOB_DIR = "snapshots/blobs"
FORMAT = "defect-workbench-dataset"
FORMAT_VERSION = 1
ROLES = ("train", "val", "threshold_only")


def blob_path(root: Path, sha: str, suffix: str) -> Path:
    return root / BLOB_DIR / sha[:2] / f"{sha}{suffix}"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _keep_image(project: Project, file: str, sha: str) -> str:
    """The image's blob (a hard link to ``images/`` where possible, else a copy); its suffix."""
    suffix = Path(file).suffix.lower()
    dest = blob_path(project.root, sha, suffix)
    if dest.exists():
        return suffix
    dest.parent.mkdir(parents=True, exist_ok=True)
    source = project.root / file
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    try:
        os.link(source, tmp)
        os.replace(tmp, dest)
    except OSError:  # no hard links here (another device, FAT): a copy
        tmp.unlink(missing_ok=True)
        atomic_write_bytes(dest, source.read_bytes())
    return suffix


def _keep_mask(project: Project, sample: Sample) -> str | None:
    """The mask file's blob as it is now; None for a sample without a mask."""
    path = project.mask_path(sample.id)
    if not sample.has_mask or not path.is_file():
        return None
    data = path.read_bytes()
    sha = _sha(data)
    dest = blob_path(project.root, sha, ".png")
    if not dest.exists():
        atomic_write_bytes(dest, data)
    return sha


def _sample_entry(project: Project, sample: Sample, role: str) -> dict[str, Any]:
    images = []
    for ch in sample.channel_files:
        suffix = _keep_image(project, ch.file, ch.sha256)
        images.append({"sha256": ch.sha256, "suffix": suffix, "original_name": ch.original_name})
    return {
        "sample_id": sample.id,
        "content_hash": sample.content_hash,
        "name": sample.name,
        "label": sample.label,
        "split": sample.split,
        "role": role,
        "tags": list(sample.tags),
        "images": images,
        "mask": _keep_mask(project, sample),
        "mask_rev": sample.mask_rev,
    }


def take_snapshot(project: Project, run_id: str, roles: Mapping[str, Sequence[Sample]]) -> str:
    """Freeze the samples of each role (``train``, ``val``, ``threshold_only``) as the run's
    ``dataset.json``; returns the snapshot's id (the sha256 of what it lists, so runs on the same data
    share it)."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ProjectError(f"unknown snapshot role(s) {sorted(unknown)}; roles are {', '.join(ROLES)}")
    samples = [_sample_entry(project, s, role) for role in ROLES for s in roles.get(role, ())]
    classes = [{"id": c.id, "name": c.name, "color": c.color, "description": c.description}
               for c in project.classes()]  # fmt: skip
    body = {"task": project.task, "classes": classes, "samples": samples}
    snapshot_id = _sha(json.dumps(body, sort_keys=True).encode())[:16]
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    head = {"format": FORMAT, "version": FORMAT_VERSION, "id": snapshot_id, "run_id": run_id}
    doc = {**head, "project": project.name, "created_at": stamp, **body}
    atomic_write_json(project.run_dir(run_id) / SNAPSHOT_FILE, doc)
    return snapshot_id


def load_snapshot(project: Project, run_id: str) -> dict[str, Any]:
    """A run's snapshot; a clear error for a run that has none (trained before snapshots were kept)."""
    path = project.run_dir(run_id) / SNAPSHOT_FILE
    if not path.is_file():
        known = {r.id for r in project.runs()}
        if run_id not in known:
            raise ProjectError(f"no run {run_id!r} in {project.root}")
        raise ProjectError(f"run {run_id} has no dataset snapshot ({path.name}): it was trained before "
                           "runs kept one, or its training never started")  # fmt: skip
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ProjectError(f"{path} is damaged: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or not isinstance(doc.get("samples"), list):
        raise ProjectError(f"{path} is not a dataset snapshot")
    if int(doc.get("version", 0)) > FORMAT_VERSION:
        raise ProjectError(f"{path} is from a newer workbench (version {doc['version']}); update to read it")
    return doc


def _brief(entry: Mapping[str, Any]) -> dict[str, Any]:
    return {"name": entry["name"], "sample_id": entry["sample_id"]}


def diff_snapshots(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    """What changed from snapshot ``a`` to ``b``: samples added, removed, relabelled, with masks
    redrawn (drawn, changed or erased), moved between roles; and classes added, removed or renamed.
    Samples are matched by the content of their images."""
    old = {s["content_hash"]: s for s in a["samples"]}
    new = {s["content_hash"]: s for s in b["samples"]}
    both = sorted(set(old) & set(new), key=lambda h: (new[h]["name"], h))
    added = [_brief(new[h]) for h in sorted(set(new) - set(old), key=lambda h: (new[h]["name"], h))]
    removed = [_brief(old[h]) for h in sorted(set(old) - set(new), key=lambda h: (old[h]["name"], h))]
    relabelled = [{**_brief(new[h]), "from": old[h]["label"], "to": new[h]["label"]}
                  for h in both if old[h]["label"] != new[h]["label"]]  # fmt: skip
    redrawn = [{**_brief(new[h]), "from": old[h]["mask"], "to": new[h]["mask"]}
               for h in both if old[h]["mask"] != new[h]["mask"]]  # fmt: skip
    moved = [{**_brief(new[h]), "from": old[h]["role"], "to": new[h]["role"]}
             for h in both if old[h]["role"] != new[h]["role"]]  # fmt: skip
    old_cls = {c["id"]: c["name"] for c in a.get("classes", [])}
    new_cls = {c["id"]: c["name"] for c in b.get("classes", [])}
    renamed = [{"id": i, "from": old_cls[i], "to": new_cls[i]}
               for i in sorted(set(old_cls) & set(new_cls)) if old_cls[i] != new_cls[i]]  # fmt: skip
    classes = {
        "added": [new_cls[i] for i in sorted(set(new_cls) - set(old_cls))],
        "removed": [old_cls[i] for i in sorted(set(old_cls) - set(new_cls))],
        "renamed": renamed,
    }
    return {
        "a": a.get("run_id"), "b": b.get("run_id"), "same": a.get("id") == b.get("id"),
        "n_a": len(old), "n_b": len(new), "added": added, "removed": removed, "relabelled": relabelled,
        "masks_redrawn": redrawn, "moved": moved, "classes": classes,
    }  # fmt: skip


def diff_runs(project: Project, run_a: str, run_b: str) -> dict[str, Any]:
    """:func:`diff_snapshots` of two runs of ``project``."""
    return diff_snapshots(load_snapshot(project, run_a), load_snapshot(project, run_b))


def restore_snapshot(project: Project, run_id: str, dest: str | os.PathLike[str]) -> Path:
    """A new project at ``dest`` holding exactly the run's data: its classes (same ids), and each
    sample's images (same bytes, original names), label, tags and mask as the run saw them; the split
    is the sample's role in the run (``val`` stays val, the rest train), so training the new project
    uses the same images the same way."""
    doc = load_snapshot(project, run_id)
    root = Path(dest)
    restored = Project.create(root, name=f"{doc.get('project', project.name)} ({run_id})", task=doc["task"])
    scratch = root / "cache" / "restore"
    try:
        for c in sorted(doc["classes"], key=lambda c: int(c["id"])):
            restored.add_class(c["name"], c["color"], c.get("description", ""), class_id=int(c["id"]))
        for entry in doc["samples"]:
            _restore_sample(project, restored, entry, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        restored.close()
    return root


def _restore_sample(source: Project, target: Project, entry: Mapping[str, Any], scratch: Path) -> None:
    files = []
    for k, image in enumerate(entry["images"]):
        data = _blob_bytes(blob_path(source.root, image["sha256"], image["suffix"]), image["sha256"])
        # one folder per channel, so every image keeps its original name
        path = scratch / str(entry["sample_id"]) / str(k) / (Path(image["original_name"]).name or f"{k}.img")
        atomic_write_bytes(path, data)
        files.append(path)
    mask = None
    if entry["mask"]:
        blob = blob_path(source.root, entry["mask"], ".png")
        _blob_bytes(blob, entry["mask"])
        mask = imageio.read_image(blob)
    _, created = target.add_sample(
        files, name=entry["name"], label=entry["label"], split="val" if entry["role"] == "val" else "train",
        tags=entry["tags"], mask=mask, source=f"run snapshot: {entry['name']}",
    )  # fmt: skip
    if not created:
        raise ProjectError(f"the snapshot lists the images of {entry['name']} twice")


def _blob_bytes(blob: Path, sha: str) -> bytes:
    try:
        data = blob.read_bytes()
    except OSError as exc:
        raise ProjectError(f"snapshot file {blob} is missing or unreadable: {exc}") from exc
    if _sha(data) != sha:
        raise ProjectError(f"snapshot file {blob} was changed since it was kept (its sha256 differs)")
    return data
