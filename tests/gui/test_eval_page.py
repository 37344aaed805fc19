"""Evaluation viewer: evaluation runs as a job; the threshold slider gives `workbench evaluate`'s counts."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QTextDocumentFragment

from tests.gui.trained_run import trained_project
from workbench.core.evaluation import EvaluationSession, with_overrides
from workbench.core.project import Project
from workbench.gui.eval_page import EvaluatePageWidget
from workbench.gui.eval_widgets import SummaryCardsWidget
from workbench.gui.i18n import install_language
from workbench.gui.job_client import JobRegistry

JOB_TIMEOUT_MS = 120_000


def cli_counts(root: Path, run_id: str, threshold: float) -> tuple[int, int]:
    out = subprocess.run(
        [sys.executable, "-c", "import sys; from workbench.cli import main; sys.exit(main())", "evaluate",
         str(root), "--run", run_id, "--split", "val", "--threshold", str(threshold), "--json"],
        check=True, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    m = json.loads(out.stdout)["metrics"]
    return m["image.escapes"], m["image.overkills"]


@pytest.fixture
def page(qtbot, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    root, run_id = trained_project(tmp_path, tmp_path_factory)
    project = Project.open(root)
    widget = EvaluatePageWidget(JobRegistry())
    qtbot.addWidget(widget)
    widget.set_project(project)
    widget.run_id = run_id  # type: ignore[attr-defined]
    yield widget
    widget.jobs.cancel_all(wait_ms=30_000)
    if widget.project is not None:
        widget.set_project(None)
        project.close()


def evaluate_from_page(qtbot, page: EvaluatePageWidget) -> str:  # type: ignore[no-untyped-def]
    page.split_combo.setCurrentIndex(page.split_combo.findData("val"))
    page.evaluate_button.click()
    job = page.job
    assert job is not None and page.jobs.running() == [job]
    qtbot.waitUntil(lambda: not job.running, timeout=JOB_TIMEOUT_MS)
    assert job.state == "completed", job.result
    qtbot.waitUntil(lambda: page.session is not None and page.idle, timeout=30_000)
    return str(job.result["eval_id"])


def move_slider(qtbot, page: EvaluatePageWidget, threshold: float) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    page.slider.setValue(round(threshold * 1000))
    label = f"{threshold:.3f}"
    qtbot.waitUntil(lambda: page.idle and page.threshold_label.text() == label, timeout=30_000)
    m = page.metrics
    assert page.galleries["escape"].count() == m["image.escapes"]
    assert page.galleries["overkill"].count() == m["image.overkills"]
    assert page.cards.escape.value.text().startswith(f"{m['image.escapes']} / {m['image.n_ng']}")
    decided = m["image.coverage.auto_ok"] + m["image.coverage.auto_ng"]
    assert page.cards.alone.value.text().startswith(f"{decided} / {m['image.n']}")
    assert f"{m['image.coverage.pass_below']:.3f}" in page.cards.alone.detail.text()
    return m["image.escapes"], m["image.overkills"]


def test_evaluation_viewer(qtbot, page: EvaluatePageWidget) -> None:  # type: ignore[no-untyped-def]
    run_id = page.run_id  # type: ignore[attr-defined]
    assert page.source_combo.currentData() == ("run", run_id)
    eval_id = evaluate_from_page(qtbot, page)
    assert page.eval_combo.currentData() == eval_id
    low = move_slider(qtbot, page, 0.05)
    high = move_slider(qtbot, page, 0.995)  # every NG image passes: escapes for sure
    assert low != high and high[0] > 0  # the slider really re-decides

    gallery = page.galleries["escape"]
    with qtbot.waitSignal(page.open_in_label) as opened:  # a double click opens it; a click picks it
        gallery.itemDoubleClicked.emit(gallery.item(0))
    ids, current = opened.args
    assert current == ids[0] and set(ids) == set(gallery.ids())
    with qtbot.waitSignal(page.open_in_label) as opened:  # the part named on the zero-escape card
        page.cards.open_sample.emit(ids[0])
    assert opened.args == [[ids[0]], ids[0]]
    qtbot.waitUntil(lambda: not gallery.item(0).icon().isNull(), timeout=30_000)  # heat-map thumbnail
    with qtbot.waitSignal(page.samples_changed, timeout=30_000):
        page.send_button.click()
    project = page.project
    assert project is not None
    tagged = [s for s in project.samples() if "escape" in s.tags]
    assert {s.id for s in tagged} == set(gallery.ids()) and all(s.review == "needs_review" for s in tagged)

    # A second evaluation of the same images at another threshold (made from the stored maps).
    other = f"{eval_id}-low"
    shutil.copytree(project.evaluation_dir(eval_id), project.evaluation_dir(other))
    session = EvaluationSession.load(project, other)
    session.write_results(with_overrides(session.current_config().to_dict(), 0.05))
    project.add_evaluation(other, run_id, None, "val", {})
    page.refresh_sources()
    page.compare.combo.setCurrentIndex(page.compare.combo.findData(other))
    result = page.compare.compare()
    assert result is not None and result["a"] == other and result["b"] == eval_id
    assert page.compare.table.rowCount() >= 2 and "fixed" in page.compare.label.text()

    # Reopening the project on this page shows its newest evaluation, the one the list names.
    page.set_project(None)
    page.show()
    page.set_project(project)
    newest = page.eval_combo.itemData(0)
    qtbot.waitUntil(lambda: page.session is not None and page.idle, timeout=30_000)
    assert page.session.eval_id == newest == page.eval_combo.currentData()
    m = page.metrics
    assert page.cards.escape.value.text().startswith(f"{m['image.escapes']} / {m['image.n_ng']}")

    page.set_project(None)
    project.close()  # the CLI takes the project's write lock
    assert cli_counts(project.root, run_id, 0.995) == high


def test_gallery_thumbnail_shows_a_tiny_false_alarm_and_the_labelled_defect() -> None:
    from workbench.gui.eval_widgets import heat_thumbnail

    image = np.full((2048, 2448, 3), 128, np.uint8)
    scores = np.zeros((1, 2048, 2448), np.float32)
    scores[0, 1000:1005, 600:605] = 0.9  # a 5x5 px false alarm: a fraction of one thumbnail pixel
    truth = np.zeros((2048, 2448), np.uint8)
    truth[300:340, 1800:1840] = 2
    thumb = heat_thumbnail(image, scores, truth=truth)
    assert thumb.shape == (125, 150, 3)
    spot = thumb[58:65, 33:40].astype(int)  # around (1002, 602) * 150 / 2448
    assert np.abs(spot - 128).max() > 60, "the false alarm is visible"
    green = (thumb[..., 1] > 200) & (thumb[..., 0] < 40)
    ys, xs = np.nonzero(green)
    assert len(ys) and 16 <= ys.mean() <= 22 and 108 <= xs.mean() <= 114, "outline around the label"
    plain = heat_thumbnail(image, np.zeros_like(scores))
    assert np.abs(plain.astype(int) - 128).max() <= 1


def test_gray_zone_and_shipping_the_decision(qtbot, page: EvaluatePageWidget) -> None:  # type: ignore[no-untyped-def]
    run_id = page.run_id  # type: ignore[attr-defined]
    evaluate_from_page(qtbot, page)
    bar = page.point_bar
    assert bar.ship_button.isEnabled() and not bar.gray_box.isChecked()
    escapes, _ = move_slider(qtbot, page, 0.995)  # every NG image passes: escapes for sure
    assert escapes > 0 and page.metrics["image.n_gray"] == 0
    bar.gray_box.setChecked(True)
    bar.low_spin.setValue(0.01)
    qtbot.waitUntil(lambda: page.idle and page.metrics.get("image.n_gray", 0) > 0, timeout=30_000)
    assert page.metrics["image.escapes"] < escapes  # the missed NG parts now go to a person
    asked: list[str] = []
    bar.confirm_ship = lambda text: asked.append(text) or True  # type: ignore[method-assign]
    bar.ship_button.click()
    qtbot.waitUntil(lambda: "now ships" in page.state_label.text(), timeout=30_000)
    assert "0.995" in asked[0] and "0.010" in asked[0]
    model = page.project.run(run_id).config.model  # type: ignore[union-attr]
    assert model is not None and model.decision.gray_low == 0.01 and model.decision.gray_high == 0.995
    assert model.decision_origin[0]["method"] == "user" and model.trained is not None
    # a new evaluation of the run decides with what it now ships
    evaluate_from_page(qtbot, page)
    assert bar.gray_box.isChecked() and abs(bar.low_spin.value() - 0.01) < 1e-9 and page.threshold == 0.995
    bar.confirm_ship = lambda text: False  # type: ignore[method-assign]
    bar.gray_box.setChecked(False)
    bar.ship_button.click()  # declined: nothing changes
    assert page.project.run(run_id).config.model.decision.gray_low == 0.01  # type: ignore[union-attr]


def test_the_zero_escape_card_names_a_lone_lowest_ng_part(qtbot) -> None:  # type: ignore[no-untyped-def]
    cards = SummaryCardsWidget()
    qtbot.addWidget(cards)
    m = {"image.overkill_at_zero_escape": 0.897, "image.auroc": 0.969, "image.zero_escape_lone": True,
         "image.zero_escape_name": "test/NG/crack/116_y0x320", "image.zero_escape_sample": 137,
         "image.overkill_without_lowest_ng": 0.59}  # fmt: skip
    cards.show_metrics(m)
    assert cards.zero.value.text() == "89.7 %"

    def shown() -> str:
        return QTextDocumentFragment.fromHtml(cards.zero.detail.text()).toPlainText().replace("\u200b", "")

    assert shown() == ("AUROC 0.969\nset by one NG part far below the others, test/NG/crack/116_y0x320: "
                       "check its label; without it 59.0 %")  # fmt: skip
    assert '<a href="137">' in cards.zero.detail.text()  # the name opens the part for labelling
    with qtbot.waitSignal(cards.open_sample) as opened:
        cards.zero.detail.linkActivated.emit("137")
    assert opened.args == [137]
    try:
        install_language("zh_CN")
        assert "请检查它的标注；不算它时为 59.0 %" in shown()
    finally:
        install_language("en")
    cards.show_metrics({**m, "image.zero_escape_lone": False, "image.overkill_without_lowest_ng": None})
    assert shown() == "AUROC 0.969"
