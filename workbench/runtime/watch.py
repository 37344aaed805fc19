"""Hot-folder mode: inspect each new image in a folder once it is completely written.

A file counts as complete when its size and modification time have not changed over
``stable_polls`` polls and it decodes. A camera or copy that writes slowly is thus waited for;
a file that stays undecodable for ``give_up_s`` seconds is reported once as an error and skipped.

With a ``record`` file, each reported file's name, size and modification time are appended to it
(flushed) once its result was handed on, and a restarted watch reads it back: a file is reported
once across restarts, unless it is replaced by new content under the same name. A stop request is
honoured between two images, not after the whole backlog.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.core.errors import ImageReadError, WorkbenchError
from workbench.core.imageio import is_image_file, read_image
from workbench.runtime.inspector import Inspector, Result

OnResult = Callable[[str, Result | None, str], None]
Clock = Callable[[], float]  # seconds, monotonic
Sleep = Callable[[float], object]  # waits that many seconds (the stop event's wait by default)


@dataclass
class _Pending:
    signature: tuple[int, int]
    stable: int = 0
    stable_since: float = 0.0


@dataclass
class WatchOptions:
    """How the folder is polled and when the watcher stops."""

    poll_s: float = 0.5
    stable_polls: int = 2
    give_up_s: float = 10.0
    once: bool = False
    timeout_s: float | None = None
    skip_existing: bool = False
    record: Path | None = None  # files already reported, kept across restarts


def describe_error(exc: Exception) -> str:
    """A workbench error's own message; anything else with its type, for the result line."""
    return str(exc) if isinstance(exc, WorkbenchError) else f"{type(exc).__name__}: {exc}"


def _looks_complete(path: Path) -> bool:
    """Cheap end-marker check for PNG / JPEG, so half-written files are not decoded (and logged)."""
    suffix = path.suffix.lower()
    if suffix not in (".png", ".jpg", ".jpeg"):
        return True
    try:
        with path.open("rb") as fh:
            size = fh.seek(0, os.SEEK_END)
            fh.seek(max(0, size - (12 if suffix == ".png" else 65536)))
            tail = fh.read()
    except OSError:
        return False
    return b"IEND" in tail if suffix == ".png" else b"\xff\xd9" in tail


def _signature(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns)


class FolderWatcher:
    """Polls ``folder``; calls ``on_result(path, result_or_None, error)`` once per finished image."""

    def __init__(
        self,
        inspector: Inspector,
        folder: str | os.PathLike[str],
        on_result: OnResult,
        options: WatchOptions | None = None,
        stop: threading.Event | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep | None = None,
    ) -> None:
        self.inspector = inspector
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise WorkbenchError(f"watch folder {self.folder} does not exist or is not a folder")
        self.on_result = on_result
        self.options = options or WatchOptions()
        self.stop = stop or threading.Event()
        # the time source and the wait between polls: tests pass a fake pair to see what the
        # watch waits for without waiting; the wait ends early on a stop request by default
        self.clock = clock
        self.sleep: Sleep = sleep if sleep is not None else self.stop.wait
        self.done: dict[Path, tuple[int, int]] = {}
        self.pending: dict[Path, _Pending] = {}
        self.count = 0
        if self.options.record is not None:
            here = self.folder.absolute()
            done = read_record(self.options.record)
            self.done.update({self.folder / p.name: sig for p, sig in done.items() if p.parent == here})

    def _candidates(self) -> list[Path]:
        try:
            names = sorted(os.listdir(self.folder))
        except OSError:
            return []
        # Temporary names used by copy tools (".part", ".tmp", dot files) are ignored.
        return [self.folder / n for n in names if not n.startswith(".") and is_image_file(n)]

    def _handle(self, path: Path, sig: tuple[int, int], entry: _Pending, now: float) -> None:
        try:
            if not _looks_complete(path):
                raise ImageReadError(path, "the file ends before its end marker (still being written?)")
            image = read_image(path)
        except ImageReadError as exc:
            if now - entry.stable_since < self.options.give_up_s:
                return  # maybe still being written by a writer that pauses; try again later
            self._finish(path, sig, None, str(exc))
            return
        try:
            result = self.inspector.inspect(image)
            result.source = str(path)
        except Exception as exc:  # the line keeps running whatever one image does to a backend
            self._finish(path, sig, None, describe_error(exc))
            return
        self._finish(path, sig, result, "")

    def _finish(self, path: Path, sig: tuple[int, int], result: Result | None, error: str) -> None:
        self.pending.pop(path, None)
        self.done[path] = sig
        self.count += 1
        self.on_result(str(path), result, error)
        if self.options.record is not None:
            append_record(self.options.record, path, sig)

    def poll(self) -> None:
        """One pass over the folder."""
        now = self.clock()
        for path in self._candidates():
            if self.stop.is_set():
                return  # Ctrl-C / SIGTERM: stop after the image in hand, not after the backlog
            sig = _signature(path)
            if sig is None or sig[0] == 0 or self.done.get(path) == sig:
                continue
            entry = self.pending.get(path)
            if entry is None or entry.signature != sig:
                self.pending[path] = _Pending(sig, 0, now)
                continue
            entry.stable += 1
            if entry.stable >= self.options.stable_polls:
                self._handle(path, sig, entry, now)
        for path in [p for p in self.pending if not p.exists()]:
            del self.pending[path]

    def run(self) -> int:
        """Poll until stopped, timed out, or (``once``) until the folder holds nothing unfinished."""
        start = self.clock()
        if self.options.skip_existing:
            for path in self._candidates():
                sig = _signature(path)
                if sig is not None:
                    self.done[path] = sig
        while not self.stop.is_set():
            self.poll()
            if self.options.once and not self.pending and self._all_done():
                break
            timeout = self.options.timeout_s
            if timeout is not None and self.clock() - start >= timeout:
                break
            self.sleep(self.options.poll_s)
        return self.count

    def _all_done(self) -> bool:
        sigs = [(p, _signature(p)) for p in self._candidates()]
        return all(self.done.get(p) == sig for p, sig in sigs if sig is not None and sig[0] > 0)


def read_record(record: Path) -> dict[Path, tuple[int, int]]:
    """The files a previous watch reported (``append_record`` lines); a torn last line is skipped."""
    done: dict[Path, tuple[int, int]] = {}
    try:
        text = record.read_text(encoding="utf-8")
    except FileNotFoundError:
        return done
    except OSError as exc:
        raise WorkbenchError(f"cannot read the watch record {record}: {exc}") from exc
    for line in text.splitlines():
        size, _, rest = line.partition("\t")
        mtime, _, name = rest.partition("\t")
        if size.isdigit() and mtime.isdigit() and name:
            done[Path(name)] = (int(size), int(mtime))
    return done


def append_record(record: Path, path: Path, sig: tuple[int, int]) -> None:
    """Add one reported file to ``record`` (a line ``size<TAB>mtime_ns<TAB>path``, flushed to disk)."""
    with record.open("a+b") as fh:
        line = f"{sig[0]}\t{sig[1]}\t{path.absolute()}\n".encode()
        if fh.seek(0, os.SEEK_END) > 0:
            fh.seek(-1, os.SEEK_END)
            if fh.read(1) != b"\n":
                line = b"\n" + line  # a line torn by a crash ends before this one starts
        fh.write(line)
        fh.flush()
        os.fsync(fh.fileno())


def watch_folder(
    inspector: Inspector,
    folder: str | os.PathLike[str],
    on_result: OnResult,
    stop: threading.Event | None = None,
    clock: Clock = time.monotonic,
    sleep: Sleep | None = None,
    **options: Any,
) -> int:
    """Run a :class:`FolderWatcher` (``options``: :class:`WatchOptions`); returns how many files it
    reported. ``clock`` and ``sleep`` are the time source and the wait between polls."""
    return FolderWatcher(inspector, folder, on_result, WatchOptions(**options), stop, clock, sleep).run()
