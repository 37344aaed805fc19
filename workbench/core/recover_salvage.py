"""What can still be read from a damaged ``project.db``, table by table.

Each table is read on its own: a damaged page loses the tables stored on it, not the others.
Nothing here writes; the database read is the copy recovery moved aside.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Salvage:
    """Rows read back from a damaged database (empty where a table could not be read)."""

    meta: dict[str, str] = field(default_factory=dict)
    classes: list[dict[str, Any]] = field(default_factory=list)
    samples: dict[int, dict[str, Any]] = field(default_factory=dict)
    channels: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    runs: list[dict[str, Any]] = field(default_factory=list)
    evaluations: list[dict[str, Any]] = field(default_factory=list)
    tables_read: list[str] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return bool(self.tables_read)


def _read(conn: sqlite3.Connection, sql: str) -> list[dict[str, Any]] | None:
    try:
        return [dict(r) for r in conn.execute(sql).fetchall()]
    except sqlite3.Error:
        return None


def salvage(db_path: Path) -> Salvage:
    """Read every table recovery can use from ``db_path``; what fails is left out."""
    out = Salvage()
    if not db_path.is_file() or db_path.stat().st_size == 0:
        return out
    try:
        conn = sqlite3.connect(db_path.as_uri() + "?mode=ro", uri=True)
    except sqlite3.Error:
        return out
    conn.row_factory = sqlite3.Row
    try:
        queries = {
            "meta": "SELECT key, value FROM meta",
            "classes": "SELECT id, name, color, description FROM classes ORDER BY id",
            "samples": "SELECT * FROM samples ORDER BY id",
            "channels": "SELECT * FROM channels ORDER BY sample_id, idx",
            "runs": "SELECT * FROM runs",
            "evaluations": "SELECT * FROM evaluations",
        }
        rows = {name: _read(conn, sql) for name, sql in queries.items()}
    finally:
        conn.close()
    out.tables_read = [name for name, got in rows.items() if got is not None]
    out.meta = {str(r["key"]): str(r["value"]) for r in rows["meta"] or []}
    out.classes = [r for r in rows["classes"] or [] if isinstance(r["id"], int) and 1 <= r["id"] <= 255]
    out.samples = {int(r["id"]): r for r in rows["samples"] or []}
    for r in rows["channels"] or []:
        out.channels.setdefault(int(r["sample_id"]), []).append(r)
    out.runs = rows["runs"] or []
    out.evaluations = rows["evaluations"] or []
    return out
