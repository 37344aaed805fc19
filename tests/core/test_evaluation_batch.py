"""Evaluation through a batched predictor: images go in chunks, the stored maps are the same."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest
from eval_helpers import evaluate, fake_predictor, make_eval_project, model_info

from workbench.core import evaluation
from workbench.core.cancel import Cancelled, CancelToken
from workbench.core.evaluation import BatchedPredictor, run_evaluation
from workbench.core.project import Project


@pytest.fixture()
def built(tmp_path: Path) -> Iterator[tuple[Project, dict[str, np.ndarray]]]:
    project, maps = make_eval_project(tmp_path / "proj")
    yield project, maps
    project.close()


def _batched(maps: dict[str, np.ndarray], calls: list[int]) -> BatchedPredictor:
    one = fake_predictor(maps)

    def many(images: Sequence[np.ndarray], cancel: CancelToken | None) -> list[np.ndarray]:
        calls.append(len(images))
        return [one(im) for im in images]

    return BatchedPredictor(one, many)


def test_batched_predictor_gets_chunks_and_stores_the_same_maps(
    built: tuple[Project, dict[str, np.ndarray]], monkeypatch: pytest.MonkeyPatch
) -> None:
    project, maps = built
    single = evaluate(project, maps, "single")
    calls: list[int] = []
    monkeypatch.setattr(evaluation, "CHUNK_IMAGES", 3)
    batched = run_evaluation(project, _batched(maps, calls), model_info(), split="test", eval_id="batched")
    assert calls == [3, 3, 2]
    for case in single.cases:
        np.testing.assert_array_equal(batched.score_map(case.sample_id), single.score_map(case.sample_id))
    assert batched.metrics_flat["image.escapes"] == single.metrics_flat["image.escapes"]
    calls.clear()
    monkeypatch.setattr(evaluation, "CHUNK_PIXELS", 2 * 48 * 48)  # the plan's images are 48x48
    run_evaluation(project, _batched(maps, calls), model_info(), split="test", eval_id="by-pixels")
    assert calls == [2, 2, 2, 2]


def test_cancel_reaches_the_batched_predictor(
    built: tuple[Project, dict[str, np.ndarray]], monkeypatch: pytest.MonkeyPatch
) -> None:
    project, maps = built
    monkeypatch.setattr(evaluation, "CHUNK_IMAGES", 3)
    token = CancelToken()
    seen: list[CancelToken | None] = []
    one = fake_predictor(maps)

    def many(images: Sequence[np.ndarray], cancel: CancelToken | None) -> list[np.ndarray]:
        seen.append(cancel)
        token.cancel()
        return [one(im) for im in images]

    with pytest.raises(Cancelled):
        run_evaluation(project, BatchedPredictor(one, many), model_info(), split="test", cancel=token)
    assert seen == [token]  # cancelled during the first chunk: the second never starts
