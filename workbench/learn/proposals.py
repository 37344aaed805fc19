"""Predicted label maps ("proposals") of a finished run, for review and prediction->label.

``runs/<id>/proposals/<sample_id>.png`` holds uint8 class ids (0 = background): the pixels of each
class under the run's decision config, by the rule decisions use (``core.class_pixels``): the
pixels whose regions the verdict measured (before area rules); ``proposals/index.json`` holds each
sample's image score and verdict. Classification runs give no pixel map, only the index.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import cv2

from workbench.core.atomic import atomic_write_bytes, atomic_write_json
from workbench.core.cancel import CancelToken, Progress, no_progress
from workbench.core.class_pixels import label_map
from workbench.core.project import Project, now_iso
from workbench.core.types import Sample
from workbench.learn.infer import load_run
from workbench.learn.log_lines import PREDICTED

INDEX_FILE = "index.json"


def write_proposals(
    project: Project,
    run_id: str,
    samples: list[Sample],
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> dict[str, Any]:
    """Predict ``samples`` with run ``run_id``; write label maps and merge them into the index.

    Returns the index entries of ``samples`` only (earlier entries of other samples stay in the file).
    """
    run = load_run(project.root, run_id)
    config = run.decision_config
    thresholds = config.pixel_thresholds(len(config.classes))
    outlines = config.outline_levels(len(config.classes))
    class_ids = [r.class_id for r in config.classes]
    out_dir = project.run_dir(run_id) / "proposals"
    out_dir.mkdir(parents=True, exist_ok=True)
    entries: dict[str, Any] = {}
    for i, sample in enumerate(samples):
        if cancel is not None:
            cancel.raise_if_cancelled()
        result = run.inspect(project.read_image(sample, channel=None), return_scores=True)
        assert result.score_map is not None
        entry: dict[str, Any] = {
            "name": sample.name,
            "score": result.image_score,
            "verdict": result.verdict,
            "defects": len(result.defects),
        }
        if run.task != "classification":
            ok, buf = cv2.imencode(".png", label_map(result.score_map, thresholds, class_ids, outlines))
            if ok:
                atomic_write_bytes(out_dir / f"{sample.id}.png", buf.tobytes())
                entry["proposal"] = f"{sample.id}.png"
        entries[str(sample.id)] = entry
        progress((i + 1) / len(samples), PREDICTED(done=i + 1, total=len(samples)))
    previous = _read_index(out_dir / INDEX_FILE)
    merged = project.run(run_id).config.train.class_mode == "merge"
    index = {
        "run_id": run_id,
        "created_at": now_iso(),
        "classes": run.config.class_dicts(),
        # a merged run's one channel stands for every defect class: pick the class when accepting
        "merged_classes": merged,
        "samples": {**previous, **entries},
    }
    atomic_write_json(out_dir / INDEX_FILE, index)
    return {**index, "samples": entries}


def _read_index(path: Path) -> dict[str, Any]:
    """Entries of an earlier prediction of other samples, kept when predicting a subset."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    samples = data.get("samples") if isinstance(data, dict) else None
    return samples if isinstance(samples, dict) else {}
