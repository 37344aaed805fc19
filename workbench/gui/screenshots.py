"""`python -m workbench.gui.screenshots OUTDIR`: PNGs of every page for the README.

Opens a copy of the sample project offscreen (the original is never touched), and saves the
start page, the data grid and table, the canvas with a mask under each tool, and the Train,
Evaluate and Export pages with the project's newest run, evaluation and bundles, in the light
theme and a few in the dark one; in English into OUTDIR and in Chinese into OUTDIR/zh.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QPoint, QPointF, QSettings, Qt, QTimer
from PySide6.QtTest import QTest

from workbench.core.project import Project
from workbench.gui.app import make_app
from workbench.gui.i18n import install_language
from workbench.gui.sample_project import generate_sample_project, sample_project_path
from workbench.gui.screenshot_pages import shoot_job_pages
from workbench.gui.settings import add_recent_project
from workbench.gui.theme import apply_theme

SIZE = (1440, 900)


def wait(ms: int) -> None:
    """Let queued events (thumbnails, repaints) run for ``ms`` milliseconds."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def _project_copy(source: Path | None, work: Path) -> Path:
    """A private copy of the sample project (generated when there is none)."""
    target = work / "Sample inspection project"
    if source is None:
        generate_sample_project(target)
    else:
        shutil.copytree(source, target, ignore=shutil.ignore_patterns(".lock", "cache"))
    return target


def _pick_ng_sample(project_root: Path) -> tuple[list[int], int]:
    with Project.open(project_root, readonly=True) as p:
        samples = p.samples()
        masked = [s for s in samples if s.has_mask and s.width * s.height <= 1024 * 1024]

        # Most classes and a clearly visible mask; the file size keeps the PNGs in git small.
        def score(s: object) -> tuple[int, float]:
            coverage = float((p.read_mask(s) > 0).mean())  # type: ignore[arg-type]
            size_mb = p.image_path(s).stat().st_size / 1e6  # type: ignore[arg-type]
            return len(s.classes), min(coverage, 0.05) * 100 - size_mb  # type: ignore[attr-defined]

        chosen = max(masked or samples, key=score)
        return [s.id for s in samples], chosen.id


class Shooter:
    """Drives one window and saves numbered screenshots."""

    def __init__(self, outdir: Path, window: object) -> None:
        self.outdir = outdir
        self.win = window
        self.saved: list[Path] = []

    def save(self, name: str) -> None:
        wait(250)
        path = self.outdir / f"{name}.png"
        self.win.grab().save(str(path))  # type: ignore[attr-defined]
        self.saved.append(path)

    def vp(self, x: float, y: float) -> QPoint:
        return self.win.label_page.canvas.mapFromScene(QPointF(x, y))  # type: ignore[attr-defined]

    def canvas_tools(self, suffix: str = "") -> None:
        page = self.win.label_page  # type: ignore[attr-defined]
        canvas = page.canvas
        vp = canvas.viewport()
        h, w = canvas.editor.shape
        cx, cy = w * 0.5, h * 0.5
        page.set_tool("brush")
        page.options_bar.set_brush_diameter(max(8, w // 60))
        QTest.mousePress(vp, Qt.MouseButton.LeftButton, pos=self.vp(cx - w * 0.25, cy + h * 0.3))
        for k in range(1, 21):
            QTest.mouseMove(vp, self.vp(cx - w * 0.25 + k * w * 0.01, cy + h * 0.3 - k * h * 0.004))
        QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=self.vp(cx - w * 0.05, cy + h * 0.22))
        QTest.mouseMove(vp, self.vp(cx - w * 0.03, cy + h * 0.2))
        self.save(f"canvas-brush{suffix}")
        page.set_tool("eraser")
        QTest.mouseMove(vp, self.vp(cx - w * 0.1, cy + h * 0.25))
        self.save(f"canvas-eraser{suffix}")
        page.set_tool("polygon")
        for x, y in ((0.15, 0.15), (0.35, 0.12), (0.4, 0.3)):
            QTest.mouseClick(vp, Qt.MouseButton.LeftButton, pos=self.vp(w * x, h * y))
        QTest.mouseMove(vp, self.vp(w * 0.2, h * 0.35))
        self.save(f"canvas-polygon{suffix}")
        page.canvas.tool.cancel()
        for tool in ("grabcut", "threshold"):
            page.set_tool(tool)
            QTest.mousePress(vp, Qt.MouseButton.LeftButton, pos=self.vp(w * 0.6, h * 0.15))
            QTest.mouseMove(vp, self.vp(w * 0.85, h * 0.4))
            self.save(f"canvas-{tool}{suffix}")
            page.canvas.tool.cancel()
        page.set_tool("wand")
        QTest.mouseMove(vp, self.vp(w * 0.7, h * 0.7))
        self.save(f"canvas-wand{suffix}")
        page.set_tool("prediction")
        self.save(f"canvas-prediction{suffix}")
        while page.can_undo:
            page.undo()


def take(outdir: Path, project: Path | None = None, dark: bool = True, lang: str = "en") -> list[Path]:
    """Save the screenshots, with the window in language ``lang``, into ``outdir``; returns their paths."""
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="wb-shots-") as tmp:
        work = Path(tmp)
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(work / "settings"))
        root = _project_copy(project or sample_project_path(), work)
        app = make_app()
        apply_theme(app, "light")
        install_language(lang)
        from workbench.gui.main_window import MainWindow

        add_recent_project(root)
        win = MainWindow()
        win.resize(*SIZE)
        win.show()
        win.show_start()
        shooter = Shooter(outdir, win)
        shooter.save("start")
        win.open_project(root)
        win.data_page.set_view("grid")
        wait(2500)  # thumbnails are made in the background
        shooter.save("data-grid")
        win.data_page.set_view("table")
        shooter.save("data-table")
        ids, chosen = _pick_ng_sample(root)
        win.data_page.open_in_label.emit(ids, chosen)
        shooter.canvas_tools()
        shoot_job_pages(shooter, wait)
        if dark:
            win.close()
            apply_theme(app, "dark")
            win = MainWindow()
            win.resize(*SIZE)
            win.show()
            shooter.win = win
            win.open_project(root)
            win.data_page.set_view("grid")
            wait(1500)
            shooter.save("data-grid-dark")
            win.data_page.open_in_label.emit(ids, chosen)
            page = win.label_page
            page.set_tool("brush")
            QTest.mouseMove(
                page.canvas.viewport(), shooter.vp(*(v * 0.5 for v in reversed(page.canvas.editor.shape)))
            )
            shooter.save("canvas-brush-dark")
        win.close()
        return shooter.saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workbench.gui.screenshots", description=__doc__)
    parser.add_argument("outdir", help="folder for the PNG files (e.g. docs/screenshots)")
    parser.add_argument("--project", help="project to show (default: the sample project)")
    parser.add_argument("--no-dark", action="store_true", help="skip the dark-theme screenshots")
    parser.add_argument(
        "--lang", choices=("en", "zh_CN", "all"), default="all", help="window language (default: both)"
    )
    args = parser.parse_args(argv)
    project = Path(args.project) if args.project else None
    if args.lang == "all":
        # One process per language: a second window in the same QApplication after the first was
        # torn down crashes Qt when the style is set again, and a fresh process is cheap.
        for lang, sub in (("en", ""), ("zh_CN", "zh")):
            cmd = [
                sys.executable,
                "-m",
                "workbench.gui.screenshots",
                str(Path(args.outdir) / sub),
                "--lang",
                lang,
            ]
            cmd += ["--project", args.project] if args.project else []
            cmd += ["--no-dark"] if args.no_dark or lang != "en" else []
            if subprocess.call(cmd) != 0:
                return 1
        return 0
    # The Chinese set repeats the light pages only: the dark ones show nothing new about wording.
    saved = take(Path(args.outdir), project, dark=not args.no_dark and args.lang == "en", lang=args.lang)
    for path in saved:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
