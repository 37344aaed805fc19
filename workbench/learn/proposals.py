"""Predicted label maps ("proposals") of a finished run, for review and prediction->label.

``runs/<id>/proposals/<sample_id>.png`` holds uint8 class ids (0 = background) where a class's
probability reaches its threshold in the run's decision config (the most probable class wins
where several do); ``proposals/index.json`` holds each sample's image score and verdict.
Classification runs give no pixel map, only the index.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from workbench.core.atomic import atomic_write_bytes, atomic_write_json
from workbench.core.cancel import CancelToken, Progress, no_progress
from workbench.core.decisions import DecisionConfig, decide, image_score
from workbench.core.project import Project, now_iso
from workbench.core.types import Sample
from workbench.learn.infer import load_run

INDEX_FILE = "index.json"


def label_map(score_map: np.ndarray, config: DecisionConfig, class_ids: list[int]) -> np.ndarray:
    """``(K,H,W)`` probabilities -> ``H x W`` uint8 class ids above each class threshold."""
    rules = config.rules_for(score_map.shape[0])
    thresholds = np.array([config.ng_threshold(r) for r in rules], np.float32).reshape(-1, 1, 1)
    above = score_map >= thresholds
    masked = np.where(above, score_map, -1.0)
    best = masked.argmax(axis=0)
    ids = np.asarray(class_ids, np.uint8)
    return np.where(above.any(axis=0), ids[best], 0).astype(np.uint8)


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
    config = DecisionConfig.from_dict(run.config.get("decision") or {})
    class_ids = [int(c["id"]) for c in run.config["classes"]]
    out_dir = project.run_dir(run_id) / "proposals"
    out_dir.mkdir(parents=True, exist_ok=True)
    entries: dict[str, Any] = {}
    for i, sample in enumerate(samples):
        if cancel is not None:
            cancel.raise_if_cancelled()
        image = project.read_image(sample, channel=None)
        score_map = run.predict(image)
        decision = decide(score_map, config)
        entry: dict[str, Any] = {
            "name": sample.name,
            "score": image_score(score_map),
            "verdict": decision.verdict,
            "defects": len(decision.defects),
        }
        if run.task != "classification":
            ok, buf = cv2.imencode(".png", label_map(score_map, config, class_ids))
            if ok:
                atomic_write_bytes(out_dir / f"{sample.id}.png", buf.tobytes())
                entry["proposal"] = f"{sample.id}.png"
        entries[str(sample.id)] = entry
        progress((i + 1) / len(samples), f"predicted {i + 1}/{len(samples)}")
    previous = _read_index(out_dir / INDEX_FILE)
    merged = (run.config.get("train") or {}).get("class_mode") == "merge"
    index = {
        "run_id": run_id,
        "created_at": now_iso(),
        "classes": run.config["classes"],
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
