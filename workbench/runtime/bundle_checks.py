"""The check a bundle passes before anything is unpacked: the sizes its zip declares.

``zip_problem`` returns what is wrong as a phrase (``None`` when nothing is), and ``runtime.bundle``
turns it into a :class:`BundleError` naming the file; the manifest is checked afterwards by its
type (``runtime.manifest.Manifest.from_dict``). The size checks read only the zip's central
directory, so a zip bomb (a few MB that unpack to many GB) is refused before a byte is unpacked.
The members' declared sizes can be trusted as upper bounds: ``zipfile`` never returns more than
a member declares, and a member that unpacks to anything else fails its CRC.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence

# A bundle is a manifest, up to four model variants of at most a few hundred MB, and a few
# golden images; it is held in memory whole, so these bound what opening one may cost.
MAX_TOTAL_BYTES = 4 * 1024**3
MAX_MEMBERS = 1000
# Deflate shrinks model weights ~1.1x and camera images a few times; a bomb's members ~1000x.
MAX_RATIO = 100
# Below this a member may compress as well as it likes (a manifest, a flat synthetic golden image).
RATIO_FLOOR_BYTES = 32 * 1024**2


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
