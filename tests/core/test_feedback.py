"""Closing the loop: mistakes tagged for review, line images collected from runtime results."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from eval_helpers import evaluate, make_eval_project

from workbench.core.errors import ProjectError
from workbench.core.feedback import collect_line_results, read_line_results, send_mistakes_to_review
from workbench.core.imageio import write_image
from workbench.core.project import Project


@pytest.fixture()
def built(tmp_path: Path) -> Iterator[tuple[Project, dict[str, np.ndarray]]]:
    project, maps = make_eval_project(tmp_path / "proj")
    yield project, maps
    project.close()


def test_mistakes_are_tagged_and_marked(built: tuple[Project, dict]) -> None:
    project, maps = built
    evaluate(project, maps, "e1", gray=(0.25, 0.5))  # part_6 overkill, part_2 gray
    assert send_mistakes_to_review(project, "e1", ("overkill", "gray")) == 2
    by_name = {s.name: s for s in project.samples()}
    assert set(by_name["part_6"].tags) == {"overkill", "eval:e1"}
    assert set(by_name["part_2"].tags) == {"gray", "eval:e1"}
    assert by_name["part_6"].review == "needs_review"
    assert by_name["part_0"].tags == () and by_name["part_0"].review == ""
    assert send_mistakes_to_review(project, "e1", ("escape",)) == 0


def test_unknown_kind_and_missing_evaluation(built: tuple[Project, dict]) -> None:
    project, _ = built
    with pytest.raises(ProjectError, match="unknown mistake kind"):
        send_mistakes_to_review(project, "e1", ("escapes",))
    with pytest.raises(ProjectError, match="'nope'"):
        send_mistakes_to_review(project, "nope")


def _line_images(folder: Path) -> list[Path]:
    folder.mkdir()
    paths = []
    for i in range(3):
        paths.append(folder / f"cam_{i}.png")
        write_image(paths[-1], np.full((24, 24), 30 + 70 * i, np.uint8))
    return paths


def test_collect_from_runtime_csv(tmp_path: Path, built: tuple[Project, dict]) -> None:
    project, _ = built
    imgs = _line_images(tmp_path / "line")
    results = tmp_path / "line" / "results.csv"
    with results.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["source", "verdict", "n_defects", "error"])
        w.writeheader()
        w.writerow({"source": str(imgs[0]), "verdict": "NG", "n_defects": 1})
        w.writerow({"source": "cam_1.png", "verdict": "OK", "n_defects": 0})  # relative to the CSV
        w.writerow({"source": str(imgs[2]), "verdict": "ERROR", "error": "unreadable"})
        w.writerow({"source": "gone.png", "verdict": "OK"})
    report = collect_line_results(project, results)
    assert report.imported == 2 and len(report.skipped) == 2
    assert "not found" in dict(report.skipped)["gone.png"]
    line = project.samples(tag="line")
    assert {tuple(s.tags) for s in line} == {("line", "line:NG"), ("line", "line:OK")}
    assert all(s.label == "unlabeled" and s.review == "needs_review" and s.split is None for s in line)
    again = collect_line_results(project, results)  # a second run finds them already done
    assert again.imported == 0 and again.duplicates + again.resumed == 2


def test_collect_from_json_matches_given_images_by_name(tmp_path: Path, built: tuple[Project, dict]) -> None:
    project, _ = built
    imgs = _line_images(tmp_path / "line")
    results = tmp_path / "results.json"
    results.write_text(json.dumps([{"source": "C:/line/cam_2.png", "verdict": "GRAY"}]))
    report = collect_line_results(project, results, images=imgs)
    assert report.imported == 1 and project.sample(report.sample_ids[0]).tags == ("line", "line:GRAY")


def test_bad_results_file_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "r.json"
    bad.write_text(json.dumps([{"file": "x.png"}]))
    with pytest.raises(ProjectError, match=r"r\.json: row 1 lacks"):
        read_line_results(bad)
    with pytest.raises(ProjectError, match="cannot read runtime results"):
        read_line_results(tmp_path / "missing.csv")
