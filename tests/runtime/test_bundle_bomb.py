"""Zip bombs are refused before a byte is unpacked; hand-made manifests of the wrong shape give
one clear message, never a KeyError or ValueError."""

from __future__ import annotations

import functools
import json
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest

from workbench.runtime.bundle import BundleError, open_bundle
from workbench.runtime.bundle_checks import MAX_TOTAL_BYTES, RATIO_FLOOR_BYTES
from workbench.runtime.cli import main as run_main

MIB = 1024**2


@functools.lru_cache(maxsize=4)
def _zeros_deflated(size: int) -> tuple[bytes, int]:
    """``size`` zero bytes as a raw deflate stream (~1000x smaller), and their CRC."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = bytes(MIB)
    data = b"".join(packer.compress(chunk) for _ in range(size // MIB)) + packer.flush()
    return data, zlib.crc32(bytes(size))


def write_bomb(path: Path, members: int, member_bytes: int) -> Path:
    """A zip whose members each declare ``member_bytes`` of zeros, written by hand so that the
    stream is compressed once; the first member is a small manifest."""
    stream, crc = _zeros_deflated(member_bytes)
    manifest = json.dumps({"format": "defect-workbench-bundle"}).encode()
    entries = [("manifest.json", zlib.compress(manifest)[2:-4], zlib.crc32(manifest), len(manifest))]
    entries += [(f"golden/{i:03d}.tif", stream, crc, member_bytes) for i in range(members)]
    body, central = bytearray(), bytearray()
    for name, data, member_crc, size in entries:
        raw = name.encode()
        sizes = (member_crc, len(data), size)
        offset = len(body)
        central += struct.pack(
            "<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, *sizes, len(raw), 0, 0, 0, 0, 0, offset
        )
        central += raw
        body += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0, *sizes, len(raw), 0) + raw + data
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(central), len(body), 0)
    path.write_bytes(bytes(body + central + end))
    return path


@pytest.fixture()
def nothing_unpacked(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a member was unpacked")

    monkeypatch.setattr(zipfile.ZipFile, "open", refuse)


@pytest.mark.parametrize(
    ("members", "member_bytes", "why"),
    [
        (1, 64 * MIB, r"member 'golden/000\.tif' would unpack to 64 MB from 6\d(\.\d)? kB \(\d+ times"),
        (60, 16 * MIB, r"its members would unpack to 960 MB from a \d.* file \(\d+ times"),
        (300, 16 * MIB, r"its members would unpack to 4\.7 GB, more than a bundle may hold \(4 GB\)"),
    ],
)
def test_zip_bombs_are_refused_before_any_member_is_unpacked(
    tmp_path: Path, nothing_unpacked: None, members: int, member_bytes: int, why: str
) -> None:
    assert member_bytes <= RATIO_FLOOR_BYTES or members == 1
    assert members * member_bytes > RATIO_FLOOR_BYTES
    bomb = write_bomb(tmp_path / "bomb.wbx", members, member_bytes)
    with pytest.raises(BundleError, match=r"refused before anything is unpacked: " + why) as info:
        open_bundle(bomb)
    assert "\n" not in str(info.value)


def test_a_bundle_within_the_limits_still_opens(bundle_path: Path) -> None:
    assert bundle_path.stat().st_size < MAX_TOTAL_BYTES
    assert open_bundle(bundle_path).task == "segmentation"


# The peak resident size of this process image: VmHWM belongs to the address space that exec made,
# while getrusage's ru_maxrss survives exec and so starts at the forking test runner's size.
MEASURE = """
import sys
from workbench.runtime.cli import main
code = main(["verify", sys.argv[1]])
with open("/proc/self/status") as status:
    hwm = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
print("peak_kib", hwm, file=sys.stderr)
sys.exit(code)
"""


def test_verify_refuses_a_bomb_in_a_real_process_within_1_gb(tmp_path: Path) -> None:
    """1.5 GB declared in 1.6 MB: every member is under the old per-member cap, so reading it used
    to take the whole 1.5 GB; now the process never comes near it."""
    bomb = write_bomb(tmp_path / "bomb.wbx", 24, 64 * MIB)
    assert bomb.stat().st_size < 4 * MIB
    proc = subprocess.run(
        [sys.executable, "-c", MEASURE, str(bomb)], capture_output=True, text=True, timeout=300
    )
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(lines) == 2 and lines[0].startswith("error: ") and "zip bomb" in lines[0], lines
    peak = int(lines[1].split()[1]) * 1024  # Linux reports KiB
    assert peak < 1024**3, f"peak RSS {peak / MIB:.0f} MB"


def _contents(path: Path) -> tuple[dict[str, Any], dict[str, bytes]]:
    with zipfile.ZipFile(path) as zf:
        files = {n: zf.read(n) for n in zf.namelist()}
    return json.loads(files.pop("manifest.json")), files


def _set(manifest: dict[str, Any], dotted: str, value: object) -> None:
    *path, last = dotted.split(".")
    node = manifest
    for key in path:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if value is KeyError:
        del node[last]
    else:
        node[last] = value


@pytest.mark.parametrize(
    ("change", "value", "why"),
    [
        ("task", "detection", r"task 'detection'; this runtime runs segmentation"),
        ("input.channels", "3", r"no whole number of image channels"),
        ("input", KeyError, r"lacks 'input'"),
        ("classes", [{"name": "spot"}], r"'classes' holds .*whole-number 'id'"),
        ("tiling.tile", KeyError, r"'tiling' needs whole numbers 0 <= overlap < tile"),
        ("tiling.overlap", 64, r"'tiling' needs whole numbers"),
        ("tiling.pad_multiple", "x", r"pad_multiple 'x'"),
        ("models.onnx.path", KeyError, r"'models' entry 'onnx' lacks its file name"),
        ("models.onnx.path", "other.onnx", r"names 'other\.onnx', which 'files' does not list"),
        ("decision.classes", [{"klass": 1}], r"unusable 'decision'"),
        ("decision", [], r"unusable 'decision'"),
        ("golden.images.0.n_defects", KeyError, r"'golden' holds an image entry without"),
        ("golden.tolerance", {"fp32": "tight"}, r"'tolerance' that is not a number"),
    ],
)
def test_hand_made_manifest_of_the_wrong_shape_is_one_clear_error(
    bundle_path: Path, rebuild, change: str, value: object, why: str, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest, files = _contents(bundle_path)
    _set(manifest, change, value)
    path = rebuild(manifest, files)  # consistent: every hash matches
    with pytest.raises(BundleError, match=r"manifest\.json .*" + why):
        open_bundle(path)
    assert run_main(["verify", str(path)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err, err
