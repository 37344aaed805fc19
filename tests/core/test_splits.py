"""Splits: stratified and seeded assignment, the locked test set, near-duplicate leaks, the CLI."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from workbench.cli import main
from workbench.core.errors import ProjectError
from workbench.core.health import DUPLICATE_SIMILARITY
from workbench.core.imageio import write_image
from workbench.core.project import Project
from workbench.core.splits import (
    assign_splits,
    find_split_leaks,
    lock_test,
    parse_ratios,
    quotas,
    split_counts,
    unlock_test,
)
from workbench.core.types import FLAG_SPLIT_LEAK


def _noise(seed: int, size: int = 48) -> np.ndarray:
    # Blocky noise: every seed gives a structurally different image, so perceptual hashes differ.
    small = np.random.default_rng(seed).integers(0, 256, (8, 8), dtype=np.uint8)
    return np.kron(small, np.ones((size // 8, size // 8), np.uint8))


def _add(project: Project, tmp: Path, seed: int, label: str, mask_class: int = 0, img=None) -> int:
    path = tmp / f"img_{seed}.png"
    write_image(path, _noise(seed) if img is None else img)
    mask = None
    if mask_class:
        mask = np.zeros((48, 48), np.uint8)
        mask[5:15, 5:15] = mask_class
    sample, _ = project.add_sample([path], label=label, mask=mask)
    return sample.id


@pytest.fixture()
def project(tmp_path: Path):
    proj = Project.create(tmp_path / "proj")
    yield proj
    proj.close()


def _fill(project: Project, tmp: Path, n_ok: int = 20, per_class: tuple[int, ...] = (10, 3)) -> None:
    src = tmp / "src"
    src.mkdir(exist_ok=True)
    seed = 0
    for _ in range(n_ok):
        seed += 1
        _add(project, src, seed, "ok")
    for cls_index, n in enumerate(per_class, start=1):
        cls = project.add_class(f"defect{cls_index}")
        for _ in range(n):
            seed += 1
            _add(project, src, seed, "ng", cls.id)


def test_quotas_sum_and_small_class_minimum() -> None:
    assert quotas(3, (0.7, 0.15, 0.15)) == [1, 1, 1]
    assert quotas(20, (0.7, 0.15, 0.15)) == [14, 3, 3]
    assert quotas(2, (0.7, 0.15, 0.15)) == [2, 0, 0]
    assert sum(quotas(17, (0.6, 0.3, 0.1))) == 17
    assert quotas(5, (1.0, 0.0, 0.0)) == [5, 0, 0]  # a zero ratio stays empty


def test_parse_ratios_normalises_and_rejects_garbage() -> None:
    assert parse_ratios("7,1.5,1.5") == pytest.approx((0.7, 0.15, 0.15))
    with pytest.raises(ProjectError, match="three numbers"):
        parse_ratios("a,b,c")
    with pytest.raises(ProjectError, match="non-negative"):
        parse_ratios("0.5,0.5")


def test_assign_is_stratified_and_reaches_small_classes(project: Project, tmp_path: Path) -> None:
    _fill(project, tmp_path)
    result = assign_splits(project, seed=1)
    assert result["assigned"] == 33
    assert all(s.split is not None for s in project.samples())
    per = Counter((s.split, s.label, s.classes) for s in project.samples())
    assert per[("train", "ok", ())] == 14 and per[("val", "ok", ())] == 3 and per[("test", "ok", ())] == 3
    for split in ("train", "val", "test"):
        assert per[(split, "ng", (2,))] == 1  # the 3-sample class reaches every split
    assert [per[(split, "ng", (1,))] for split in ("train", "val", "test")] == [7, 2, 1]


def test_same_seed_same_splits_other_seed_differs(tmp_path: Path) -> None:
    layouts = []
    for run, seed in enumerate((5, 5, 6)):
        with Project.create(tmp_path / f"p{run}") as proj:
            _fill(proj, tmp_path, n_ok=20, per_class=())
            assign_splits(proj, seed=seed)
            layouts.append([s.split for s in proj.samples()])
    assert layouts[0] == layouts[1]
    assert layouts[0] != layouts[2]


def test_only_unassigned_keeps_existing_and_locked_test_is_never_entered(
    project: Project, tmp_path: Path
) -> None:
    _fill(project, tmp_path, n_ok=20, per_class=())
    assign_splits(project, seed=0)
    before = {s.id: s.split for s in project.samples()}
    assert lock_test(project) == 3
    src = tmp_path / "new"
    src.mkdir()
    new_ids = [_add(project, src, 1000 + i, "ok") for i in range(10)]
    result = assign_splits(project, seed=0)
    assert result["assigned"] == 10 and result["test_locked"]
    after = {s.id: s.split for s in project.samples()}
    assert all(after[i] == split for i, split in before.items())
    assert {after[i] for i in new_ids} <= {"train", "val"}
    # Re-dealing everything still leaves the locked test set exactly as it was.
    assign_splits(project, seed=3, only_unassigned=False)
    test_now = {s.id for s in project.samples(split="test")}
    assert test_now == {i for i, split in before.items() if split == "test"}


def test_locked_test_refuses_moves_and_unlock_allows(project: Project, tmp_path: Path) -> None:
    _fill(project, tmp_path, n_ok=10, per_class=())
    assign_splits(project)
    lock_test(project)
    test_id = project.samples(split="test")[0].id
    with pytest.raises(ProjectError, match="locked"):
        project.update_samples([test_id], split="train")
    unlock_test(project)
    project.update_samples([test_id], split="train")
    assert project.sample(test_id).split == "train"


def test_lock_needs_a_test_set(project: Project, tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="no test samples"):
        lock_test(project)
    assert not project.test_locked


def test_near_duplicates_stay_together_and_leaks_are_flagged(project: Project, tmp_path: Path) -> None:
    _fill(project, tmp_path, n_ok=12, per_class=())
    base = _noise(999).astype(np.int16)
    src = tmp_path / "twins"
    src.mkdir()
    twin_a = _add(project, src, 2000, "ok", img=base.astype(np.uint8))
    twin_b = _add(project, src, 2001, "ok", img=np.clip(base + 3, 0, 255).astype(np.uint8))
    result = assign_splits(project, seed=0)
    assert result["kept_together"] == 1
    assert project.sample(twin_a).split == project.sample(twin_b).split
    assert find_split_leaks(project) == []
    other = "test" if project.sample(twin_a).split != "test" else "val"
    project.update_samples([twin_b], split=other)
    leaks = find_split_leaks(project)
    assert [(lk.a.id, lk.b.id) for lk in leaks] == [(twin_a, twin_b)]
    assert leaks[0].similarity >= DUPLICATE_SIMILARITY
    assert FLAG_SPLIT_LEAK in project.sample(twin_a).flags
    assert FLAG_SPLIT_LEAK in project.sample(twin_b).flags
    project.update_samples([twin_b], split=project.sample(twin_a).split)
    assert find_split_leaks(project) == []
    assert FLAG_SPLIT_LEAK not in project.sample(twin_b).flags


def test_split_counts_include_unassigned(project: Project, tmp_path: Path) -> None:
    _fill(project, tmp_path, n_ok=4, per_class=(2,))
    counts = split_counts(project)
    assert counts["none"] == {"ok": 4, "ng": 2, "doubtful": 0, "unlabeled": 0}


def test_cli_split_json_and_lock(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with Project.create(tmp_path / "proj") as proj:
        _fill(proj, tmp_path, n_ok=10, per_class=(3,))
    code = main(["split", str(tmp_path / "proj"), "--seed", "2", "--lock-test", "--json"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert report["assigned"] == 13 and report["test_locked"] is True
    assert report["per_split"]["test"]["ng"] == 1 and report["leaks"] == []
    code = main(["split", str(tmp_path / "proj"), "--unlock-test", "--all"])
    out = capsys.readouterr().out
    assert code == 0 and "assigned 13 sample(s)" in out and "no near-duplicates" in out
    assert "(locked)" not in out


def test_cli_bad_ratios_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    Project.create(tmp_path / "proj").close()
    assert main(["split", str(tmp_path / "proj"), "--ratios", "x"]) == 1
    assert "split ratios" in capsys.readouterr().err


def test_new_twin_joins_its_assigned_twin_unless_the_test_set_is_locked(
    project: Project, tmp_path: Path
) -> None:
    _fill(project, tmp_path, n_ok=9, per_class=())
    src = tmp_path / "twins"
    src.mkdir()
    base = _noise(777)
    old_twin = _add(project, src, 3000, "ok", img=base)
    project.update_samples([old_twin], split="test")
    new_twin = _add(project, src, 3001, "ok", img=np.clip(base.astype(int) + 2, 0, 255).astype(np.uint8))
    result = assign_splits(project, seed=0)
    assert project.sample(new_twin).split == "test" and result["kept_together"] == 1
    # Locked: the twin may not enter the test set, so the leak is unavoidable and reported.
    project.update_samples([new_twin], split=None)
    lock_test(project)
    assign_splits(project, seed=0)
    assert project.sample(new_twin).split in ("train", "val")
    leaks = find_split_leaks(project)
    assert {(lk.a.id, lk.b.id) for lk in leaks} == {(old_twin, new_twin)}
