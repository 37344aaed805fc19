"""Time re-deciding a stored 200-image evaluation at new thresholds (a benchmark, not a test).

Builds a throw-away project with 200 parts of 512x512 and 3 of 2448x2048, evaluates it with a
"model" that returns synthetic score maps (smooth background, a few blobs, specks), then loads
the evaluation from disk and re-decides every image at several thresholds, as the threshold
slider and `workbench redecide` do. Target: a full re-decision well under one second.

    python bench/redecide_speed.py [--background 0.3]
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from workbench.core.decisions import decide
from workbench.core.evaluation import EvaluationSession, run_evaluation, with_overrides
from workbench.core.imageio import write_image
from workbench.core.project import Project
from workbench.runtime.cpu_info import cpu_info


def synthetic(rng: np.random.Generator, h: int, w: int, background: float) -> tuple[np.ndarray, np.ndarray]:
    """A grey part image and a one-class score map with 0-3 defects and scattered specks."""
    noise = rng.random((h // 8, w // 8)).astype(np.float32) * background
    score = cv2.resize(noise, (w, h), interpolation=cv2.INTER_LINEAR)
    for _ in range(rng.integers(0, 4)):
        y, x = rng.integers(20, h - 20), rng.integers(20, w - 20)
        cv2.circle(score, (int(x), int(y)), int(rng.integers(2, 15)), float(rng.uniform(0.4, 1.0)), -1)
    specks = rng.random((h, w)) > 0.9995
    score[specks] = rng.uniform(0.3, 0.9, int(specks.sum())).astype(np.float32)
    image = rng.integers(90, 110, (h, w), dtype=np.uint8)
    return score[None], image


def build(root: Path, background: float) -> tuple[Project, dict[str, np.ndarray]]:
    rng = np.random.default_rng(0)
    project = Project.create(root / "proj")
    maps: dict[str, np.ndarray] = {}
    sizes = [(512, 512)] * 200 + [(2048, 2448)] * 3
    for i, (h, w) in enumerate(sizes):
        score, image = synthetic(rng, h, w, background)
        path = root / f"part_{i}.png"
        write_image(path, image)
        label = "ng" if score.max() >= 0.4 and i % 3 else "ok"  # some NG parts the map misses
        project.add_sample([path], name=path.stem, label=label, split="test")
        maps[hashlib.sha1(image.tobytes()).hexdigest()] = score
    return project, maps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--background", type=float, default=0.3, help="top of the background score noise")
    args = parser.parse_args()
    print(cpu_info().summary(), flush=True)  # figures are only comparable between like CPUs
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        project, maps = build(Path(tmp), args.background)
        model = {"task": "segmentation", "classes": [{"id": 1, "name": "defect", "color": "#ff0000"}],
                 "decision": {"classes": [{"class_id": 1, "name": "defect", "threshold": 0.5,
                                           "min_area_px": 10}]}}  # fmt: skip
        predict = lambda image: maps[hashlib.sha1(image.tobytes()).hexdigest()]  # noqa: E731
        run_evaluation(project, predict, model, split="test", eval_id="bench")
        print(f"built and evaluated {len(maps)} images in {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        session = EvaluationSession.load(project, "bench")
        print(f"load the stored evaluation (read + prepare maps once): {time.perf_counter() - t0:.2f} s")
        for threshold in (0.5, 0.45, 0.62, 0.8, 0.35, 0.38):
            config = with_overrides(model["decision"], threshold)
            t0 = time.perf_counter()
            session.prepare_for(config)  # a step down the floor ladder prepares the maps once more
            t_prep = time.perf_counter() - t0
            if t_prep > 0.01:
                print(f"threshold {threshold}: a lower floor, maps prepared again in {t_prep:.2f} s")
            t0 = time.perf_counter()
            decisions, metrics = session.image_level(config)
            t_fast = time.perf_counter() - t0
            print(f"threshold {threshold}: re-decide {len(decisions)} images + image metrics "
                  f"{t_fast * 1000:.0f} ms; escape {metrics['image.escapes']}/{metrics['image.n_ng']}, "
                  f"overkill {metrics['image.overkills']}/{metrics['image.n_ok']}")  # fmt: skip
        case = session.cases[-1]
        t0 = time.perf_counter()
        full = decide(session.score_map(case.sample_id), config, project.read_image(case.sample_id, None))
        t_full = time.perf_counter() - t0
        assert full == decisions[-1], "stored-map decision differs from deciding the full map"
        print(f"for scale: one 2448x2048 map decided from scratch takes {t_full * 1000:.0f} ms")
        t0 = time.perf_counter()
        session.write_results(config)
        print(f"rewrite results, pixel metrics and report.html: {time.perf_counter() - t0:.2f} s")
        project.close()


if __name__ == "__main__":
    main()
