"""The Export wizard: run -> formats and precisions -> target -> parity check and latency -> summary.

The export runs as a job in a child process (``kind: export``); the wizard shows its progress,
the parity of each variant against the torch model and the latency measured on this machine,
and remembers the choices for next time.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QFileDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from workbench.core.project import Project
from workbench.core.types import Run
from workbench.export.plain_report import ExportChecks
from workbench.gui import i18n
from workbench.gui.job_client import JobClient, JobRegistry
from workbench.gui.job_messages import job_line
from workbench.gui.retranslatable import ComposedLabel, Retranslatable
from workbench.gui.settings import app_settings
from workbench.gui.train_page import WARNING_COLOUR, below_usable_text, run_key_metrics
from workbench.gui.train_widgets import short_name
from workbench.jobs.events import ErrorEvent, JobEvent, LogEvent, ProgressEvent
from workbench.services.job_specs import export_spec

FORMAT_KEYS = ("openvino", "fp16", "int8")


def _label(muted: bool = False) -> ComposedLabel:
    label = ComposedLabel(word_wrap=True)
    if muted:
        label.setObjectName("muted")
    return label


RUN_ROLE = Qt.ItemDataRole.UserRole + 1
# Qt's own texts of the wizard buttons; QWizard sets them once, so a language switch sets them again
# from Qt's translation (qtbase), under Qt's context.
WIZARD_BUTTONS = (
    (QWizard.WizardButton.BackButton, "< &Back"),
    (QWizard.WizardButton.NextButton, "&Next >"),
    (QWizard.WizardButton.CommitButton, "Commit"),
    (QWizard.WizardButton.FinishButton, "&Finish"),
    (QWizard.WizardButton.CancelButton, "Cancel"),
    (QWizard.WizardButton.HelpButton, "&Help"),
)


def run_text(run: Run) -> str:
    """A completed run in the list: its id as it is, then its task, preset and key metrics."""
    auroc, dice, _time = run_key_metrics(run)
    parts = [short_name(run.task), short_name(run.name)]
    parts += [p for p in (auroc and f"AUROC {auroc}", dice and f"Dice {dice}") if p]
    return f"{run.id}   ({', '.join(parts)})"


class RunPage(Retranslatable, QWizardPage):
    """Which finished run to ship."""

    def __init__(self, project: Project) -> None:
        super().__init__()
        self.project = project
        self.below_usable: set[str] = set()  # runs whose validation is far below usable
        self.runs = QListWidget()
        keep = str(app_settings().value("export/run", ""))
        for run in project.runs():
            if run.status != "completed":
                continue
            item = QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole, run.id)
            item.setData(RUN_ROLE, run)
            if below_usable_text(run):
                item.setForeground(QColor(WARNING_COLOUR))
                self.below_usable.add(run.id)
            self.runs.addItem(item)
            if run.id == keep or self.runs.count() == 1:
                self.runs.setCurrentItem(item)
        self.runs.currentItemChanged.connect(lambda *_: self._selected())
        layout = QVBoxLayout(self)
        layout.addWidget(self.runs)
        self.none_label = _label()
        self.none_label.setVisible(not self.runs.count())
        layout.addWidget(self.none_label)
        self.warning = _label()
        self.warning.setStyleSheet(f"color: {WARNING_COLOUR};")
        layout.addWidget(self.warning)
        self.retranslate()
        self._selected()

    def _selected(self) -> None:
        run_id = self.run_id()
        if run_id in self.below_usable:
            run = self.project.run(run_id)
            self.warning.compose(lambda: below_usable_text(run))
        else:
            self.warning.clear()
        self.completeChanged.emit()

    def confirm_below_usable(self, text: str) -> bool:
        """Ask before exporting a run far below usable (tests replace this)."""
        answer = QMessageBox.warning(
            self, self.tr("Export this run?"),
            self.tr("%1\n\nExport it anyway?").replace("%1", text),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No,
        )  # fmt: skip
        return answer == QMessageBox.StandardButton.Yes

    def validatePage(self) -> bool:
        """A run far below usable goes on only when the user confirms it."""
        run_id = self.run_id()
        if run_id not in self.below_usable:
            return True
        return self.confirm_below_usable(below_usable_text(self.project.run(run_id)))

    def retranslate(self) -> None:
        """Title and hints; the runs are listed by their ids as they are, their task and preset in words."""
        for i in range(self.runs.count()):
            item = self.runs.item(i)
            item.setText(run_text(item.data(RUN_ROLE)))
        self.setTitle(self.tr("Choose the model"))
        self.setSubTitle(self.tr("Only completed training runs can be exported."))
        self.none_label.setText(self.tr("There is no completed run yet: train one on the Train page first."))

    def run_id(self) -> str:
        item = self.runs.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item is not None else ""

    def isComplete(self) -> bool:
        return bool(self.run_id())


class FormatsPage(Retranslatable, QWizardPage):
    """ONNX always; OpenVINO and its reduced precisions on request, each explained."""

    def __init__(self) -> None:
        super().__init__()
        saved = str(app_settings().value("export/formats", "openvino"))
        layout = QVBoxLayout(self)
        self.boxes: dict[str, QCheckBox] = {}
        self.hints: dict[str, QLabel] = {}
        for key in FORMAT_KEYS:
            box = QCheckBox()
            box.setChecked(key in saved.split(","))
            self.boxes[key] = box
            layout.addWidget(box)
            hint = self.hints[key] = _label(muted=True)
            hint.setContentsMargins(22, 0, 0, 6)
            layout.addWidget(hint)
        layout.addStretch(1)
        self.retranslate()

    def retranslate(self) -> None:
        self.setTitle(self.tr("Formats and precisions"))
        self.setSubTitle(self.tr("Every bundle holds the ONNX model. Add OpenVINO for fast inference on "
                                 "Intel CPUs."))  # fmt: skip
        texts = {
            "openvino": (self.tr("OpenVINO (full precision)"),
                         self.tr("Usually the fastest on Intel CPUs; gives the same answers as ONNX.")),
            "fp16": (self.tr("OpenVINO half precision (FP16)"),
                     self.tr("Half the file size; on CPUs it computes in full precision anyway.")),
            "int8": (self.tr("OpenVINO 8-bit (INT8)"),
                     self.tr("Fastest on CPUs, calibrated on your images; kept only if its accuracy on the "
                             "validation images drops by at most 2 %.")),
        }  # fmt: skip
        for key in FORMAT_KEYS:
            name, what = texts[key]
            self.boxes[key].setText(name)
            self.hints[key].setText(what)

    def formats(self) -> str:
        return ",".join(["onnx", *(k for k in FORMAT_KEYS if self.boxes[k].isChecked())])


def gpu_present() -> bool:
    from workbench.runtime.backends import nvidia_driver_present

    return nvidia_driver_present()


class TargetPage(Retranslatable, QWizardPage):
    """Where the bundle will run; the latency check is measured on that kind of device here."""

    def __init__(self) -> None:
        super().__init__()
        self.group = QButtonGroup(self)
        self.cpu = QRadioButton()
        self.gpu = QRadioButton()
        has_gpu = gpu_present()
        self.gpu.setEnabled(has_gpu)
        layout = QVBoxLayout(self)
        for button in (self.cpu, self.gpu):
            self.group.addButton(button)
            layout.addWidget(button)
        self.no_gpu = _label(muted=True)
        self.no_gpu.setVisible(not has_gpu)
        layout.addWidget(self.no_gpu)
        wanted = str(app_settings().value("export/device", "cpu"))
        (self.gpu if wanted == "cuda" and has_gpu else self.cpu).setChecked(True)
        layout.addStretch(1)
        self.retranslate()

    def retranslate(self) -> None:
        self.setTitle(self.tr("Target"))
        self.setSubTitle(self.tr("Where will the inspection run? The latency is measured on this computer."))
        self.cpu.setText(self.tr("Industrial PC without a graphics card (CPU)"))
        self.gpu.setText(self.tr("PC with an NVIDIA graphics card (GPU, CUDA)"))
        self.no_gpu.setText(self.tr("No NVIDIA driver was found on this computer, so the GPU latency "
                                    "cannot be measured here."))  # fmt: skip

    def device(self) -> str:
        return "cuda" if self.gpu.isChecked() else "cpu"


class CheckPage(Retranslatable, QWizardPage):
    """Runs the export job: ONNX/OpenVINO, parity against torch on validation images, latency."""

    def __init__(self, wizard: ExportWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.progress = QProgressBar(minimum=0, maximum=1000)
        self.status = _label()
        self.log = QPlainTextEdit(readOnly=True)
        layout = QVBoxLayout(self)
        for w in (self.progress, self.status, self.log):
            layout.addWidget(w)
        self.job: JobClient | None = None
        self.messages: list[LogEvent | ErrorEvent] = []  # what the job said while it ran
        self.result: dict[str, Any] = {}
        self.retranslate()

    def retranslate(self) -> None:
        self.setTitle(self.tr("Export and check"))
        self.setSubTitle(self.tr("Converting the model, comparing every variant with the trained model on "
                                 "tiles of a few validation images, and timing it here."))  # fmt: skip
        self._show_log()

    def _show_log(self) -> None:
        """The job's messages, then (once it is done) the checks in plain words and the measured rows."""
        done = [*plain_sentences(self.result), "", *self.result.get("lines", [])] if self.result else []
        self.log.setPlainText("\n".join([*(job_line(e) for e in self.messages), *done]))

    def initializePage(self) -> None:
        if self.job is not None and self.job.running:
            return
        self.messages, self.result = [], {}
        self.log.clear()
        self.progress.setValue(0)
        self.job = self.wiz.start_export()
        self.job.received.connect(self._on_event)
        self.job.finished.connect(self._on_finished)
        self.completeChanged.emit()

    def _on_event(self, event: JobEvent) -> None:
        if isinstance(event, ProgressEvent) and self.job is not None:
            self.progress.setValue(int(self.job.seen.fraction * 1000))
            self.status.compose(lambda: job_line(event))
        elif isinstance(event, (LogEvent, ErrorEvent)):
            self.messages.append(event)
            self.log.appendPlainText(job_line(event))

    def _on_finished(self, state: str, result: dict[str, Any]) -> None:
        if state == "completed":
            self.progress.setValue(1000)
            self.status.compose(lambda: self.tr("Done: every check passed."))
            self.result = result
            self._show_log()
        else:
            error = str(result.get("error", ""))
            if state == "cancelled":
                self.status.compose(lambda: self.tr("The export was cancelled."))
            else:
                self.status.compose(lambda: self.tr("The export failed: %1").replace("%1", error))
            self.status.setStyleSheet("color: #C0392B;")
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self.job is not None and self.job.state == "completed"

    def cleanupPage(self) -> None:
        if self.job is not None and self.job.running:
            self.job.cancel()


def _t(text: str) -> str:
    return QCoreApplication.translate("ExportSummary", text)


def plain_sentences(result: dict[str, Any]) -> list[str]:
    """One plain sentence per check of the export, in the window's language."""
    if "checks" not in result:
        return []
    return ExportChecks.from_dict(result["checks"]).sentences(i18n.current_language())


def summary_lines(result: dict[str, Any]) -> list[str]:
    """The checks in plain words, then what the bundle holds, the measured rows and the latency here."""
    lines = [*plain_sentences(result), "", _t("Bundle: %1").replace("%1", str(result.get("path"))),
             _t("Variants: %1").replace("%1", ", ".join(result.get("variants", []))), "",
             _t("Parity with the trained model:"), *("  " + line for line in result.get("lines", [])),
             _t("INT8: %1").replace("%1", str(result.get("int8"))),
             _t("Golden images for `workbench-run verify`: %1").replace("%1", str(result.get("golden"))),
             _t("Report: %1").replace("%1", str(result.get("report", ""))), "",
             _t("Latency on this computer (512 x 512 image):")]  # fmt: skip
    for row in result.get("latency", []):
        frame = row.get("frame_ms")
        shown = f"{frame:.1f} ms" if frame is not None else row.get("note", "")
        lines.append(f"  {row['setting']}: {shown}")
    said = result.get("said_notes")  # the notes with their line ids (an older job: the English notes)
    if not said:
        return [*lines, *result.get("notes", [])]
    return [
        *lines,
        *(job_line(LogEvent(str(n["message"]), 0.0, str(n["msg_id"]), dict(n["args"]))) for n in said),
    ]


class SummaryPage(Retranslatable, QWizardPage):
    """The result, and a copy of the bundle saved wherever the user wants it."""

    def __init__(self, wizard: ExportWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.text = QPlainTextEdit(readOnly=True)
        self.save_button = QPushButton()
        self.save_button.clicked.connect(self.save_copy)
        self.saved = _label()
        layout = QVBoxLayout(self)
        for w in (self.text, self.save_button, self.saved):
            layout.addWidget(w)
        self.retranslate()

    def retranslate(self) -> None:
        self.setTitle(self.tr("Summary"))
        self.setSubTitle(self.tr("The bundle is in the project's exports folder; save a copy for the line."))
        self.save_button.setText(self.tr("Save a copy as…"))
        if self.text.toPlainText():
            self.initializePage()  # the summary is worded; its paths and numbers come from the result

    def initializePage(self) -> None:
        self.text.setPlainText("\n".join(summary_lines(self.wiz.export_result)))

    def save_copy(self, target: str | None = None) -> Path | None:
        source = Path(str(self.wiz.export_result.get("path", "")))
        if not target:
            start = str(app_settings().value("export/save_dir", str(Path.home())))
            suggested = str(Path(start) / source.name)
            target, _ = QFileDialog.getSaveFileName(self, self.tr("Save bundle"), suggested,
                                                    self.tr("Bundles (*.wbx)"))  # fmt: skip
        if not target:
            return None
        out = Path(target).with_suffix(".wbx")
        shutil.copyfile(source, out)
        app_settings().setValue("export/save_dir", str(out.parent))
        self.saved.compose(lambda: self.tr("Saved %1").replace("%1", str(out)))
        return out


class ExportWizard(Retranslatable, QWizard):
    """Run -> formats -> target -> check -> summary; choices are kept in the settings."""

    def __init__(self, project: Project, jobs: JobRegistry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self.jobs = jobs
        self.export_result: dict[str, Any] = {}
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.resize(720, 560)
        self.run_page = RunPage(project)
        self.formats_page = FormatsPage()
        self.target_page = TargetPage()
        self.check_page = CheckPage(self)
        self.summary_page = SummaryPage(self)
        for page in (self.run_page, self.formats_page, self.target_page, self.check_page, self.summary_page):
            self.addPage(page)
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Export a model"))
        for button, text in WIZARD_BUTTONS:
            self.setButtonText(button, QCoreApplication.translate("QWizard", text))

    def start_export(self) -> JobClient:
        run_id = self.run_page.run_id()
        formats, device = self.formats_page.formats(), self.target_page.device()
        s = app_settings()
        s.setValue("export/run", run_id)
        s.setValue("export/formats", formats)
        s.setValue("export/device", device)
        spec = export_spec(self.project, run_id, formats, device)
        job = self.jobs.start(
            spec, self.tr("Exporting %1").replace("%1", run_id), self.project.root / "cache" / "jobs"
        )
        job.finished.connect(lambda _state, result: setattr(self, "export_result", result))
        return job

    def reject(self) -> None:
        job = self.check_page.job
        if job is not None and job.running:
            job.cancel()
        super().reject()
