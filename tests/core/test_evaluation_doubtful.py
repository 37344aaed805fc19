"""Doubtful parts in an evaluation: the headline escape/overkill count clear parts only, and
``image.doubtful.*`` says how the model split the doubtful ones."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from eval_helpers import PLAN, evaluate, make_eval_project

from workbench.core.evaluation import EvaluationSession, with_overrides
from workbench.core.metrics import doubtful_metrics
from workbench.core.report import doubtful_sentence

# The clear parts of PLAN (at 0.5: one escape, one overkill) plus four doubtful ones, two of which
# the model calls NG at 0.5: neither may count as an overkill, nor a missed one as an escape.
DOUBTFUL_PLAN = (*PLAN, ("doubtful", 0.95), ("doubtful", 0.55), ("doubtful", 0.2), ("doubtful", 0.1))


def test_doubtful_parts_are_measured_apart(tmp_path: Path) -> None:
    project, maps = make_eval_project(tmp_path / "proj", DOUBTFUL_PLAN)
    with project:
        evaluate(project, maps, "d", threshold=0.5)
        folder = project.evaluation_dir("d")
        metrics = json.loads((folder / "metrics.json").read_text())
        # the same headline numbers as the evaluation without doubtful parts
        assert (metrics["image.n"], metrics["image.n_ok"], metrics["image.n_ng"]) == (8, 4, 4)
        assert (metrics["image.escapes"], metrics["image.overkills"]) == (1, 1)
        assert metrics["image.confusion"]["ok"]["NG"] == 1
        assert len(metrics["image.sweep.thresholds"]) == 8
        assert metrics["image.doubtful.n"] == 4
        assert (metrics["image.doubtful.called_ng"], metrics["image.doubtful.called_ok"]) == (2, 2)
        assert metrics["image.doubtful.gray"] == 0
        assert metrics["image.doubtful.called_ng_rate"] == pytest.approx(0.5)
        assert metrics["image.doubtful.score_max"] == pytest.approx(0.95, abs=1e-4)
        assert metrics["image.doubtful.score_min"] == pytest.approx(0.1, abs=1e-4)
        rows = list(csv.DictReader((folder / "results.csv").open()))
        doubtful = [r for r in rows if r["label"] == "doubtful"]
        assert len(doubtful) == 4 and {r["outcome"] for r in doubtful} == {"doubtful"}
        assert sorted(r["verdict"] for r in doubtful) == ["NG", "NG", "OK", "OK"]
        assert "Of 4 doubtful parts" in (folder / "report.html").read_text(encoding="utf-8")
        # the Evaluate page's re-decisions at another threshold split them again
        session = EvaluationSession.load(project, "d")
        _, again = session.image_level(with_overrides(session.meta["model"]["decision"], 0.15))
        assert (again["image.doubtful.called_ng"], again["image.doubtful.called_ok"]) == (3, 1)
        assert again["image.overkills"] == 2  # ok@0.2 and ok@0.7; the doubtful ones still not counted


def test_without_doubtful_parts_the_keys_are_there_and_empty(tmp_path: Path) -> None:
    project, maps = make_eval_project(tmp_path / "proj")
    with project:
        metrics = evaluate(project, maps, "plain").metrics_flat
    assert metrics["image.doubtful.n"] == 0 and metrics["image.doubtful.called_ng_rate"] is None
    assert metrics["image.doubtful.score_median"] is None and doubtful_sentence(metrics) == ""


def test_doubtful_metrics_by_hand() -> None:
    m = doubtful_metrics([0.2, 0.9, 0.6, 0.4], ["OK", "NG", "GRAY", "OK"])
    assert (m["image.doubtful.n"], m["image.doubtful.called_ng"], m["image.doubtful.called_ok"]) == (4, 1, 2)
    assert m["image.doubtful.gray"] == 1 and m["image.doubtful.score_median"] == pytest.approx(0.5)
    assert doubtful_sentence(m).startswith(
        "Of 4 doubtful parts (the experts disagree), the model called 1 NG"
    )
    with pytest.raises(ValueError, match="verdict"):
        doubtful_metrics([0.5], ["MAYBE"])


def test_a_comparison_counts_mistakes_among_the_clear_parts(tmp_path: Path) -> None:
    from workbench.core.compare import compare_evaluations

    project, maps = make_eval_project(tmp_path / "proj", DOUBTFUL_PLAN)
    with project:
        evaluate(project, maps, "a", threshold=0.5)
        evaluate(project, maps, "b", threshold=0.15)
        result = compare_evaluations(project, "a", "b")
    assert result["n"] == 12 and result["wrong"]["n"] == 8 and result["gray"]["n"] == 8
    assert all(e["label"] != "doubtful" for e in [*result["fixed"], *result["broken"]])
