"""report.html: self-contained, galleries with thumbnails, charts that survive missing data."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from eval_helpers import PLAN, evaluate, make_eval_project

from workbench.core.report import _cards
from workbench.core.report_svg import histogram_chart, roc_chart, tradeoff_chart
from workbench.core.report_thumbs import jpeg_data_uri, overlay_thumbnail


@pytest.fixture()
def report_html(tmp_path: Path) -> str:
    project, maps = make_eval_project(tmp_path / "proj")
    try:
        evaluate(project, maps, "r1", gray=(0.25, 0.5))
        return (project.evaluation_dir("r1") / "report.html").read_text(encoding="utf-8")
    finally:
        project.close()


def test_report_has_no_external_resource(report_html: str) -> None:
    assert "http://" not in report_html and "https://" not in report_html
    assert "<script" not in report_html and "@import" not in report_html and "url(" not in report_html
    srcs = re.findall(r'src="([^"]*)"', report_html)
    assert srcs and all(s.startswith("data:image/jpeg;base64,") for s in srcs)


def test_report_holds_cards_charts_matrix_and_galleries(report_html: str) -> None:
    for text in ("Escape (NG passed)", "Overkill (OK rejected)", "AUROC", "Overkill at zero escape",
                 "To claim escape", "Gray zone", "Confusion matrix", "Per defect class",
                 "Decided without a person"):  # fmt: skip
        assert text in report_html, text
    assert report_html.count("<svg") == 3
    for anchor in ('id="escape"', 'id="overkill"', 'id="gray"'):
        assert anchor in report_html
    # At 0.5 with a gray zone from 0.25: no escape, one overkill (part_6), one gray part (part_2).
    assert "No escape images" in report_html
    assert report_html.count('class="thumb"') == 2
    assert "part_6" in report_html and "part_2" in report_html
    assert f"0 / {sum(lab == 'ng' for lab, _ in PLAN)}" in report_html


def test_names_are_escaped(tmp_path: Path) -> None:
    project, maps = make_eval_project(tmp_path / "proj")
    try:
        sample = project.samples()[6]  # the overkill
        project.db.execute("UPDATE samples SET name=? WHERE id=?", ("<b>odd & name", sample.id))
        project.db.conn.commit()
        evaluate(project, maps, "r2")
        text = (project.evaluation_dir("r2") / "report.html").read_text(encoding="utf-8")
    finally:
        project.close()
    assert "&lt;b&gt;odd &amp; name" in text and "<b>odd" not in text


@pytest.mark.parametrize(
    "image",
    [
        np.full((900, 1200), 40000, np.uint16),
        np.zeros((900, 1200, 3), np.uint8),
        np.zeros((900, 1200, 2), np.float32),
    ],
)
def test_thumbnail_is_small_and_marks_label_and_boxes(image: np.ndarray) -> None:
    scores = np.zeros((2, 900, 1200), np.float32)
    mask = np.zeros((900, 1200), np.uint8)
    mask[400:420, 600:604] = 1
    thumb = overlay_thumbnail(image, scores, mask, [{"x": 100, "y": 100, "w": 200, "h": 100}])
    assert thumb.shape == (240, 320, 3) and thumb.dtype == np.uint8
    assert (thumb == (80, 220, 60)).all(axis=2).any()  # label contour
    assert (thumb == (255, 60, 255)).all(axis=2).any()  # predicted box
    assert jpeg_data_uri(thumb).startswith("data:image/jpeg;base64,/9j/")


def test_charts_without_both_labels_say_why() -> None:
    assert "needs both OK and NG images" in tradeoff_chart(None, None, None, None)
    assert "needs both OK and NG images" in roc_chart(None, None, None)
    svg = histogram_chart([0.1, 0.2], [], [0.5], (0.3, 0.5))
    assert "threshold 0.5" in svg and "gray zone 0.3 to 0.5" in svg


def test_the_zero_escape_card_names_a_lone_lowest_ng_part() -> None:
    m = {"image.overkill_at_zero_escape": 0.897, "image.zero_escape_threshold": 0.031,
         "image.overkills_at_zero_escape": 35, "image.zero_escape_lone": True,
         "image.zero_escape_name": "NG/<crack>_116", "image.overkill_without_lowest_ng": 0.59}  # fmt: skip
    html = _cards(m)
    assert ("35 OK parts rejected at threshold 0.031; set by one NG part far below the others, "
            "NG/&lt;crack&gt;_116: check its label; without it 59.0%") in html  # fmt: skip
    assert "set by one" not in _cards({**m, "image.zero_escape_lone": False})
