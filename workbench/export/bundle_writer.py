"""Writing a `.wbx` bundle: manifest with per-file sha256, models, golden images; atomically."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

from workbench.core.atomic import atomic_open
from workbench.runtime.bundle import MANIFEST, check_member_name, sha256_hex
from workbench.runtime.manifest import Manifest


def manifest_with_hashes(manifest: Manifest, files: dict[str, bytes]) -> Manifest:
    """``manifest`` whose ``files`` maps every member to its sha256."""
    for name in files:
        check_member_name(name)
    return manifest.with_hashes({name: sha256_hex(data) for name, data in sorted(files.items())})


def write_bundle(path: str | os.PathLike[str], manifest: Manifest, files: dict[str, bytes]) -> Path:
    """Write the zip to a temporary file beside ``path`` and rename it into place."""
    target = Path(path)
    full = manifest_with_hashes(manifest, files)
    with atomic_open(target) as fh, zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        text = json.dumps(full.to_dict(), indent=2, ensure_ascii=False) + "\n"
        zf.writestr(MANIFEST, text.encode("utf-8"))
        for name, data in sorted(files.items()):
            zf.writestr(name, data)
    return target
