"""The mask journal: every finished edit on disk at once, replayed after a crash, losses said."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from workbench.core.assist import MaskEditor
from workbench.core.assist.shapes import Rect
from workbench.core.mask_journal import (
    HEADER_SIZE,
    LOST_SUFFIX,
    JournalError,
    MaskJournal,
    read_journal,
    recover_journals,
)
from workbench.core.project import Project
from workbench.core.types import Sample

SIZE = (60, 80)


@pytest.fixture()
def sample(project: Project, tmp_path: Path, make_image) -> Sample:
    project.add_class("scratch")
    project.add_class("spot")
    make_image(tmp_path / "a.png", size=SIZE)
    sample, _ = project.add_sample([tmp_path / "a.png"])
    return sample


def _journaled_editor(project: Project, sample: Sample) -> tuple[MaskEditor, MaskJournal]:
    """An editor wired to a journal the way the Label page wires them."""
    editor = MaskEditor(project.read_mask(sample))
    journal = MaskJournal.for_sample(project.root, sample.id, sample.mask_rev, editor.shape)
    editor.on_change = lambda rect: journal.record(rect, editor.mask[rect.slices])
    return editor, journal


def _edit(editor: MaskEditor) -> None:
    """A brush stroke, an eraser stroke, a fill, and an undo and a redo of the fill."""
    editor.begin_stroke((10, 10), 4, 1)
    editor.extend_stroke((60, 12))
    editor.end_stroke()
    editor.begin_stroke((30, 10), 3, 0, "eraser")
    editor.end_stroke()
    region = np.zeros(SIZE, bool)
    region[30:50, 20:70] = True
    editor.fill(region, 2, "polygon")
    editor.undo()
    editor.redo()


def test_every_finished_edit_is_in_the_journal(project: Project, sample: Sample) -> None:
    editor, journal = _journaled_editor(project, sample)
    editor.begin_stroke((10, 10), 4, 1)
    editor.extend_stroke((40, 10))
    assert not journal.path.exists()  # a stroke in progress is not written
    editor.end_stroke()
    assert len(read_journal(journal.path).edits) == 1
    _edit(editor)
    content = read_journal(journal.path)
    assert len(content.edits) == 6 and not content.cut
    replayed = project.read_mask(sample)
    for rect, pixels in content.edits:
        replayed[rect.slices] = pixels
    np.testing.assert_array_equal(replayed, editor.mask)


def test_recovery_saves_the_edits_and_removes_the_journal(project: Project, sample: Sample) -> None:
    editor, journal = _journaled_editor(project, sample)
    _edit(editor)
    journal.close()  # the process died: the file stays

    result = recover_journals(project)

    assert result.recovered == [(sample.id, 5)] and result.lost == []
    np.testing.assert_array_equal(project.read_mask(sample.id), editor.mask)
    assert project.sample(sample.id).has_mask and not journal.path.exists()
    assert recover_journals(project).recovered == []  # nothing twice


def test_a_cut_last_record_loses_only_that_edit(project: Project, sample: Sample) -> None:
    editor, journal = _journaled_editor(project, sample)
    editor.begin_stroke((10, 10), 4, 1)
    editor.end_stroke()
    after_first = editor.mask.copy()
    editor.begin_stroke((10, 40), 4, 2)
    editor.end_stroke()
    journal.close()
    data = journal.path.read_bytes()
    journal.path.write_bytes(data[:-5])  # killed while the second record was being written

    result = recover_journals(project)

    assert result.recovered == [(sample.id, 1)]
    assert [(lost.name, lost.reason) for lost in result.lost] == [(sample.name, "last_edit")]
    np.testing.assert_array_equal(project.read_mask(sample.id), after_first)


def test_a_journal_cut_in_its_header_is_said(project: Project, sample: Sample) -> None:
    editor, journal = _journaled_editor(project, sample)
    editor.begin_stroke((10, 10), 4, 1)
    editor.end_stroke()
    journal.close()
    journal.path.write_bytes(journal.path.read_bytes()[: HEADER_SIZE - 3])

    result = recover_journals(project)

    assert result.recovered == [] and [(x.name, x.reason) for x in result.lost] == [
        (sample.name, "first_edit")
    ]
    assert not journal.path.exists() and not project.sample(sample.id).has_mask


def test_edits_on_a_mask_saved_since_are_kept_aside(project: Project, sample: Sample) -> None:
    editor, journal = _journaled_editor(project, sample)
    _edit(editor)
    journal.close()
    other = np.zeros(SIZE, np.uint8)
    other[0:5, 0:5] = 2
    project.write_mask(sample.id, other)  # e.g. an import replaced it before the window came back

    result = recover_journals(project)

    assert result.recovered == []
    ((lost),) = result.lost
    assert lost.reason == "saved_since" and lost.detail == f"{sample.id}{LOST_SUFFIX}"
    np.testing.assert_array_equal(project.read_mask(sample.id), other)
    assert not journal.path.exists() and journal.path.with_name(lost.detail).exists()
    assert recover_journals(project).lost == []  # said once


def test_saved_edits_and_edits_that_cancel_out_are_dropped_quietly(project: Project, sample: Sample) -> None:
    editor, journal = _journaled_editor(project, sample)
    editor.begin_stroke((10, 10), 4, 1)
    editor.end_stroke()
    editor.undo()
    journal.close()
    assert journal.path.exists()

    result = recover_journals(project)

    assert result.recovered == [] and result.lost == [] and not journal.path.exists()


def test_saving_the_mask_ends_the_journal(project: Project, sample: Sample) -> None:
    editor, journal = _journaled_editor(project, sample)
    editor.begin_stroke((10, 10), 4, 1)
    editor.end_stroke()
    saved = project.write_mask(sample.id, editor.mask)
    journal.saved(saved.mask_rev)
    assert not journal.path.exists()
    editor.begin_stroke((10, 40), 4, 2)
    editor.end_stroke()
    assert read_journal(journal.path).header.mask_rev == saved.mask_rev
    journal.close()

    assert recover_journals(project).recovered == [(sample.id, 1)]
    np.testing.assert_array_equal(project.read_mask(sample.id), editor.mask)


def test_a_damaged_journal_is_said_and_kept_aside(project: Project, sample: Sample) -> None:
    path = project.root / "masks" / f"{sample.id}.journal"
    path.write_bytes(b"not a journal at all, but long enough to have a header" * 2)
    with pytest.raises(JournalError):
        read_journal(path)

    result = recover_journals(project)

    ((lost),) = result.lost
    assert lost.name == sample.name and lost.reason == "unreadable" and "not a mask journal" in lost.detail
    assert path.with_name(f"{sample.id}{LOST_SUFFIX}").exists()


def test_records_must_fit_their_rectangle(tmp_path: Path) -> None:
    journal = MaskJournal.for_sample(tmp_path, 1, 0, SIZE)
    (tmp_path / "masks").mkdir()
    with pytest.raises(ValueError):
        journal.record(Rect(0, 0, 4, 4), np.zeros((3, 3), np.uint8))
    journal.record(Rect(0, 0, 0, 0), np.zeros((0, 0), np.uint8))  # nothing changed: nothing written
    assert not journal.path.exists()
