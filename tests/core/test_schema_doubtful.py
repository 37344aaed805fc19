"""Schema step 3: the label 'doubtful'; a project of schema 2 opens and keeps all its data."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from workbench.core.errors import ProjectError
from workbench.core.imageio import write_image
from workbench.core.project import DB_NAME, Project
from workbench.core.schema import MIGRATIONS, SCHEMA_VERSION

STAMP = "2026-01-01T00:00:00Z"


def _schema_2_project(root: Path) -> None:
    """A project folder whose database is exactly what schema 2 made, with three samples (one deleted)."""
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    conn = sqlite3.connect(root / DB_NAME, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    for number, step in enumerate(MIGRATIONS[:2], start=1):
        conn.executescript(
            f"BEGIN;{step};INSERT OR REPLACE INTO meta VALUES('schema_version', '{number}');COMMIT;"
        )
    conn.executescript("INSERT INTO meta VALUES('name', 'old'), ('task', 'segmentation');")
    for i, label in enumerate(("ok", "ng", "unlabeled"), start=1):
        img = np.full((8, 8), 40 * i, np.uint8)
        write_image(root / "images" / f"h{i}.png", img)
        conn.execute(
            "INSERT INTO samples(name, content_hash, label, split, tags, width, height, n_channels, dtype,"
            " has_mask, mask_rev, created_at, updated_at) VALUES(?,?,?,?,?,8,8,1,'uint8',?,?,?,?)",
            (
                f"s{i}",
                f"h{i}",
                label,
                "train",
                '["lot"]',
                int(label == "ng"),
                int(label == "ng"),
                STAMP,
                STAMP,
            ),
        )
        conn.execute(
            "INSERT INTO channels VALUES(?, 0, ?, ?, ?, 1)", (i, f"images/h{i}.png", f"s{i}.png", f"h{i}")
        )
    conn.execute(
        "INSERT INTO imports(source, importer, status, started_at) VALUES('x', 'folder', 'completed', ?)",
        (STAMP,),
    )
    conn.execute("INSERT INTO mask_origins VALUES(2, 1, 1)")
    conn.execute("DELETE FROM samples WHERE id = 3")  # its id must not come back
    conn.close()


def test_a_schema_2_project_opens_migrated_and_keeps_its_data(tmp_path: Path) -> None:
    root = tmp_path / "old"
    _schema_2_project(root)
    with Project.open(root) as project:
        assert project.meta("schema_version") == str(SCHEMA_VERSION) and SCHEMA_VERSION >= 3
        samples = project.samples()
        assert [(s.id, s.name, s.label, s.split, s.tags) for s in samples] == [
            (1, "s1", "ok", "train", ("lot",)),
            (2, "s2", "ng", "train", ("lot",)),
        ]
        assert [len(s.channel_files) for s in samples] == [1, 1]  # channels survived the rebuild
        assert project.mask_origin(2) is not None and project.mask_origin(2).mask_rev == 1
        project.update_samples([1], label="doubtful")
        assert project.sample(1).label == "doubtful"
        write_image(tmp_path / "new.png", np.full((8, 8), 7, np.uint8))
        added, _ = project.add_sample([tmp_path / "new.png"], label="doubtful")
        assert added.id == 4  # the deleted sample's id 3 is not handed out again
        # foreign keys are on again after the migration: removing a sample removes its channels
        project.remove_samples([2])
    conn = sqlite3.connect(root / DB_NAME)
    assert conn.execute("SELECT sample_id FROM channels ORDER BY sample_id").fetchall() == [(1,), (4,)]
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert {"samples_label", "samples_split"} <= indexes
    conn.close()


def test_the_database_refuses_a_label_it_does_not_know(tmp_path: Path) -> None:
    with Project.create(tmp_path / "p") as project:
        write_image(tmp_path / "a.png", np.zeros((8, 8), np.uint8))
        sample, _ = project.add_sample([tmp_path / "a.png"], label="doubtful")
        with pytest.raises(ProjectError, match="label"):
            project.update_samples([sample.id], label="maybe")
        with pytest.raises(sqlite3.IntegrityError), project.transaction() as conn:
            conn.execute("UPDATE samples SET label='maybe' WHERE id=?", (sample.id,))
