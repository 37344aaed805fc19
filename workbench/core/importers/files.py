"""Walking source folders in a stable order (resume depends on it)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from workbench.core.imageio import is_image_file


def rel_item(path: Path, root: Path) -> str:
    """The resume key of ``path``: its path below ``root`` in posix form."""
    return path.relative_to(root).as_posix()


def _visible(name: str) -> bool:
    return not name.startswith(".")


def walk_files(root: Path, skip_dirs: frozenset[str] = frozenset()) -> Iterator[Path]:
    """Every visible file below ``root``, sorted; folders named in ``skip_dirs`` (lower case) are left out."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if _visible(d) and d.lower() not in skip_dirs)
        for name in sorted(filenames):
            if _visible(name):
                yield Path(dirpath) / name


def image_files(root: Path, skip_dirs: frozenset[str] = frozenset()) -> list[Path]:
    """Files below ``root`` with an image suffix (content is checked later, at import)."""
    return [p for p in walk_files(root, skip_dirs) if is_image_file(p)]


def find_sibling(folder: Path, stem: str, suffixes: tuple[str, ...]) -> Path | None:
    """``folder/<stem><suffix>`` for the first suffix that exists (lower or upper case)."""
    for suffix in suffixes:
        for variant in (suffix, suffix.upper()):
            candidate = folder / (stem + variant)
            if candidate.is_file():
                return candidate
    return None
