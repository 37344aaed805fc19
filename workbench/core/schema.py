"""Schema of ``project.db``: numbered migrations, applied in order inside one transaction each.

A migration is never edited once released; a change to the schema is a new numbered step.
"""

from __future__ import annotations

import sqlite3

from workbench.core.errors import ProjectError

# A migration is SQL text; it runs inside one transaction together with the version bump.
MIGRATIONS: list[str] = [
    """
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
        CREATE TABLE classes (
            id INTEGER PRIMARY KEY,          -- value of this class in mask PNGs (1..255)
            name TEXT NOT NULL UNIQUE,
            color TEXT NOT NULL,             -- '#rrggbb'
            description TEXT NOT NULL DEFAULT ''
        );
        CREATE TABLE samples (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL,
            content_hash TEXT NOT NULL UNIQUE,
            label TEXT NOT NULL DEFAULT 'unlabeled' CHECK (label IN ('ok', 'ng', 'unlabeled')),
            split TEXT CHECK (split IS NULL OR split IN ('train', 'val', 'test')),
            review TEXT NOT NULL DEFAULT '' CHECK (review IN ('', 'needs_review', 'reviewed')),
            notes TEXT NOT NULL DEFAULT '',
            tags TEXT NOT NULL DEFAULT '[]',
            flags TEXT NOT NULL DEFAULT '[]',
            classes TEXT NOT NULL DEFAULT '[]',
            width INTEGER NOT NULL,
            height INTEGER NOT NULL,
            n_channels INTEGER NOT NULL,
            dtype TEXT NOT NULL,
            has_mask INTEGER NOT NULL DEFAULT 0,
            mask_rev INTEGER NOT NULL DEFAULT 0,
            source TEXT NOT NULL DEFAULT '',
            last_score REAL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX samples_label ON samples(label);
        CREATE INDEX samples_split ON samples(split);
        CREATE TABLE channels (
            sample_id INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            file TEXT NOT NULL,              -- relative to the project folder
            original_name TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            channels INTEGER NOT NULL,
            PRIMARY KEY (sample_id, idx)
        );
        CREATE TABLE runs (
            id TEXT PRIMARY KEY,
            task TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN
                ('pending', 'running', 'completed', 'failed', 'cancelled')),
            name TEXT NOT NULL DEFAULT '',
            config TEXT NOT NULL DEFAULT '{}',
            metrics TEXT NOT NULL DEFAULT '{}',
            dataset TEXT NOT NULL DEFAULT '{}',
            parent TEXT,
            pid INTEGER,
            error TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            started_at TEXT,
            finished_at TEXT
        );
        CREATE TABLE evaluations (
            id TEXT PRIMARY KEY,
            run_id TEXT,
            bundle TEXT,
            split TEXT,
            metrics TEXT NOT NULL DEFAULT '{}',
            created_at TEXT NOT NULL
        );
        CREATE TABLE imports (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            source TEXT NOT NULL,
            importer TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
            started_at TEXT NOT NULL,
            finished_at TEXT
        );
        CREATE TABLE import_items (
            import_id INTEGER NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
            item TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('imported', 'duplicate', 'skipped')),
            reason TEXT NOT NULL DEFAULT '',
            sample_id INTEGER,
            PRIMARY KEY (import_id, item)
        );
    """,
    # 2: which masks an import wrote, so importing again can tell them from masks drawn in the
    # workbench (any later save moves samples.mask_rev past the one recorded here).
    """
        CREATE TABLE mask_origins (
            sample_id INTEGER PRIMARY KEY REFERENCES samples(id) ON DELETE CASCADE,
            import_id INTEGER NOT NULL,
            mask_rev INTEGER NOT NULL        -- samples.mask_rev right after the import wrote it
        );
    """,
    # 3: the label 'doubtful' (a part the experts disagree on). SQLite cannot change a CHECK, so the
    # table is rebuilt under another name and renamed (``migrate`` turns foreign keys off for it, so
    # dropping the old table deletes no channel or mask origin); the id sequence is carried over
    # so ids of deleted samples are never handed out again.
    """
        CREATE TABLE samples_v3 (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL,
            content_hash TEXT NOT NULL UNIQUE,
            label TEXT NOT NULL DEFAULT 'unlabeled'
                CHECK (label IN ('ok', 'ng', 'doubtful', 'unlabeled')),
            split TEXT CHECK (split IS NULL OR split IN ('train', 'val', 'test')),
            review TEXT NOT NULL DEFAULT '' CHECK (review IN ('', 'needs_review', 'reviewed')),
            notes TEXT NOT NULL DEFAULT '',
            tags TEXT NOT NULL DEFAULT '[]',
            flags TEXT NOT NULL DEFAULT '[]',
            classes TEXT NOT NULL DEFAULT '[]',
            width INTEGER NOT NULL,
            height INTEGER NOT NULL,
            n_channels INTEGER NOT NULL,
            dtype TEXT NOT NULL,
            has_mask INTEGER NOT NULL DEFAULT 0,
            mask_rev INTEGER NOT NULL DEFAULT 0,
            source TEXT NOT NULL DEFAULT '',
            last_score REAL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        INSERT INTO samples_v3(id, name, content_hash, label, split, review, notes, tags, flags, classes,
            width, height, n_channels, dtype, has_mask, mask_rev, source, last_score, created_at, updated_at)
        SELECT id, name, content_hash, label, split, review, notes, tags, flags, classes,
            width, height, n_channels, dtype, has_mask, mask_rev, source, last_score, created_at, updated_at
        FROM samples;
        DELETE FROM sqlite_sequence WHERE name = 'samples_v3';
        INSERT INTO sqlite_sequence(name, seq)
            SELECT 'samples_v3', seq FROM sqlite_sequence WHERE name = 'samples';
        DROP TABLE samples;
        ALTER TABLE samples_v3 RENAME TO samples;
        CREATE INDEX samples_label ON samples(label);
        CREATE INDEX samples_split ON samples(split);
    """,
    # 4: labels of several labelers. The sample's own label and mask stay the active set that
    # training reads; each labeler's image label and mask are kept here (the mask file is
    # masks/labelers/<labeler>/<sample_id>.png while it holds a defect pixel).
    """
        CREATE TABLE IF NOT EXISTS labeler_labels (
            sample_id INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
            labeler TEXT NOT NULL,
            label TEXT CHECK (label IS NULL OR label IN ('ok', 'ng', 'doubtful', 'unlabeled')),
            has_mask INTEGER NOT NULL DEFAULT 0,   -- 1: the labeler saved a mask (maybe empty)
            rev INTEGER NOT NULL DEFAULT 1,        -- +1 on every write (what a comparison cache keys on)
            updated_at TEXT NOT NULL,
            PRIMARY KEY (sample_id, labeler)
        );
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)


def current_version(conn: sqlite3.Connection) -> int:
    """The schema version stored in the database (0 for an empty database)."""
    has_meta = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'").fetchone()
    if not has_meta:
        return 0
    row = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    return int(row[0]) if row else 0


def migrate(conn: sqlite3.Connection, db_name: str = "project.db") -> int:
    """Bring the database up to :data:`SCHEMA_VERSION`; refuse a newer one. Returns the version."""
    version = current_version(conn)
    if version > SCHEMA_VERSION:
        raise ProjectError(
            f"{db_name} has schema version {version}, newer than this workbench "
            f"understands ({SCHEMA_VERSION}); update the workbench to open it"
        )
    if version == SCHEMA_VERSION:
        return SCHEMA_VERSION
    # A step may rebuild a table others refer to; with foreign keys on, dropping the old table would
    # cascade. The pragma is a no-op inside a transaction, so it is switched around the steps.
    foreign_keys = bool(conn.execute("PRAGMA foreign_keys").fetchone()[0])
    conn.execute("PRAGMA foreign_keys = OFF")
    try:
        for number in range(version + 1, SCHEMA_VERSION + 1):
            # DDL is transactional in SQLite: a crash mid-step leaves the previous version intact.
            conn.executescript(
                "BEGIN;\n"
                + MIGRATIONS[number - 1]
                + ";\nINSERT INTO meta(key, value) VALUES('schema_version', '"
                + str(number)
                + "') ON CONFLICT(key) DO UPDATE SET value=excluded.value;\nCOMMIT;"
            )
    finally:
        if foreign_keys:
            conn.execute("PRAGMA foreign_keys = ON")
    return SCHEMA_VERSION
