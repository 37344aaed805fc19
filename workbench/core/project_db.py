"""Opening ``project.db`` safely: a damaged or empty database is refused (never re-created over
the user's images and masks), a read-only project opens for reading, and sqlite's errors become
one sentence naming the file.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from workbench.core.errors import DamagedProjectError, DiskFullError, ProjectError, ProjectReadOnlyError
from workbench.core.schema import SCHEMA_VERSION, current_version, migrate

SQLITE_HEADER = b"SQLite format 3\x00"
# Primary sqlite result codes (the low byte of an extended code).
SQLITE_PERM, SQLITE_READONLY, SQLITE_IOERR, SQLITE_CORRUPT = 3, 8, 10, 11
SQLITE_FULL, SQLITE_CANTOPEN, SQLITE_NOTADB = 13, 14, 26


def recover_hint(root: Path) -> str:
    return f"`workbench recover {root}` rebuilds the project from its images/ and masks/"


def damaged(db_path: Path, what: str) -> DamagedProjectError:
    return DamagedProjectError(
        f"{db_path} {what}; the project was left as it is, and " + recover_hint(db_path.parent)
    )


def read_only(root: Path, what: Path) -> ProjectReadOnlyError:
    return ProjectReadOnlyError(
        f"project {root} is read-only for this account (no write permission on {what}); "
        "it can only be opened for reading, e.g. by `workbench info`"
    )


def check_db_file(db_path: Path) -> None:
    """Refuse a file that cannot be a project's database before sqlite sees it (it would make an
    empty file a new, empty database)."""
    try:
        with open(db_path, "rb") as fh:
            head = fh.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        raise ProjectError(f"{db_path.parent} is not a workbench project (no {db_path.name})") from None
    except PermissionError:
        raise ProjectError(f"{db_path} cannot be read by this account (permission denied)") from None
    if not head:
        raise damaged(db_path, "is empty (0 bytes)")
    if head != SQLITE_HEADER:
        raise damaged(db_path, "is not an SQLite database (damaged or overwritten)")


def check_writable(root: Path, db_path: Path) -> None:
    """Refuse to open for writing a project this account cannot write (before the lock is taken)."""
    for path in (root, db_path):
        if path.exists() and not os.access(path, os.W_OK):
            raise read_only(root, path)


def translate(exc: sqlite3.Error, db_path: Path) -> ProjectError | None:
    """The user-facing error for a sqlite error on ``db_path``; ``None`` for a programming error."""
    code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
    if code in (SQLITE_CORRUPT, SQLITE_NOTADB):
        return damaged(db_path, f"is damaged ({exc})")
    if code == SQLITE_READONLY:
        return read_only(db_path.parent, db_path)
    if code == SQLITE_FULL:
        return DiskFullError(f"the disk holding {db_path.parent} is full ({exc}); free some space")
    if code in (SQLITE_PERM, SQLITE_CANTOPEN, SQLITE_IOERR):
        return ProjectError(f"{db_path} cannot be read or written ({exc})")
    return None


def open_connection(db_path: Path, readonly: bool, new: bool) -> sqlite3.Connection:
    """A connection to a project's database, schema up to date; see the module docstring."""
    if not new:
        check_db_file(db_path)
    try:
        conn = _connect_readonly(db_path) if readonly else _connect(db_path)
        try:
            _check_schema(conn, db_path, readonly, new)
        except BaseException:
            conn.close()
            raise
    except sqlite3.Error as exc:
        raise (translate(exc, db_path) or exc) from exc
    return conn


def _configure(conn: sqlite3.Connection) -> sqlite3.Connection:
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA busy_timeout = 10000")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def _connect(db_path: Path) -> sqlite3.Connection:
    conn = _configure(sqlite3.connect(db_path, check_same_thread=False, isolation_level=None))
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    return conn


def _connect_readonly(db_path: Path) -> sqlite3.Connection:
    """Read-only; in a folder this account cannot write (so sqlite cannot make the WAL's shared
    memory file), the database is opened as immutable, which is exact when no WAL is pending."""
    uri = db_path.as_uri() + "?mode=ro"
    conn = _configure(sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None))
    try:
        current_version(conn)
        return conn
    except sqlite3.OperationalError:
        conn.close()
        if os.access(db_path.parent, os.W_OK):
            raise
    wal = Path(f"{db_path}-wal")
    if wal.exists() and wal.stat().st_size:
        raise ProjectReadOnlyError(
            f"project {db_path.parent} was not closed cleanly ({wal.name} holds changes) and its "
            "folder is read-only for this account; open it once with write access to settle it"
        )
    return _configure(
        sqlite3.connect(uri + "&immutable=1", uri=True, check_same_thread=False, isolation_level=None)
    )


def _check_schema(conn: sqlite3.Connection, db_path: Path, readonly: bool, new: bool) -> None:
    version = current_version(conn)
    if version == 0 and not new:
        raise damaged(db_path, "holds no project tables")
    if readonly:
        if version > SCHEMA_VERSION:
            raise ProjectError(f"{db_path} is from a newer workbench; update to open it")
        return
    migrate(conn, str(db_path))
