"""Time re-deciding stored score maps at a new threshold (a benchmark, not a test).

Builds 200 synthetic 512x512 score maps and 3 of 2448x2048 (smooth background, a few blobs,
scattered specks), prepares them once, then re-decides all of them at new thresholds and
compares with deciding from the full maps each time.

    python bench/decide_speed.py
"""

from __future__ import annotations

import time

import cv2
import numpy as np

from workbench.core.decision_regions import prepare
from workbench.core.decisions import ClassRule, DecisionConfig, decide, redecide
from workbench.runtime.cpu_info import cpu_info


def synthetic_map(rng: np.random.Generator, height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """A one-class score map with a few defects and noise, and a matching grey image."""
    noise = rng.random((height // 8, width // 8)).astype(np.float32) * 0.3
    score = cv2.resize(noise, (width, height), interpolation=cv2.INTER_LINEAR)
    for _ in range(rng.integers(0, 4)):
        y, x = rng.integers(20, height - 20), rng.integers(20, width - 20)
        cv2.circle(score, (int(x), int(y)), int(rng.integers(2, 15)), float(rng.uniform(0.4, 1.0)), -1)
    specks = rng.random((height, width)) > 0.9995
    score[specks] = rng.uniform(0.3, 0.9, int(specks.sum())).astype(np.float32)
    image = rng.integers(90, 110, (height, width), dtype=np.uint8)
    return score[None], image


def main() -> None:
    print(cpu_info().summary(), flush=True)  # figures are only comparable between like CPUs
    rng = np.random.default_rng(0)
    data = [synthetic_map(rng, 512, 512) for _ in range(200)]
    data += [synthetic_map(rng, 2048, 2448) for _ in range(3)]
    t0 = time.perf_counter()
    prepared = [prepare(m, img, floor=0.2) for m, img in data]
    t_prepare = time.perf_counter() - t0

    def config(threshold: float) -> DecisionConfig:
        return DecisionConfig([ClassRule(1, "defect", threshold, min_area_px=10)])

    for threshold in (0.5, 0.35, 0.8):
        t0 = time.perf_counter()
        fast = redecide(prepared, config(threshold))
        t_fast = time.perf_counter() - t0
        t0 = time.perf_counter()
        slow = [decide(m, config(threshold), img) for m, img in data]
        t_slow = time.perf_counter() - t0
        assert fast == slow, "prepared and full-map decisions differ"
        n_ng = sum(d.verdict == "NG" for d in fast)
        print(
            f"threshold {threshold}: re-decide {len(data)} maps {t_fast * 1000:.0f} ms "
            f"(full decide {t_slow * 1000:.0f} ms, {t_slow / t_fast:.1f}x), {n_ng} NG"
        )
    print(f"prepare once (floor 0.2): {t_prepare * 1000:.0f} ms")


if __name__ == "__main__":
    main()
