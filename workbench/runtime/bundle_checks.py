"""Checks a bundle passes before it is used: sizes the zip declares, and the manifest's shape.

Each check returns what is wrong as a phrase (``None`` when nothing is), and ``runtime.bundle``
turns it into a :class:`BundleError` naming the file. The size checks read only the zip's central
directory, so a zip bomb (a few MB that unpack to many GB) is refused before a byte is unpacked.
The members' declared sizes can be trusted as upper bounds: ``zipfile`` never returns more than
a member declares, and a member that unpacks to anything else fails its CRC.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from typing import Any, TypeGuard

from workbench.core.decisions import DecisionConfig
from workbench.core.errors import WorkbenchError

# A bundle is a manifest, up to four model variants of at most a few hundred MB, and a few
# golden images; it is held in memory whole, so these bound what opening one may cost.
MAX_TOTAL_BYTES = 4 * 1024**3
MAX_MEMBERS = 1000
# Deflate shrinks model weights ~1.1x and camera images a few times; a bomb's members ~1000x.
MAX_RATIO = 100
# Below this a member may compress as well as it likes (a manifest, a flat synthetic golden image).
RATIO_FLOOR_BYTES = 32 * 1024**2

TASKS = ("segmentation", "classification", "anomaly")


def size_text(n: float) -> str:
    """Bytes as a person reads them: '1.5 GB', '64 MB', '12 kB'."""
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("kB", 1024)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}".replace(".0 ", " ")
    return f"{int(n)} bytes"


def zip_problem(infos: Sequence[zipfile.ZipInfo], archive_bytes: int) -> str | None:
    """Why the members a zip declares are too many, too large or too compressed for a bundle."""
    if len(infos) > MAX_MEMBERS:
        return f"it holds {len(infos)} members, more than a bundle ever has ({MAX_MEMBERS})"
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FLOOR_BYTES and ratio > MAX_RATIO:
            return (
                f"member {info.filename!r} would unpack to {size_text(info.file_size)} from "
                f"{size_text(info.compress_size)} ({ratio:.0f} times; a bundle's members stay under "
                f"{MAX_RATIO} times), the sign of a zip bomb"
            )
    total = sum(info.file_size for info in infos)
    if total > MAX_TOTAL_BYTES:
        return (
            f"its members would unpack to {size_text(total)}, more than a bundle may hold "
            f"({size_text(MAX_TOTAL_BYTES)})"
        )
    ratio = total / max(archive_bytes, 1)
    if total > RATIO_FLOOR_BYTES and ratio > MAX_RATIO:  # members sharing one compressed stream
        return (
            f"its members would unpack to {size_text(total)} from a {size_text(archive_bytes)} file "
            f"({ratio:.0f} times; a bundle stays under {MAX_RATIO} times), the sign of a zip bomb"
        )
    return None


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _classes_problem(classes: object) -> str | None:
    if not isinstance(classes, list):
        return "'classes' is not a list"
    for c in classes:
        if not isinstance(c, dict) or not _is_int(c.get("id")) or not isinstance(c.get("name"), str):
            return f"'classes' holds {c!r}, not a class with a whole-number 'id' and a 'name'"
    return None


def _models_problem(models: object, files: dict[str, Any]) -> str | None:
    if not isinstance(models, dict) or not models:
        return "'models' names no model"
    for variant, entry in models.items():
        keys = ("path",) if variant == "onnx" else ("xml", "bin")
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) for k in keys):
            return f"'models' entry {variant!r} lacks its file name(s) {', '.join(map(repr, keys))}"
        missing = [entry[k] for k in keys if entry[k] not in files]
        if missing:
            return f"'models' entry {variant!r} names {missing[0]!r}, which 'files' does not list"
    return None


def _tiling_problem(tiling: object) -> str | None:
    if not isinstance(tiling, dict):
        return "'tiling' is not a table"
    tile, overlap, multiple = tiling.get("tile"), tiling.get("overlap"), tiling.get("pad_multiple")
    if not (_is_int(tile) and _is_int(overlap) and 0 <= overlap < tile):
        return f"'tiling' needs whole numbers 0 <= overlap < tile, not tile {tile!r}, overlap {overlap!r}"
    if not (multiple is None or (_is_int(multiple) and multiple > 0)):
        return f"'tiling' has pad_multiple {multiple!r}, not a positive whole number"
    if not isinstance(tiling.get("merge", ""), str):
        return f"'tiling' has merge {tiling['merge']!r}, not a name"
    return None


def _golden_problem(golden: object) -> str | None:
    if golden is None:
        return None
    if not isinstance(golden, dict) or not isinstance(golden.get("images", []), list):
        return "'golden' is not a table with a list of 'images'"
    tolerance = golden.get("tolerance", {})
    if not isinstance(tolerance, dict) or not all(isinstance(v, (int, float)) for v in tolerance.values()):
        return "'golden' has a 'tolerance' that is not a number per precision"
    for entry in golden.get("images", []):
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("file"), str)
            and isinstance(entry.get("verdict"), str)
            and _is_int(entry.get("n_defects"))
            and isinstance(entry.get("summary"), dict)
        ):
            return "'golden' holds an image entry without its 'file', 'verdict', 'n_defects' and 'summary'"
    return None


def manifest_problem(manifest: dict[str, Any]) -> str | None:
    """Why a manifest that has every section still cannot be run (a section of the wrong shape)."""
    task = manifest["task"]
    if task not in TASKS:
        return f"has task {task!r}; this runtime runs {', '.join(TASKS)}"
    files = manifest["files"]
    if not isinstance(files, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in files.items()
    ):
        return "has 'files' that is not a table of file names and sha256 hashes"
    inp = manifest["input"]
    if not isinstance(inp, dict) or not _is_int(inp.get("channels")) or inp["channels"] < 1:
        return "has no whole number of image channels in 'input'"
    problem = (
        _classes_problem(manifest["classes"])
        or _tiling_problem(manifest["tiling"])
        or _models_problem(manifest["models"], files)
        or _golden_problem(manifest.get("golden"))
    )
    if problem:
        return f"is unusable: {problem}"
    try:
        DecisionConfig.from_dict(manifest["decision"])
    except (WorkbenchError, KeyError, TypeError, ValueError, AttributeError) as exc:
        return "has an unusable 'decision': " + (f"it lacks {exc}" if isinstance(exc, KeyError) else str(exc))
    return None
