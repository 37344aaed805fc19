"""One writer per project folder.

The lock is an OS advisory lock (``flock`` on POSIX, ``msvcrt.locking`` on Windows) held on
``<project>/.lock`` for as long as the project is open. The OS drops it when the holder dies,
so a lock left behind by a killed process is detected as stale and taken over; the file also
records who holds it, so a refusal can say which process and machine to look at.
"""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path
from typing import IO, Any

from workbench.core.errors import ProjectLockedError, ProjectReadOnlyError

LOCK_NAME = ".lock"


def _try_os_lock(fh: IO[str]) -> bool:
    if os.name == "nt":  # pragma: no cover - exercised on Windows only
        import msvcrt

        try:
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def read_lock_info(folder: Path) -> dict[str, Any]:
    """What the lock file says about its holder (empty if unreadable)."""
    try:
        data = json.loads((folder / LOCK_NAME).read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


class ProjectLock:
    """Exclusive write lock on a project folder; use as a context manager or acquire/release."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)
        self.path = self.folder / LOCK_NAME
        self._fh: IO[str] | None = None
        self.took_over_stale = False

    @property
    def held(self) -> bool:
        return self._fh is not None

    def acquire(self) -> None:
        """Take the lock or raise :class:`ProjectLockedError` naming the holder."""
        if self._fh is not None:
            return
        previous = read_lock_info(self.folder)
        try:
            fh = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held while open
        except PermissionError:
            raise ProjectReadOnlyError(
                f"project {self.folder} is read-only for this account (no write permission on "
                f"{self.path}); it can only be opened for reading, e.g. by `workbench info`"
            ) from None
        if not _try_os_lock(fh):
            fh.close()
            who = previous or read_lock_info(self.folder)
            raise ProjectLockedError(
                f"project {self.folder} is open for writing elsewhere "
                f"(pid {who.get('pid', '?')} on {who.get('host', '?')} since {who.get('since', '?')}); "
                "close it there first, or open this one read-only"
            )
        self.took_over_stale = bool(previous.get("pid"))
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "since": time.strftime("%Y-%m-%dT%H:%M:%S"),
        }
        fh.seek(0)
        fh.truncate()
        fh.write(json.dumps(info))
        fh.flush()
        self._fh = fh

    def release(self) -> None:
        """Drop the lock; the file is emptied so nobody mistakes it for a live holder."""
        if self._fh is None:
            return
        try:
            self._fh.seek(0)
            self._fh.truncate()
            self._fh.flush()
        finally:
            self._fh.close()  # closing the handle releases the OS lock
            self._fh = None

    def __enter__(self) -> ProjectLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
