"""`workbench import` says how many masks it thresholded, as a note and in the JSON report."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np

from workbench.cli import main
from workbench.core.imageio import write_image
from workbench.core.project import Project


def _source(tmp_path: Path, make_images) -> Path:
    src = tmp_path / "src"
    make_images(src, ["scratch/a.png", "scratch/b.png"])
    grey_edges = np.zeros((32, 32), np.uint8)
    cv2.circle(grey_edges, (16, 16), 9, 255, -1, cv2.LINE_AA)
    write_image(src / "scratch" / "a_mask.png", grey_edges)
    write_image(src / "scratch" / "b_mask.png", np.where(grey_edges > 0, 255, 0).astype(np.uint8))
    return src


def test_import_notes_thresholded_masks(tmp_path: Path, make_images, capsys) -> None:
    Project.create(tmp_path / "proj").close()
    src = _source(tmp_path, make_images)

    assert main(["import", str(tmp_path / "proj"), str(src)]) == 0

    out = capsys.readouterr().out
    assert "0 file(s) skipped" in out
    assert "note: 1 mask(s) had grey values" in out


def test_import_json_counts_thresholded_masks(tmp_path: Path, make_images, capsys) -> None:
    Project.create(tmp_path / "proj").close()
    src = _source(tmp_path, make_images)

    assert main(["import", str(tmp_path / "proj"), str(src), "--json"]) == 0

    report = json.loads(capsys.readouterr().out)
    assert report["masks_thresholded"] == 1 and report["skipped"] == []
