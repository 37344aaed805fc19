"""The label check's pure parts: folds over train + val, suspects ranked from hand-made score maps."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from workbench.core.label_check import (
    TAG,
    LabelCheckError,
    OutOfFold,
    Suspect,
    assign_folds,
    check_samples,
    find_suspects,
    precision_at,
    ranked_samples,
    reason_text,
)
from workbench.core.label_check_store import (
    LabelCheck,
    latest_check,
    open_review_queue,
    read_check,
    write_check,
)
from workbench.core.project import Project
from workbench.core.types import Sample


def _sample(sid: int, label: str, split: str | None = "train") -> Sample:
    return Sample(sid, f"s{sid}", f"h{sid}", label, split, "", "", (), (), (), 8, 8, 1, "uint8", False, 0,  # type: ignore[arg-type]
                  "", None, "", "")  # fmt: skip


def _mixed() -> list[Sample]:
    out = []
    for i in range(40):
        label = "ng" if i % 4 == 0 else "ok"
        split = ("train", "val", "test", None)[i % 3] if i % 5 else "test"
        out.append(_sample(i, label, split))
    out += [_sample(100, "doubtful"), _sample(101, "unlabeled"), _sample(102, "ok", "test")]
    return out


def test_the_test_split_and_unclear_parts_stay_out_of_the_folds() -> None:
    chosen = check_samples(_mixed())
    assert chosen and all(s.split != "test" for s in chosen)
    assert all(s.label in ("ok", "ng") for s in chosen)
    assert {100, 101, 102}.isdisjoint(s.id for s in chosen)
    folds = assign_folds(chosen, 3, seed=1)
    assert set(folds) == {s.id for s in chosen}


def test_folds_are_stratified_by_label_and_seeded() -> None:
    samples = [_sample(i, "ng" if i < 10 else "ok") for i in range(50)]
    folds = assign_folds(samples, 5, seed=3)
    per = Counter((folds[s.id], s.label) for s in samples)
    assert all(per[(k, "ng")] == 2 for k in range(5))
    assert all(per[(k, "ok")] == 8 for k in range(5))
    assert assign_folds(samples, 5, seed=3) == folds
    assert assign_folds(samples, 5, seed=4) != folds


def test_near_duplicates_share_a_fold() -> None:
    samples = [_sample(i, "ok") for i in range(20)]
    pairs = [(0, 1), (1, 2), (5, 17)]
    for seed in range(5):
        folds = assign_folds(samples, 4, seed=seed, pairs=pairs)
        assert folds[0] == folds[1] == folds[2]
        assert folds[5] == folds[17]


def test_too_few_samples_or_folds_are_refused() -> None:
    with pytest.raises(LabelCheckError):
        assign_folds([_sample(1, "ok")], 2)
    with pytest.raises(LabelCheckError):
        assign_folds([_sample(i, "ok") for i in range(5)], 1)


def _oof(sid: int, label: str, peak: float, mask: np.ndarray | None = None,
         square: tuple[int, int] | None = None, threshold: float = 0.5) -> OutOfFold:  # fmt: skip
    scores = np.full((1, 32, 32), 0.05, np.float32)
    if square is not None:
        y, x = square
        scores[0, y : y + 6, x : x + 6] = peak
    else:
        scores[0, 10, 10] = peak
    return OutOfFold(sid, label, scores, (threshold,), (1,), mask, merged=False)


def _square_mask(*squares: tuple[int, int]) -> np.ndarray:
    mask = np.zeros((32, 32), np.uint8)
    for y, x in squares:
        mask[y : y + 6, x : x + 6] = 1
    return mask


def test_a_flipped_ok_ranks_first() -> None:
    results = [
        _oof(1, "ok", 0.1),
        _oof(2, "ok", 0.55),  # just past the threshold: a weak suspect
        _oof(3, "ok", 0.99),  # an NG part labelled OK
        _oof(4, "ng", 0.9, _square_mask((4, 4)), (4, 4)),
        _oof(5, "ng", 0.3, _square_mask((4, 4)), (4, 4)),  # NG with a low score
    ]
    suspects = find_suspects(results)
    assert suspects[0].sample_id == 3 and suspects[0].reason == "ok_scored_ng"
    assert ranked_samples(suspects)[0] == 3
    assert {s.sample_id for s in suspects if s.reason == "ng_scored_ok"} == {5}
    assert 1 not in {s.sample_id for s in suspects} and 4 not in {s.sample_id for s in suspects}
    assert suspects[0].details["image_score"] == pytest.approx(0.99, abs=1e-5)
    assert [s.suspicion for s in suspects] == sorted((s.suspicion for s in suspects), reverse=True)


def test_a_removed_mask_region_and_a_region_outside_the_mask_are_found() -> None:
    # the model finds two squares; the mask holds one of them and a third one the model misses
    scores = np.full((1, 32, 32), 0.02, np.float32)
    scores[0, 2:8, 2:8] = 0.95
    scores[0, 20:26, 20:26] = 0.9
    mask = _square_mask((2, 2), (12, 22))
    r = OutOfFold(7, "ng", scores, (0.5,), (1,), mask)
    suspects = find_suspects([r])
    reasons = {s.reason: s for s in suspects}
    assert set(reasons) == {"mask_region_missed", "region_outside_mask"}
    assert reasons["mask_region_missed"].details["box"] == [22, 12, 6, 6]
    assert reasons["region_outside_mask"].details["box"] == [20, 20, 6, 6]
    assert reasons["mask_region_missed"].suspicion > 0.9  # the missed region scored 0.02


def test_merged_models_find_any_class_and_classifiers_skip_regions() -> None:
    scores = np.full((1, 16, 16), 0.02, np.float32)
    scores[0, 2:8, 2:8] = 0.9
    mask = np.zeros((16, 16), np.uint8)
    mask[2:8, 2:8] = 2  # class 2, one merged channel standing for class 1
    assert find_suspects([OutOfFold(1, "ng", scores, (0.5,), (1,), mask, merged=True)]) == []
    # a model of separate classes calls the class-2 region class 1: the class-2 region is missed, and
    # the class-1 region lies on the mask, so it is not outside it
    assert [s.reason for s in find_suspects([OutOfFold(1, "ng", scores, (0.5,), (1,), mask)])] == [
        "mask_region_missed"
    ]
    whole = np.full((1, 1, 1), 0.2, np.float32)
    assert [s.reason for s in find_suspects([OutOfFold(2, "ng", whole, (0.5,), (1,), None)])] == [
        "ng_scored_ok"
    ]


def test_reasons_have_both_languages_and_precision_counts_the_top() -> None:
    assert reason_text("ok_scored_ng") != reason_text("ok_scored_ng", "zh")
    assert "NG" in reason_text("ok_scored_ng", "zh_CN")
    assert precision_at([3, 1, 2, 9], {3, 2}) == 0.5
    assert precision_at([3, 2], {3, 2}) == 1.0
    assert precision_at([], set()) is None


def test_a_stored_check_opens_as_a_review_queue(project: Project, tmp_path: Path) -> None:
    import cv2

    ids = []
    for i in range(4):
        path = tmp_path / f"i{i}.png"
        cv2.imwrite(str(path), (np.random.default_rng(i).random((16, 16)) * 255).astype(np.uint8))
        ids.append(project.add_sample([path], label="ok", split="train")[0].id)
    project.update_samples([ids[3]], add_tags=[TAG])  # from an earlier check, no longer suspect
    folder = project.root / "label_checks" / "20260101-000000-abc"
    folder.mkdir(parents=True)
    suspects = [Suspect(ids[1], "ok_scored_ng", 0.7), Suspect(ids[2], "ok_scored_ng", 0.9),
                Suspect(ids[1], "ok_scored_ng", 0.6)]  # fmt: skip
    write_check(LabelCheck("20260101-000000-abc", folder, "t", {"folds": 2}, {i: {"fold": 0} for i in ids},
                           suspects))  # fmt: skip
    check = latest_check(project.root)
    assert check is not None and check.check_id == "20260101-000000-abc"
    assert read_check(project.root, check.check_id).queue() == [ids[2], ids[1]]
    assert open_review_queue(project, check) == [ids[2], ids[1]]
    tagged = {s.id: s for s in project.samples(tag=TAG)}
    assert set(tagged) == {ids[1], ids[2]}
    assert all(s.review == "needs_review" for s in tagged.values())


def test_an_ng_image_whose_mask_was_never_drawn_has_its_regions_outside() -> None:
    scores = np.full((1, 16, 16), 0.02, np.float32)
    scores[0, 2:8, 2:8] = 0.9
    empty = np.zeros((16, 16), np.uint8)
    assert [s.reason for s in find_suspects([OutOfFold(1, "ng", scores, (0.5,), (1,), empty)])] == [
        "region_outside_mask"
    ]
    assert find_suspects([OutOfFold(1, "ng", scores, (0.5,), (1,), None)]) == []  # no mask read: image level
