"""Evaluation: stored maps, files, metrics keys, fast re-decisions equal to fresh evaluations."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from eval_helpers import evaluate, fake_predictor, make_eval_project, model_info

from workbench.core.decisions import DecisionConfigError
from workbench.core.errors import ProjectError
from workbench.core.evaluation import (
    EvaluationSession,
    ImageCase,
    floor_for,
    run_evaluation,
    summary_metrics,
    with_overrides,
    zero_escape_part,
)
from workbench.core.project import Project

REQUIRED = ("image.escape_rate", "image.overkill_rate", "image.escape_ci95", "image.overkill_ci95",
            "image.auroc", "image.overkill_at_zero_escape", "image.n_ok", "image.n_ng", "pixel.dice",
            "region.recall")  # fmt: skip


@pytest.fixture()
def built(tmp_path: Path) -> Iterator[tuple[Project, dict[str, np.ndarray]]]:
    project, maps = make_eval_project(tmp_path / "proj")
    yield project, maps
    project.close()


def test_evaluation_writes_every_file_and_required_metric(built: tuple[Project, dict]) -> None:
    project, maps = built
    session = evaluate(project, maps, "e1")
    folder = project.evaluation_dir("e1")
    for name in ("meta.json", "results.json", "results.csv", "metrics.json", "decision.json", "report.html"):
        assert (folder / name).is_file(), name
    assert len(list((folder / "maps").glob("*.npz"))) == 8
    metrics = json.loads((folder / "metrics.json").read_text())
    for key in REQUIRED:
        assert key in metrics, key
    # Plan at 0.5: ng@0.3 escapes, ok@0.7 is an overkill.
    assert (metrics["image.escapes"], metrics["image.n_ng"]) == (1, 4)
    assert (metrics["image.overkills"], metrics["image.n_ok"]) == (1, 4)
    assert metrics["image.escape_rate"] == pytest.approx(0.25)
    assert metrics["region.recall"] == pytest.approx(0.75)
    rows = list(csv.DictReader((folder / "results.csv").open()))
    assert {r["outcome"] for r in rows} == {"correct", "escape", "overkill"}
    assert session.metrics_flat["image.auroc"] == metrics["image.auroc"]


def test_stored_maps_round_trip_and_last_scores(built: tuple[Project, dict]) -> None:
    project, maps = built
    session = evaluate(project, maps, "e1")
    sample = project.samples()[0]
    stored = session.score_map(sample.id)
    assert np.abs(stored - fake_predictor(maps)(project.read_image(sample, None))).max() < 1e-4
    assert project.sample(sample.id).last_score == pytest.approx(0.9, abs=1e-4)


def test_redecide_matches_a_fresh_evaluation(built: tuple[Project, dict]) -> None:
    project, maps = built
    evaluate(project, maps, "first", threshold=0.5)
    session = EvaluationSession.load(project, "first")
    for threshold in (0.25, 0.65, 0.85):
        _, again = session.image_level(with_overrides(session.meta["model"]["decision"], threshold))
        fresh = evaluate(project, maps, f"fresh-{threshold}", threshold=threshold).metrics_flat
        for key in ("image.escapes", "image.overkills", "image.n_gray", "image.confusion"):
            assert again[key] == fresh[key], (threshold, key)


def test_gray_zone_sends_the_borderline_part_to_review(built: tuple[Project, dict]) -> None:
    project, maps = built
    metrics = evaluate(project, maps, "g", gray=(0.25, 0.5)).metrics_flat
    assert metrics["image.n_gray"] == 1 and metrics["image.gray_ng"] == 1
    assert metrics["image.escapes"] == 0


def test_overrides_replace_thresholds_and_check_the_gray_zone() -> None:
    decision = model_info(gray=(0.3, 0.6))["decision"]
    config = with_overrides(decision, threshold=0.7)
    assert [r.threshold for r in config.classes] == [0.7] and not config.has_gray_zone
    assert with_overrides(decision, gray=(0.2, 0.4)).gray_high == 0.4
    with pytest.raises(DecisionConfigError, match="below upper"):
        with_overrides(decision, gray=(0.6, 0.4))


def test_database_keeps_only_scalar_metrics(built: tuple[Project, dict]) -> None:
    project, maps = built
    evaluate(project, maps, "e1")
    stored = project.evaluations()[0]
    assert stored["id"] == "e1" and stored["run_id"] == "run-test"
    assert "image.sweep.thresholds" not in stored["metrics"] and "image.escape_rate" in stored["metrics"]
    assert summary_metrics({"a": [1, 2, 3], "b": [0.1, 0.2], "c": 3}) == {"b": [0.1, 0.2], "c": 3}


def test_refuses_an_empty_split_and_a_bad_map(built: tuple[Project, dict]) -> None:
    project, maps = built
    with pytest.raises(ProjectError, match="nothing to evaluate"):
        run_evaluation(project, fake_predictor(maps), model_info(), split="train")
    with pytest.raises(ProjectError, match="part_0"):
        run_evaluation(project, lambda img: np.zeros((4, 4), np.float32), model_info(), split="test")


def test_prepare_floor_follows_the_lowest_threshold() -> None:
    assert floor_for(0.5) == 0.4 and floor_for(0.35) == 0.3 and floor_for(0.1) == 0.1
    assert floor_for(0.02) == 0.02 and floor_for(0.0) == pytest.approx(1e-4)


def test_a_merged_defect_channel_is_not_counted_as_project_class_1(tmp_path: Path) -> None:
    """A fast-preset model merges every class into one "defect" channel with id 1; its false
    alarms must not be reported as overkills caused by the project's class 1 ("scratch")."""
    project, maps = make_eval_project(tmp_path / "p")
    merged = model_info()
    merged["classes"] = [{"id": 1, "name": "defect", "color": "#ff0000"}]
    merged["decision"]["classes"][0]["name"] = "defect"
    session = run_evaluation(project, fake_predictor(maps), merged, split="test", eval_id="merged")
    _, metrics = session.image_level(session.base_config)
    assert not session.classes_match_project
    assert "image.class.1.overkills" not in metrics  # no per-class overkill for a merged channel
    assert metrics["image.class.1.n_ng"] > 0  # escapes per project class are still there
    html = (session.dir / "report.html").read_text(encoding="utf-8")
    assert "scratch" in html and "n/a" in html
    normal = evaluate(project, maps, "normal")
    assert normal.classes_match_project
    assert "image.class.1.overkills" in normal.image_level(normal.base_config)[1]


def test_a_classifier_is_evaluated_on_images_without_pixel_metrics(tmp_path: Path) -> None:
    """A classification run returns (K,1,1) scores: image metrics, no pixel comparison (it crashed)."""
    project, maps = make_eval_project(tmp_path / "p")
    image_level = {k: m.max(axis=(1, 2), keepdims=True) for k, m in maps.items()}
    info = model_info()
    info["task"] = "classification"
    session = run_evaluation(project, fake_predictor(image_level), info, split="test", eval_id="cls")
    metrics = session.metrics_flat
    assert metrics["image.auroc"] is not None and metrics["image.n_ng"] > 0
    assert "pixel.dice" not in metrics
    project.close()


def _cases(label: str, scores: list[float], first_id: int) -> list[tuple[ImageCase, float]]:
    return [(ImageCase(first_id + i, f"{label}_{i}", label, ()), s) for i, s in enumerate(scores)]


def test_the_part_that_sets_the_zero_escape_point_is_named_and_a_lone_one_flagged() -> None:
    spread = [0.85 + 0.003 * i for i in range(20)]
    ok = _cases("ok", [0.1 * i for i in range(10)], 100)  # 0.0 .. 0.9
    alone = zero_escape_part(ok + _cases("ng", [0.03, *spread], 1))
    assert alone["image.zero_escape_sample"] == 1 and alone["image.zero_escape_name"] == "ng_0"
    assert alone["image.zero_escape_lone"] is True
    # with it let through, the zero-escape point is 0.85: only the good part at 0.9 is rejected
    assert alone["image.overkill_without_lowest_ng"] == pytest.approx(0.1)
    close = zero_escape_part(ok + _cases("ng", [0.8, *spread], 1))
    assert close["image.zero_escape_sample"] == 1 and close["image.zero_escape_lone"] is False
    assert close["image.overkill_without_lowest_ng"] is None
    assert zero_escape_part(ok)["image.zero_escape_sample"] is None  # no NG part: no point
    assert zero_escape_part(_cases("ng", [0.03, *spread], 1))["image.zero_escape_lone"] is False  # no OK part
