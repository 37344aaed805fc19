"""The Data page's labeler agreement: the project's and one sample's figures, a filter, the labels
training uses."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QMenu, QMessageBox, QPushButton, QWidget

from workbench.core.agreement import (
    MERGED,
    AgreementReport,
    ComparisonCache,
    SampleAgreement,
    agreement,
    use_labels,
)
from workbench.core.errors import WorkbenchError
from workbench.core.project import Project
from workbench.gui.retranslatable import ComposedLabel, Retranslatable


class AgreementBarWidget(Retranslatable, QWidget):
    """Shown while the project holds labels of one or more labelers (``workbench.core.labelers``)."""

    filter_changed = Signal()
    labels_changed = Signal()  # the labels training uses were replaced

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project: Project | None = None
        self.report: AgreementReport | None = None
        self._sample: SampleAgreement | None = None
        self._cache: ComparisonCache = {}  # per sample, while its labeler records stay the same
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(8)
        self.summary = ComposedLabel(word_wrap=True)
        self.summary.setObjectName("muted")
        self.disagree_box = QCheckBox()
        self.disagree_box.toggled.connect(self.filter_changed)
        self.use_button = QPushButton()
        self.use_menu = QMenu(self.use_button)
        self.use_button.setMenu(self.use_menu)
        row.addWidget(self.summary, 1)
        row.addWidget(self.disagree_box)
        row.addWidget(self.use_button)
        self.setVisible(False)
        self.retranslate()

    def retranslate(self) -> None:
        self.disagree_box.setText(self.tr("Labelers disagree"))
        self.disagree_box.setToolTip(self.tr("Show only the samples whose labelers disagree"))
        self.use_button.setText(self.tr("Labels for training"))
        self._fill_menu()

    # ------------------------------------------------------------------ state
    def set_project(self, project: Project | None) -> None:
        self.project = project
        self.report, self._sample, self._cache = None, None, {}
        self.disagree_box.setChecked(False)  # the owner calls refresh() when it has read the samples

    def refresh(self, full: bool = False) -> None:
        """Compare the labelers again: samples whose labeler records changed, or (``full``) all."""
        project = self.project
        if full:
            self._cache = {}
        self.report = None
        if project is not None and project.labeler_names():
            self.report = agreement(project, cache=self._cache)
        self.setVisible(self.report is not None)
        self.use_button.setEnabled(self.report is not None and not (project and project.readonly))
        self._fill_menu()
        self._compose()
        if self.disagree_box.isChecked():
            self.filter_changed.emit()

    def disagreeing_ids(self) -> frozenset[int] | None:
        """The samples the filter lets through, or None while it is off."""
        if not self.disagree_box.isChecked():
            return None
        return frozenset(s.sample_id for s in self.report.disagreements) if self.report else frozenset()

    def show_sample(self, sample_id: int | None) -> None:
        """Add one sample's labels and IoU to the line (None: the project's figures only)."""
        found = [s for s in self.report.samples if s.sample_id == sample_id] if self.report else []
        self._sample = found[0] if found else None
        self._compose()

    # ------------------------------------------------------------------ texts
    def _compose(self) -> None:
        report, sample = self.report, self._sample
        if report is None:
            self.summary.clear()
            return
        labels_from = self.project.meta("labels_from") if self.project else ""
        self.summary.compose(lambda: self._text(report, sample, labels_from))

    def _number(self, value: float | None) -> str:
        return self.tr("n/a") if value is None else f"{value:.2f}"

    def _label_name(self, label: str) -> str:
        names = {"ok": self.tr("OK"), "ng": self.tr("NG"), "doubtful": self.tr("Doubtful")}
        return names.get(label, label)

    def _text(self, report: AgreementReport, sample: SampleAgreement | None, labels_from: str) -> str:
        names = ", ".join(report.labelers)
        if len(report.labelers) < 2:
            parts = [self.tr("Labels of one labeler (%1); agreement needs two or more").replace("%1", names)]
        else:
            parts = [
                self.tr("Labelers: %1").replace("%1", names),
                self.tr("Cohen's kappa %1").replace("%1", self._number(report.kappa)),
                self.tr("mask mean IoU %1").replace("%1", self._number(report.mean_iou)),
                self.tr("%1 of %2 samples disagree")
                .replace("%1", str(len(report.disagreements)))
                .replace("%2", str(len(report.samples))),
            ]
        if labels_from == MERGED:
            parts.append(self.tr("training labels last set from the merge"))
        elif labels_from:
            parts.append(self.tr("training labels last set from %1").replace("%1", labels_from))
        if sample is not None:
            parts.append(self._sample_text(sample))
        return " · ".join(parts)

    def _sample_text(self, sample: SampleAgreement) -> str:
        labels = ", ".join(f"{k} {self._label_name(v)}" for k, v in sample.labels.items())
        ious = ", ".join(
            self.tr("%1 IoU %2").replace("%1", k).replace("%2", f"{v:.2f}") for k, v in sample.iou.items()
        )
        verdict = self.tr("labelers agree") if sample.agree else self.tr("labelers disagree")
        facts = "; ".join(part for part in (labels, ious) if part)
        return self.tr("this sample: %1 (%2)").replace("%1", facts).replace("%2", verdict)

    def _fill_menu(self) -> None:
        self.use_menu.clear()
        for name in self.report.labelers if self.report else []:
            self.use_menu.addAction(name, lambda n=name: self._confirm_use(n))
        self.use_menu.addAction(self.tr("Merged (most labelers' label, a tie doubtful)"),
                                lambda: self._confirm_use(MERGED))  # fmt: skip

    # ------------------------------------------------------------------ the labels training uses
    def _confirm_use(self, source: str) -> None:
        who = (
            self.tr("the merged labels")
            if source == MERGED
            else self.tr("the labels of %1").replace("%1", source)
        )
        answer = QMessageBox.question(
            self,
            self.tr("Labels for training"),
            self.tr(
                "Replace the labels and masks training uses with %1? Each labeler's own labels are kept."
            ).replace("%1", who),
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.use(source)

    def use(self, source: str) -> int:
        """Make a labeler's labels (or ``MERGED``) the ones training uses; returns the samples changed."""
        if self.project is None:
            return 0
        try:
            changed = use_labels(self.project, source)
        except WorkbenchError as exc:
            QMessageBox.warning(self, self.tr("Labels for training"), str(exc))
            return 0
        self.labels_changed.emit()  # the owner reads the samples again, then calls refresh()
        return changed
