"""The data a run used (``core.snapshots``): compare two runs' data, restore a run's data as a project.

Two buttons under the Train page's run list. What changed is written into the page's log in plain
words; a restore runs in the thread pool and says where the new project is.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QInputDialog, QPushButton, QWidget

from workbench.core.errors import WorkbenchError
from workbench.core.project import Project
from workbench.core.snapshots import diff_runs, restore_snapshot
from workbench.gui import workers
from workbench.gui.retranslatable import Retranslatable


class RunDataWidget(Retranslatable, QWidget):
    """ "Compare data with..." and "Restore data as a project..." for the selected run."""

    report = Signal(str)  # sentences for the page's log
    failed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.compare_button = QPushButton()
        self.restore_button = QPushButton()
        self.compare_button.clicked.connect(self.compare)
        self.restore_button.clicked.connect(self.restore)
        row.addWidget(self.compare_button)
        row.addWidget(self.restore_button)
        row.addStretch(1)
        self.project: Project | None = None
        self.run_id: str | None = None
        self.runs: list[str] = []
        self._task: workers.Task | None = None
        # where a test answers the dialogs
        self.ask_run: Callable[[list[str]], str | None] = self._ask_run
        self.ask_folder: Callable[[], str | None] = self._ask_folder
        self.retranslate()
        self.set_run(None, None, [])

    def retranslate(self) -> None:
        self.compare_button.setText(self.tr("Compare data with…"))
        self.compare_button.setToolTip(
            self.tr("What changed in the data between this run and another: samples added, removed, "
                    "relabelled, masks redrawn")
        )  # fmt: skip
        self.restore_button.setText(self.tr("Restore data as a project…"))
        self.restore_button.setToolTip(
            self.tr(
                "A new project holding exactly the images, labels and masks this run trained and validated on"
            )
        )

    def set_run(self, project: Project | None, run_id: str | None, runs: list[str]) -> None:
        """The selected run (None: no selection) and every run of the project."""
        self.project, self.run_id, self.runs = project, run_id, runs
        busy = self._task is not None
        self.compare_button.setEnabled(run_id is not None and len(runs) > 1 and not busy)
        self.restore_button.setEnabled(run_id is not None and not busy)

    def _ask_run(self, others: list[str]) -> str | None:
        title, prompt = self.tr("Compare data"), self.tr("Compare with the data of run:")
        choice, ok = QInputDialog.getItem(self, title, prompt, others, 0, False)
        return str(choice) if ok else None

    def _ask_folder(self) -> str | None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Folder for the new project (empty)"))
        return folder or None

    def compare(self) -> None:
        if self.project is None or self.run_id is None:
            return
        other = self.ask_run([r for r in self.runs if r != self.run_id])
        if not other:
            return
        try:
            d = diff_runs(self.project, other, self.run_id)
        except WorkbenchError as exc:
            self.failed.emit(str(exc))
            return
        self.report.emit("\n".join(self.diff_text(d)))

    def diff_text(self, d: dict[str, Any]) -> list[str]:
        """A diff in plain words: one summary sentence, then the samples behind each number."""
        if d["same"]:
            same = self.tr("Runs %1 and %2 used the same data.")
            return [same.replace("%1", d["a"]).replace("%2", d["b"])]
        head = self.tr("From run %1 to run %2: %3 samples added, %4 removed, %5 relabelled, %6 masks "
                       "redrawn, %7 moved between train and val.")  # fmt: skip
        kinds = ("added", "removed", "relabelled", "masks_redrawn", "moved")
        counts = (d["a"], d["b"], *(str(len(d[k])) for k in kinds))
        for i, value in enumerate(counts, start=1):
            head = head.replace(f"%{i}", value)
        lines = [head]
        words = {"added": self.tr("added"), "removed": self.tr("removed"),
                 "relabelled": self.tr("relabelled"), "masks_redrawn": self.tr("mask redrawn"),
                 "moved": self.tr("moved")}  # fmt: skip
        # labels and roles in the window's words ("threshold_only": NG parts of the train split)
        values = {"ok": "OK", "ng": "NG", "doubtful": self.tr("doubtful"),
                  "unlabeled": self.tr("unlabeled"), "train": self.tr("train"), "val": self.tr("val"),
                  "threshold_only": self.tr("train")}  # fmt: skip
        for key, word in words.items():
            for e in d[key]:
                change = ""
                if key in ("relabelled", "moved"):
                    change = f" ({values.get(e['from'], e['from'])} → {values.get(e['to'], e['to'])})"
                lines.append(f"  {word}: {e['name']} #{e['sample_id']}{change}")
        return lines

    def restore(self) -> None:
        if self.project is None or self.run_id is None or self._task is not None:
            return
        folder = self.ask_folder()
        if not folder:
            return
        project, run_id, dest = self.project, self.run_id, Path(folder)
        if dest.exists() and any(dest.iterdir()):
            dest = dest / f"{project.name}-{run_id}"  # beside what the chosen folder holds

        def work(_progress: Any, _cancel: Any) -> tuple[str, Path]:
            return run_id, restore_snapshot(project, run_id, dest)

        self._task = workers.Task(work)
        self._task.signals.finished.connect(self._restored)
        self._task.signals.failed.connect(self._restore_failed)
        self.set_run(self.project, self.run_id, self.runs)
        workers.start(self._task)

    def _restored(self, result: tuple[str, Path]) -> None:
        self._task = None
        self.set_run(self.project, self.run_id, self.runs)
        run_id, root = result
        self.report.emit(self.tr("The data of run %1 is now the project %2.").replace("%1", run_id)
                         .replace("%2", str(root)))  # fmt: skip

    def _restore_failed(self, message: str, _trace: str) -> None:
        self._task = None
        self.set_run(self.project, self.run_id, self.runs)
        self.failed.emit(message)
