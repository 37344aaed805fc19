"""bench/real_sets.py's pieces: the edge margin leaves out defects the cut left only a rim of."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import real_sets  # bench/ is a folder of scripts, not a package


def test_the_edge_margin_leaves_out_rims_of_defects_and_the_pieces_beside_them(tmp_path: Path) -> None:
    image = np.full((320, 320, 3), 120, np.uint8)
    mask = np.zeros((320, 320), np.uint8)
    mask[76:84, 76:84] = 1  # piece y0x0: a defect well inside it
    mask[155:160, 200:208] = 1  # piece y0x160: 40 px of a defect along its bottom edge...
    # ... which lies within 8 px above piece y160x160, otherwise clean; piece y160x0 is far from both
    cv2.imwrite(str(tmp_path / "photo.png"), image)
    src = real_sets.Source("photo", tmp_path / "photo.png", lambda shape: mask)
    info = real_sets.SETS["crackforest"]  # 160-pixel pieces
    assert info.piece == 160
    found = {}
    for edge in (0, 8):
        out = tmp_path / f"edge{edge}"
        result = real_sets.Prepared(out, info, {"test": Counter()})
        real_sets._write_pieces(src, out, info, (20, edge), result.parts["test"], result)
        names = sorted(p.stem for p in out.rglob("*.png") if not p.stem.endswith("_mask"))
        found[edge] = (dict(result.parts["test"]), result.ambiguous, result.edge, names)
    every = ["photo_y0x0", "photo_y0x160", "photo_y160x0", "photo_y160x160"]
    assert found[0] == ({"ng": 2, "ok": 2}, 0, 0, every)
    assert found[8] == ({"ng": 1, "ok": 1}, 2, 2, ["photo_y0x0", "photo_y160x0"])
    assert (tmp_path / "edge8" / "NG" / "crack" / "photo_y0x0_mask.png").is_file()
    assert (tmp_path / "edge8" / "OK" / "photo_y160x0.png").is_file()
