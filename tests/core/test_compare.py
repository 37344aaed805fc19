"""Comparing evaluations: fixed / broken images, intervals, and the same-set rule."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from eval_helpers import evaluate, fake_predictor, make_eval_project, model_info

from workbench.core.compare import compare_evaluations, mcnemar_exact, newcombe_difference
from workbench.core.errors import ProjectError
from workbench.core.evaluation import run_evaluation
from workbench.core.project import Project


@pytest.fixture()
def built(tmp_path: Path) -> Iterator[tuple[Project, dict[str, np.ndarray]]]:
    project, maps = make_eval_project(tmp_path / "proj")
    yield project, maps
    project.close()


def test_fixed_and_broken_images(built: tuple[Project, dict]) -> None:
    project, maps = built
    evaluate(project, maps, "a", threshold=0.5)
    evaluate(project, maps, "b", threshold=0.15)  # catches ng@0.3, rejects ok@0.2
    result = compare_evaluations(project, "a", "b")
    assert [(e["name"], e["a"], e["b"]) for e in result["fixed"]] == [("part_2", "escape", "correct")]
    assert [(e["name"], e["a"], e["b"]) for e in result["broken"]] == [("part_5", "correct", "overkill")]
    esc, ovk = result["escape"], result["overkill"]
    assert (esc["a"], esc["b"], esc["n"], esc["delta"]) == (1, 0, 4, -0.25)
    assert (ovk["a"], ovk["b"], ovk["only_b"]) == (1, 2, 1)
    assert esc["delta_ci95"][0] < esc["delta"] < esc["delta_ci95"][1]
    assert esc["mcnemar_p"] == pytest.approx(1.0)


def test_refuses_different_sample_sets(built: tuple[Project, dict]) -> None:
    project, maps = built
    evaluate(project, maps, "a")
    ids = [s.id for s in project.samples()][:5]
    run_evaluation(project, fake_predictor(maps), model_info(), split="test", sample_ids=ids, eval_id="part")
    with pytest.raises(ProjectError, match=r"different samples.*same locked test set"):
        compare_evaluations(project, "a", "part")


def test_refuses_changed_labels(built: tuple[Project, dict]) -> None:
    project, maps = built
    evaluate(project, maps, "a")
    project.update_samples([project.samples()[4].id], label="ng")
    evaluate(project, maps, "b")
    with pytest.raises(ProjectError, match=r"disagree on the label of 1 sample.*part_4"):
        compare_evaluations(project, "a", "b")


def test_missing_evaluation_is_named(built: tuple[Project, dict]) -> None:
    project, maps = built
    evaluate(project, maps, "a")
    with pytest.raises(ProjectError, match="'nope'"):
        compare_evaluations(project, "a", "nope")


def test_newcombe_matches_the_published_example() -> None:
    # Newcombe (1998), Stat. Med. 17:873, example (a): 56/70 vs 48/80, method 10: 0.0524 to 0.3339.
    lo, hi = newcombe_difference(48, 80, 56, 70)
    assert lo == pytest.approx(0.0524, abs=5e-4) and hi == pytest.approx(0.3339, abs=5e-4)
    assert newcombe_difference(0, 0, 1, 3) == (-1.0, 1.0)


def test_mcnemar_exact_p_values() -> None:
    assert mcnemar_exact(0, 5) == pytest.approx(2 * 0.5**5)
    assert mcnemar_exact(3, 3) == 1.0 and mcnemar_exact(0, 0) == 1.0
    assert mcnemar_exact(1, 9) == pytest.approx(2 * 11 / 1024)
