"""Reading a `.wbx` bundle: a zip with manifest.json, models and golden images.

Reading never unpickles anything and never extracts to disk: every member is read into memory,
its name checked (no absolute paths, no ``..``), and its sha256 compared with the manifest
before anything uses it. The manifest itself is ``runtime.manifest.Manifest``.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.core.errors import WorkbenchError
from workbench.core.tiling import Tiling
from workbench.runtime.bundle_checks import zip_problem
from workbench.runtime.manifest import Manifest, ManifestError, ModelFiles

MANIFEST = "manifest.json"
# A bundle holds models of at most a few hundred MB; refuse absurd members (zip bombs).
MAX_MEMBER_BYTES = 2 * 1024**3


class BundleError(WorkbenchError):
    """A bundle is damaged, tampered with, unsafe, or from an unknown newer version."""


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_member_name(name: str, bundle: object = "bundle") -> str:
    """Refuse a member path that could escape a folder it were extracted to (zip-slip)."""
    if not name or "\\" in name or "\x00" in name:
        raise BundleError(f"{bundle}: unsafe member name {name!r}")
    norm = posixpath.normpath(name)
    if name.startswith("/") or norm.startswith("../") or norm == ".." or (len(name) > 1 and name[1] == ":"):
        raise BundleError(f"{bundle}: member {name!r} points outside the bundle (zip-slip); refused")
    if norm != name.rstrip("/"):
        raise BundleError(f"{bundle}: member {name!r} is not a plain relative path; refused")
    return norm


@dataclass
class Bundle:
    """A verified bundle held in memory: its manifest and the bytes of its files."""

    path: Path
    manifest: Manifest
    files: dict[str, bytes] = field(repr=False)

    @property
    def task(self) -> str:
        return self.manifest.task

    @property
    def classes(self) -> list[dict[str, Any]]:
        return [c.to_dict() for c in self.manifest.classes]

    @property
    def in_channels(self) -> int:
        return self.manifest.in_channels

    @property
    def tiling(self) -> Tiling:
        """Tile, overlap, merge and small-image padding, as the workbench ran the model."""
        return self.manifest.tiling

    @property
    def models(self) -> dict[str, ModelFiles]:
        return self.manifest.models

    def read(self, name: str) -> bytes:
        """The verified bytes of one member."""
        try:
            return self.files[name]
        except KeyError:
            raise BundleError(f"{self.path}: the manifest names {name!r} but the bundle lacks it") from None


def _read_members(zf: zipfile.ZipFile, path: Path) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for info in zf.infolist():
        name = check_member_name(info.filename, path)
        if info.is_dir():
            continue
        if info.file_size > MAX_MEMBER_BYTES:
            raise BundleError(f"{path}: member {name!r} is {info.file_size} bytes, too large; refused")
        if name in out:
            raise BundleError(f"{path}: member {name!r} appears twice; refused")
        out[name] = zf.read(info)
    return out


def _check_hashes(manifest: Manifest, files: dict[str, bytes], path: Path) -> None:
    listed = manifest.files
    for name, expected in listed.items():
        check_member_name(name, path)
        if name not in files:
            raise BundleError(f"{path}: file {name!r} listed in the manifest is missing")
        actual = sha256_hex(files[name])
        if actual != expected:
            raise BundleError(
                f"{path}: file {name!r} does not match its sha256 in the manifest "
                f"(damaged or tampered with); refused"
            )
    extra = sorted(set(files) - set(listed) - {MANIFEST})
    if extra:
        raise BundleError(f"{path}: files not listed in the manifest: {', '.join(extra)}; refused")


def open_bundle(path: str | os.PathLike[str]) -> Bundle:
    """Open and verify a bundle: paths, format version and every file hash."""
    p = Path(path)
    try:
        with zipfile.ZipFile(p) as zf:
            problem = zip_problem(zf.infolist(), p.stat().st_size)
            if problem:
                raise BundleError(f"{p} is refused before anything is unpacked: {problem}")
            files = _read_members(zf, p)
    except FileNotFoundError:
        raise BundleError(f"bundle {p} does not exist") from None
    except (zipfile.BadZipFile, OSError) as exc:
        raise BundleError(f"{p} is not a readable bundle (zip): {exc}") from exc
    if MANIFEST not in files:
        raise BundleError(f"{p}: no manifest.json in the bundle")
    try:
        manifest = json.loads(files[MANIFEST].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BundleError(f"{p}: manifest.json is not valid JSON ({exc})") from exc
    try:
        checked = Manifest.from_dict(manifest)
    except ManifestError as exc:
        raise BundleError(f"{p}: {exc}") from exc
    _check_hashes(checked, files, p)
    return Bundle(p, checked, files)
