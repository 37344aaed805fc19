"""Time the image health scan's two costly parts (a benchmark, not a test).

1. Measuring one 5 MP 12-bit colour image (exposure, sharpness, hash, fingerprint) on the
   1024-px working downscale, against the same measurement at full resolution.
2. Finding near-duplicates among N fingerprints with the matrix-product screen, against the
   naive way: the aligned pixel check on every pair (timed on a subset, scaled to all pairs).

    python bench/health_speed.py [--images 1000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from workbench.core import health
from workbench.core.phash import fingerprint, pixel_similarity, similar_pairs
from workbench.runtime.cpu_info import cpu_info


def best_of(repeats: int, fn) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def measure_large() -> None:
    img = np.random.default_rng(0).integers(0, 4096, (2048, 2448, 3)).astype(np.uint16)
    t_fast = best_of(3, lambda: health.measure_image(img))
    work_side = health.WORK_SIDE
    health.WORK_SIDE = 10**6  # no downscale: the naive full-resolution measurement
    try:
        t_full = best_of(3, lambda: health.measure_image(img))
    finally:
        health.WORK_SIDE = work_side
    print(
        f"measure 2448x2048x3 uint16: {t_fast * 1000:.0f} ms on the {work_side}-px downscale, "
        f"{t_full * 1000:.0f} ms at full resolution ({t_full / t_fast:.1f}x)"
    )


def find_duplicates(n: int) -> None:
    rng = np.random.default_rng(1)
    images = [rng.integers(60, 200, (int(rng.integers(150, 300)), 240)).astype(np.uint8) for _ in range(n)]
    images[-1] = images[0] // 2 + 20  # one brightness-changed copy, so there is something to find
    prints = [fingerprint(img) for img in images]
    t0 = time.perf_counter()
    found = similar_pairs(prints, health.DUPLICATE_SIMILARITY, health.DUPLICATE_LOOKALIKES_MAX)
    t_screen = time.perf_counter() - t0
    subset = prints[: min(n, 80)]
    t0 = time.perf_counter()
    for i in range(len(subset)):
        for j in range(i + 1, len(subset)):
            pixel_similarity(subset[i], subset[j])
    per_pair = (time.perf_counter() - t0) / max(len(subset) * (len(subset) - 1) // 2, 1)
    t_naive = per_pair * n * (n - 1) / 2
    print(
        f"near-duplicates among {n} fingerprints: {t_screen:.2f} s screened ({len(found)} pair found), "
        f"~{t_naive:.1f} s pair by pair ({per_pair * 1e6:.0f} us a pair; {t_naive / t_screen:.0f}x)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=1000, help="fingerprints to search (default 1000)")
    args = parser.parse_args()
    print(cpu_info().summary())
    measure_large()
    find_duplicates(args.images)


if __name__ == "__main__":
    main()
