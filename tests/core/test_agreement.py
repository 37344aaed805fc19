"""Agreement between labelers: kappa, IoU and the merge rule against hand-computed values."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from workbench.core.agreement import (
    MERGED,
    agreement,
    class_ious,
    cohen_kappa,
    merge_label,
    merge_masks,
    use_labels,
)
from workbench.core.errors import ProjectError
from workbench.core.project import Project


def test_kappa_of_a_two_by_two_table() -> None:
    # ok/ok 4, ok/ng 2, ng/ok 1, ng/ng 3: observed 0.7; A gives ok 6 of 10, B 5 of 10, so chance
    # agreement 0.6*0.5 + 0.4*0.5 = 0.5 and kappa (0.7 - 0.5) / (1 - 0.5) = 0.4.
    a = ["ok"] * 6 + ["ng"] * 4
    b = ["ok"] * 4 + ["ng"] * 2 + ["ok"] + ["ng"] * 3
    assert cohen_kappa(a, b) == pytest.approx(0.4)


def test_kappa_with_doubtful_parts() -> None:
    # 6 items, 4 agree; A: ok 2, ng 3, doubtful 1; B: ok 3, ng 2, doubtful 1 -> chance 13/36,
    # kappa (24/36 - 13/36) / (23/36) = 11/23.
    a = ["ok", "ok", "ng", "ng", "doubtful", "ng"]
    b = ["ok", "ok", "ng", "ng", "ok", "doubtful"]
    assert cohen_kappa(a, b) == pytest.approx(11 / 23)
    assert cohen_kappa(["ok", "ok"], ["ok", "ok"]) is None  # chance agreement is total
    assert cohen_kappa(["ok", "ng"], ["ng", "ok"]) == pytest.approx(-1.0)


def test_iou_per_class() -> None:
    a = np.zeros((4, 4), np.uint8)
    b = np.zeros((4, 4), np.uint8)
    a[0, :4] = 1  # 4 pixels
    b[0, 2:4] = 1
    b[1, 0:2] = 1  # 2 shared of 6 in the union
    a[3, 3] = 2  # class 2 only in a
    assert class_ious(a, b) == {1: pytest.approx(1 / 3), 2: 0.0}
    assert class_ious(np.zeros((2, 2), np.uint8), np.zeros((2, 2), np.uint8)) == {}


def test_merge_rule() -> None:
    assert merge_label(["ok", "ok", "ng"]) == "ok"
    assert merge_label(["ok", "ng"]) == "doubtful"  # a tie
    assert merge_label(["ng", "ok", "doubtful", "ng"]) == "ng"
    m1 = np.array([[1, 1, 0, 2]], np.uint8)
    m2 = np.array([[1, 0, 0, 2]], np.uint8)
    m3 = np.array([[0, 0, 1, 1]], np.uint8)
    assert merge_masks([m1, m2, m3]).tolist() == [[1, 0, 0, 2]]
    assert merge_masks([m1, m3]).tolist() == [[0, 0, 0, 0]]  # two masks: only where both agree


def _project_with_two_labelers(tmp_path: Path, make_image) -> Project:
    project = Project.create(tmp_path / "proj")
    project.add_class("scratch")
    ids = []
    for i in range(4):
        make_image(tmp_path / f"{i}.png", seed=i, size=(4, 4))
        ids.append(project.add_sample([tmp_path / f"{i}.png"])[0].id)
    mask_a = np.zeros((4, 4), np.uint8)
    mask_a[0, :4] = 1
    mask_b = np.zeros((4, 4), np.uint8)
    mask_b[0, 2:4] = 1
    mask_b[1, 0:2] = 1
    for name, labels, mask in (
        ("ann", ["ng", "ok", "ng", "ok"], mask_a),
        ("bo", ["ng", "ok", "ok", "ok"], mask_b),
    ):
        project.set_labeler(name)
        for sid, label in zip(ids, labels, strict=True):
            project.update_samples([sid], label=label)
        project.write_mask(ids[0], mask)
    project.set_labeler(None)
    return project


def test_project_agreement_and_disagreements(tmp_path: Path, make_image) -> None:
    with _project_with_two_labelers(tmp_path, make_image) as project:
        report = agreement(project)
        # ng/ng, ok/ok, ng/ok, ok/ok: observed 3/4; ann ng 2 ok 2, bo ng 1 ok 3 -> chance 1/2, kappa 1/2
        assert report.labelers == ["ann", "bo"]
        assert report.kappa == pytest.approx(0.5) == report.kappa_pairs["ann|bo"]
        assert report.iou_per_class == {"scratch": pytest.approx(1 / 3)} and report.mean_iou == pytest.approx(
            1 / 3
        )
        assert [(s.sample_id, s.labels) for s in report.disagreements] == [
            (1, {"ann": "ng", "bo": "ng"}),  # the masks overlap by a third
            (3, {"ann": "ng", "bo": "ok"}),
        ]
        assert agreement(project, min_iou=0.3).disagreements[0].sample_id == 3
        assert report.to_dict()["compared"] == 4


def test_labels_written_without_a_labeler_are_nobodys(project: Project, make_image, tmp_path: Path) -> None:
    make_image(tmp_path / "a.png", size=(4, 4))
    sid = project.add_sample([tmp_path / "a.png"])[0].id
    project.update_samples([sid], label="ng")
    assert project.labeler_entries() == []
    with pytest.raises(ProjectError, match="cannot be used"):
        project.set_labeler("../x")


def test_use_one_labeler_or_the_merge(tmp_path: Path, make_image) -> None:
    with _project_with_two_labelers(tmp_path, make_image) as project:
        assert use_labels(project, "ann") >= 1
        assert [s.label for s in project.samples()] == ["ng", "ok", "ng", "ok"]
        assert project.read_mask(1)[0].tolist() == [1, 1, 1, 1]
        use_labels(project, MERGED)
        assert [s.label for s in project.samples()] == ["ng", "ok", "doubtful", "ok"]
        assert project.read_mask(1).sum() == 2  # the pixels both marked
        assert project.meta("labels_from") == MERGED
        assert len(project.labeler_entries()) == 8  # writing the active set recorded nobody's labels
        with pytest.raises(ProjectError, match="no labels of labeler 'zed'"):
            use_labels(project, "zed")


def test_removing_a_sample_removes_its_labeler_masks(tmp_path: Path, make_image) -> None:
    with _project_with_two_labelers(tmp_path, make_image) as project:
        path = project.labeler_mask_path("ann", 1)
        assert path.is_file()
        project.remove_samples([1])
        assert not path.exists() and all(e.sample_id != 1 for e in project.labeler_entries())


def test_an_old_project_migrates_to_labeler_labels(tmp_path: Path) -> None:
    from core.test_schema_doubtful import _schema_2_project

    root = tmp_path / "old"
    _schema_2_project(root)
    with Project.open(root) as project:
        assert [s.label for s in project.samples()] == ["ok", "ng"]
        assert project.labeler_names() == [] and agreement(project).kappa is None
        project.record_labeler(2, "ann", label="ng")
        assert project.labeler_entries()[0].label == "ng"


def test_three_labelers_give_pairwise_kappas_and_their_mean(
    project: Project, make_image, tmp_path: Path
) -> None:
    ids = []
    for i in range(4):
        make_image(tmp_path / f"{i}.png", seed=i, size=(4, 4))
        ids.append(project.add_sample([tmp_path / f"{i}.png"])[0].id)
    # a and b: ok ok ng ng against ok ng ng ng -> observed 3/4, chance (1/2)(1/4) + (1/2)(3/4) = 1/2,
    # kappa 1/2;
    # a and c: identical -> kappa 1; b and c as a and b -> 1/2; mean (1/2 + 1 + 1/2) / 3 = 2/3
    for name, labels in (("a", "ok ok ng ng"), ("b", "ok ng ng ng"), ("c", "ok ok ng ng")):
        for sid, label in zip(ids, labels.split(), strict=True):
            project.record_labeler(sid, name, label=label)
    report = agreement(project)
    assert report.kappa_pairs == {
        "a|b": pytest.approx(0.5),
        "a|c": pytest.approx(1.0),
        "b|c": pytest.approx(0.5),
    }
    assert report.kappa == pytest.approx(2 / 3)
    assert [s.sample_id for s in report.disagreements] == [ids[1]]


def test_the_cache_rereads_only_changed_records(tmp_path: Path, make_image, monkeypatch) -> None:
    with _project_with_two_labelers(tmp_path, make_image) as project:
        cache: dict = {}
        first = agreement(project, cache=cache)
        reads: list[int] = []
        original = project.read_labeler_mask
        monkeypatch.setattr(project, "read_labeler_mask", lambda n, s: reads.append(s.id) or original(n, s))
        assert agreement(project, cache=cache).to_dict() == first.to_dict() and reads == []
        project.record_labeler(1, "bo", mask=project.read_labeler_mask("ann", project.sample(1)))
        reads.clear()
        assert agreement(project, cache=cache).iou_per_class == {"scratch": 1.0} and set(reads) == {1}
