"""Canvas speed: time to open a 2448x2048 image and time per brush-move update with the overlay shown.

    python bench/canvas_speed.py            (runs offscreen; target: a brush move under 16 ms)

A brush move is what happens per mouse-move event: rasterise the segment, write it into the label
map, recolour the overlay's dirty rectangle, and repaint that part of the viewport.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import cv2
import numpy as np
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtTest import QTest

from workbench.core.project import Project
from workbench.gui.app import make_app
from workbench.gui.canvas_view import CanvasView
from workbench.gui.display import default_window, display_image
from workbench.runtime.cpu_info import cpu_info

H, W = 2048, 2448
TARGET_MS = 16.0


def _make_project(root: Path) -> int:
    rng = np.random.default_rng(0)
    img = cv2.GaussianBlur(rng.integers(0, 255, (H, W, 3), dtype=np.uint8), (0, 0), 3)
    path = root / "big.png"
    cv2.imwrite(str(path), img)
    with Project.create(root / "proj") as p:
        p.add_class("scratch")
        mask = np.zeros((H, W), np.uint8)
        mask[500:900, 700:1500] = 1
        sample, _ = p.add_sample([path], mask=mask)
    return sample.id


def main() -> int:
    print(cpu_info().summary(), flush=True)  # figures are only comparable between like CPUs
    app = make_app()
    with tempfile.TemporaryDirectory() as tmp:
        sid = _make_project(Path(tmp))
        project = Project.open(Path(tmp) / "proj")
        view = CanvasView()
        view.resize(1400, 900)
        view.show()
        QTest.qWaitForWindowExposed(view)
        t0 = time.perf_counter()
        sample = project.sample(sid)
        image = project.read_image(sample, channel=None)
        display = display_image(image, -1, *default_window(image))
        view.load(display, project.read_mask(sample), {c.id: c.color for c in project.classes()})
        view.viewport().repaint()
        open_ms = (time.perf_counter() - t0) * 1000
        view.actual_size()  # 1:1 is the heaviest case: every screen pixel is an image pixel
        view.centerOn(W / 2, H / 2)
        times, full = [], []
        editor = view.editor
        assert editor is not None
        view.refresh_rect(editor.begin_stroke((W / 2 - 300, H / 2), 12, 1))
        for k in range(300):
            pos = QPointF(W / 2 - 300 + 2 * k, H / 2 + 80 * np.sin(k / 20))
            t = time.perf_counter()
            rect = editor.extend_stroke((pos.x(), pos.y()))
            view.refresh_rect(rect)
            # What Qt repaints for this update (MinimalViewportUpdate): the stroke's dirty rectangle.
            dirty = view.mapFromScene(QRectF(rect.x0, rect.y0, rect.width, rect.height)).boundingRect()
            view.viewport().repaint(dirty.adjusted(-2, -2, 2, 2))
            times.append((time.perf_counter() - t) * 1000)
            if k % 10 == 0:  # the worst case: the whole 1400x900 viewport repainted per move
                t = time.perf_counter()
                view.viewport().repaint()
                full.append((time.perf_counter() - t) * 1000)
        editor.end_stroke()
        view.fit()
        fit_times = []
        for k in range(100):
            view.refresh_rect(editor.begin_stroke((300 + 5 * k, 300), 12, 1))
            t = time.perf_counter()
            view.refresh_rect(editor.extend_stroke((305 + 5 * k, 310)))
            view.viewport().repaint()  # whole viewport: at fit the stroke is a few screen pixels
            fit_times.append((time.perf_counter() - t) * 1000)
            editor.end_stroke()
        project.close()
    med, p95 = statistics.median(times), sorted(times)[int(len(times) * 0.95)]
    print(f"image {W}x{H} RGB, overlay shown, offscreen ({app.platformName()})")
    print(f"open image (read + display + overlay + first paint): {open_ms:7.1f} ms")
    print(f"brush move at 1:1   median {med:6.2f} ms   p95 {p95:6.2f} ms   target < {TARGET_MS} ms")
    print(f"whole-viewport repaint at 1:1 (worst case)  median {statistics.median(full):6.2f} ms")
    print(f"brush move at fit + whole repaint  median {statistics.median(fit_times):6.2f} ms")
    print(f"ratio to target (p95 / {TARGET_MS} ms): {p95 / TARGET_MS:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
