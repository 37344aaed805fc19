"""Image IO speed: write + read of a 2448x2048 camera frame per format and depth (not a test).

    .venv/bin/python bench/imageio_speed.py [--repeat 3]

Times `write_image` + `read_image` (atomic write with fsync, validation on read, RGB order) and,
as the baseline measured in the same run, bare `cv2.imwrite` + `cv2.imread` of the same array
and format into the same folder: the ratio is what the workbench's safety adds to the codec.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import cv2
import numpy as np

from workbench.core.imageio import read_image, write_image
from workbench.runtime.bench import time_call
from workbench.runtime.cpu_info import cpu_info

H, W = 2048, 2448


def camera_frame(channels: int, dtype: type) -> np.ndarray:
    """Smooth shading plus sensor noise: compresses like a real frame, unlike zeros or pure noise."""
    rng = np.random.default_rng(0)
    top = 4095 if dtype == np.uint16 else 255
    ramp = np.linspace(0.3, 0.7, W, dtype=np.float32)[None, :] * np.ones((H, 1), np.float32)
    frame = ramp[..., None] * top + rng.normal(0, top * 0.02, (H, W, channels)).astype(np.float32)
    out = np.clip(frame, 0, top).astype(dtype)
    return out[..., 0] if channels == 1 else out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(cpu_info().summary(), flush=True)
    cases = [
        ("png  8-bit grey", ".png", camera_frame(1, np.uint8)),
        ("png  8-bit RGB", ".png", camera_frame(3, np.uint8)),
        ("png 16-bit grey", ".png", camera_frame(1, np.uint16)),
        ("tif  8-bit RGB", ".tif", camera_frame(3, np.uint8)),
        ("bmp  8-bit grey", ".bmp", camera_frame(1, np.uint8)),
    ]
    print(f"{W}x{H}, write + read, median of {args.repeat}")
    print(f"{'format':16} {'cv2 ms':>9} {'workbench ms':>13} {'ratio':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        for label, suffix, img in cases:
            plain_path, ours_path = Path(tmp) / f"plain{suffix}", Path(tmp) / f"ours{suffix}"

            def plain(path: Path = plain_path, img: np.ndarray = img) -> np.ndarray | None:
                cv2.imwrite(str(path), img)
                return cv2.imread(str(path), cv2.IMREAD_UNCHANGED)

            def ours(path: Path = ours_path, img: np.ndarray = img) -> np.ndarray:
                write_image(path, img)
                return read_image(path)

            back = ours()
            if back.shape != img.shape or not np.array_equal(back, img):
                raise SystemExit(f"{label}: the round trip changed the image; fix that before timing")
            base = time_call(plain, args.repeat)
            t = time_call(ours, args.repeat)
            print(f"{label:16} {base:9.1f} {t:13.1f} {t / base:6.2f}x")
    print("ratio = workbench time / bare OpenCV time (1.00 = no overhead); below 1 where the workbench")
    print("writes that format with other settings than OpenCV's defaults (TIFF: tifffile, uncompressed)")


if __name__ == "__main__":
    main()
