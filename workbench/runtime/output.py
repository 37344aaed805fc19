"""Result files of `workbench-run`: CSV / JSON tables and overlay images."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from workbench.core.atomic import atomic_write_text
from workbench.core.class_pixels import class_index_map, outline_index_map
from workbench.core.decisions import DecisionConfig
from workbench.core.imageio import to_uint8, write_image
from workbench.core.inference import InspectionResult

# ``n_vetoed``: regions the region classifier vetoed (0 for a one-stage bundle); last, so that a
# results file started by an older runtime keeps its columns in place.
CSV_COLUMNS = (
    "source",
    "verdict",
    "n_defects",
    "max_score",
    "time_ms",
    "width",
    "height",
    "error",
    "n_vetoed",
)
VETO_COLOUR = (160, 160, 160)  # the box of a vetoed region: grey, no class colour


def result_row(result: InspectionResult | None, source: str, error: str = "") -> dict[str, Any]:
    """One flat row (CSV / JSON lines) for a result, or for a file that failed."""
    if result is None:
        return {
            "source": source,
            "verdict": "ERROR",
            "n_defects": "",
            "max_score": "",
            "time_ms": "",
            "width": "",
            "height": "",
            "error": error,
            "n_vetoed": "",
        }
    return {
        "source": source,
        "verdict": result.verdict,
        "n_defects": len(result.defects),
        "max_score": round(result.image_score, 4),
        "time_ms": round(result.time_ms, 1),
        "width": result.width,
        "height": result.height,
        "error": "",
        "n_vetoed": len(result.vetoed),
    }


def write_results(
    path: str | os.PathLike[str], rows: Sequence[dict[str, Any]], details: Sequence[dict[str, Any]] = ()
) -> None:
    """Write rows as CSV, or (``.json``) the full details with defects, atomically."""
    p = Path(path)
    if p.suffix.lower() == ".json":
        atomic_write_text(p, json.dumps(list(details or rows), indent=2, ensure_ascii=False) + "\n")
        return
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    atomic_write_text(p, buf.getvalue())


def _rgb(color: str) -> tuple[int, int, int]:
    c = color.lstrip("#")
    return (int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)) if len(c) >= 6 else (255, 0, 0)


def overlay(
    image: np.ndarray,
    score_map: np.ndarray,
    classes: Sequence[dict[str, Any]],
    verdict: str,
    config: DecisionConfig,
    vetoed: Sequence[dict[str, Any]] = (),
) -> np.ndarray:
    """An RGB uint8 picture: the image with each class's outline pixels under ``config`` tinted
    (the decisions' own rule, ``core.class_pixels``, at the class's outline level) and the regions
    the decision judged (at the class threshold) edged along their inner border. With no outline
    level the tint and the edge cover the same pixels. Regions the region classifier ``vetoed``
    (``Decision.vetoed`` dicts) get a grey box labelled with their defect probability."""
    base = to_uint8(image)
    if base.ndim == 2:
        base = np.repeat(base[..., None], 3, axis=2)
    elif base.shape[2] != 3:
        base = np.repeat(base[..., :1], 3, axis=2)
    out = base.astype(np.float32)
    n = score_map.shape[0]
    judged = class_index_map(score_map, config.pixel_thresholds(n))
    drawn = outline_index_map(score_map, config.pixel_thresholds(n), config.outline_levels(n))
    # a classification map is one pixel for the image
    judged, drawn = np.broadcast_to(judged, out.shape[:2]), np.broadcast_to(drawn, out.shape[:2])
    for k in range(n):
        colour = _rgb(str(classes[k]["color"])) if k < len(classes) else (255, 0, 0)
        tint = np.ascontiguousarray(drawn == k)
        out[tint] = 0.5 * out[tint] + 0.5 * np.array(colour, np.float32)
        region = np.ascontiguousarray(judged == k)
        inner = cv2.erode(region.view(np.uint8), np.ones((3, 3), np.uint8), borderType=cv2.BORDER_REPLICATE)
        out[region & (inner == 0)] = colour
    picture = np.clip(out, 0, 255).astype(np.uint8)
    _draw_vetoed(picture, vetoed)
    text_colour = (0, 200, 0) if verdict == "OK" else (230, 0, 0)
    scale = max(0.5, picture.shape[1] / 800)
    cv2.putText(
        picture,
        verdict,
        (8, int(30 * scale)),
        cv2.FONT_HERSHEY_SIMPLEX,
        scale,
        text_colour,
        max(1, int(2 * scale)),
    )
    return picture


def _draw_vetoed(picture: np.ndarray, vetoed: Sequence[dict[str, Any]]) -> None:
    scale = max(0.35, picture.shape[1] / 1600)
    for d in vetoed:
        x, y, w, h = (int(d[k]) for k in ("x", "y", "w", "h"))
        cv2.rectangle(picture, (x - 2, y - 2), (x + w + 1, y + h + 1), VETO_COLOUR, 1)
        prob = d.get("defect_prob")
        label = "vetoed" if prob is None else f"vetoed {prob:.2f}"
        at = (max(x - 2, 0), y - 5 if y > 14 else y + h + int(14 * scale) + 2)
        cv2.putText(picture, label, at, cv2.FONT_HERSHEY_SIMPLEX, scale, VETO_COLOUR, 1)


def write_overlay(
    folder: Path,
    source: str,
    image: np.ndarray,
    result: InspectionResult,
    classes: Sequence[dict[str, Any]],
    config: DecisionConfig,
) -> Path:
    """Save the overlay of one result as ``<folder>/<stem>.overlay.png``."""
    assert result.score_map is not None
    target = folder / f"{Path(source).stem}.overlay.png"
    write_image(target, overlay(image, result.score_map, classes, result.verdict, config, result.vetoed))
    return target
