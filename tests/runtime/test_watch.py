"""Hot-folder mode: slow writes are waited for, bad files are survived, stopping is clean."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from workbench.core.imageio import encode_image
from workbench.runtime.inspector import Inspector, Result
from workbench.runtime.watch import FolderWatcher, WatchOptions, watch_folder


@pytest.fixture(scope="module")
def inspector(bundle_path: Path) -> Inspector:
    return Inspector(bundle_path, backend="onnxruntime", device="cpu")


def test_slow_copy_is_inspected_once_and_only_when_complete(
    inspector: Inspector, spot, tmp_path: Path
) -> None:
    data = encode_image(spot(4, h=120, w=160, spots=2), ".png")
    target = tmp_path / "part.png"
    seen: list[tuple[str, Result | None, str, float]] = []
    finished = threading.Event()
    done_at: list[float] = []

    def slow_copy() -> None:
        step = max(1, len(data) // 6)
        with target.open("wb") as fh:
            for i in range(0, len(data), step):
                if i:
                    time.sleep(0.15)  # longer than the stability window of 2 polls x 0.03 s
                fh.write(data[i : i + step])
                fh.flush()
        done_at.append(time.monotonic())
        finished.set()

    def report(path: str, result: Result | None, error: str) -> None:
        seen.append((path, result, error, time.monotonic()))

    writer = threading.Thread(target=slow_copy)
    writer.start()
    stop = threading.Event()
    watcher = FolderWatcher(inspector, tmp_path, report, WatchOptions(poll_s=0.03, give_up_s=5.0), stop)
    runner = threading.Thread(target=watcher.run)
    runner.start()
    finished.wait(10)
    deadline = time.monotonic() + 60  # a hang guard only: the loop ends as soon as the report comes
    while not seen and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.2)  # more polls: the file must not be reported again
    stop.set()
    runner.join(5)
    writer.join()
    assert not runner.is_alive()
    assert len(seen) == 1
    path, result, error, at = seen[0]
    assert path == str(target) and error == "" and result is not None
    assert at >= done_at[0]
    assert result.verdict == "NG" and (result.width, result.height) == (160, 120)


def test_bad_file_is_reported_once_and_watch_goes_on(inspector: Inspector, spot, tmp_path: Path) -> None:
    (tmp_path / "broken.png").write_bytes(b"\x89PNG garbage")
    (tmp_path / "good.png").write_bytes(encode_image(spot(5), ".png"))
    (tmp_path / ".partial.png").write_bytes(b"ignored: hidden name")
    (tmp_path / "notes.txt").write_text("not an image")
    lines: list[tuple[str, str, str]] = []

    def report(path: str, result: Result | None, error: str) -> None:
        lines.append((Path(path).name, result.verdict if result else "ERROR", error))

    count = watch_folder(inspector, tmp_path, report, poll_s=0.02, give_up_s=0.1, once=True, timeout_s=10)
    assert count == 2
    assert sorted(lines)[0][:2] == ("broken.png", "ERROR") and "broken.png" in sorted(lines)[0][2]
    assert sorted(lines)[1][:2] == ("good.png", "OK")


class FakeTime:
    """A clock that moves only when the watch sleeps, with a hook run at each sleep; it counts the
    sleeps and refuses to go on forever (a watch that ignored its end would otherwise never stop)."""

    def __init__(self, on_sleep: Callable[[int], None] = lambda n: None, max_sleeps: int = 1000) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []
        self.on_sleep = on_sleep
        self.max_sleeps = max_sleeps

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        if len(self.sleeps) >= self.max_sleeps:
            raise AssertionError(f"the watch went on after {self.max_sleeps} polls")
        self.sleeps.append(seconds)
        self.now += seconds
        self.on_sleep(len(self.sleeps))


def test_timeout_and_skip_existing(inspector: Inspector, spot, tmp_path: Path) -> None:
    (tmp_path / "old.png").write_bytes(encode_image(spot(6), ".png"))
    fake = FakeTime()
    lines: list[str] = []
    count = watch_folder(inspector, tmp_path, lambda path, *a: lines.append(path), clock=fake.clock,
                         sleep=fake.sleep, poll_s=0.25, skip_existing=True, timeout_s=1.0)  # fmt: skip
    assert count == 0 and lines == []
    # it polled until its own clock reached the timeout, not a poll less (binary-exact steps)
    assert fake.sleeps == [0.25] * 4 and fake.now == 1.0


def test_a_file_is_inspected_once_it_has_settled(inspector: Inspector, spot, tmp_path: Path) -> None:
    """A writer adds a chunk at each of the watch's sleeps; the file is reported once, after it has
    kept its size for ``stable_polls`` polls, and not before its last chunk."""
    data = encode_image(spot(4, h=120, w=160, spots=2), ".png")
    chunks = [data[i : i + len(data) // 5 + 1] for i in range(0, len(data), len(data) // 5 + 1)]
    target = tmp_path / "part.png"
    target.write_bytes(chunks[0])
    reported_at: list[int] = []

    def write_next(sleeps: int) -> None:
        if sleeps < len(chunks):
            with target.open("ab") as fh:
                fh.write(chunks[sleeps])

    fake = FakeTime(write_next)

    def report(path: str, result: Result | None, error: str) -> None:
        assert error == "" and result is not None and result.verdict == "NG"
        reported_at.append(len(fake.sleeps))

    count = watch_folder(inspector, tmp_path, report, clock=fake.clock, sleep=fake.sleep, poll_s=0.5,
                         stable_polls=2, give_up_s=100.0, once=True)  # fmt: skip
    assert count == 1 and target.read_bytes() == data
    # the last chunk came with sleep len(chunks) - 1; two unchanged polls later it was inspected
    assert reported_at == [len(chunks) - 1 + 2]
    assert fake.sleeps == [0.5] * reported_at[0]  # and the once-mode watch ended right there


def test_missing_folder_is_an_error(inspector: Inspector, tmp_path: Path) -> None:
    from workbench.core.errors import WorkbenchError

    with pytest.raises(WorkbenchError, match="does not exist"):
        FolderWatcher(inspector, tmp_path / "nope", lambda *a: None)


def test_watch_command_stops_cleanly_on_sigterm(bundle_path: Path, spot, tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys

    folder = tmp_path / "hot"
    folder.mkdir()
    out = tmp_path / "line.csv"
    cmd = [
        sys.executable,
        "-m",
        "workbench.runtime",
        "watch",
        str(bundle_path),
        str(folder),
        "--poll",
        "0.05",
        "--out",
        str(out),
        "--backend",
        "onnxruntime",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        (folder / "p1.png").write_bytes(encode_image(spot(8, spots=2), ".png"))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (not out.exists() or "p1.png" not in out.read_text()):
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        stdout, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, stderr
    assert "p1.png\tNG" in stdout
    assert "stopped after 1 image(s)" in stderr
    assert out.read_text().splitlines()[0].startswith("source,verdict")


def test_a_restart_with_its_record_reports_each_file_once(inspector: Inspector, spot, tmp_path: Path) -> None:
    folder, record = tmp_path / "hot", tmp_path / "line.watched"
    folder.mkdir()
    for i in range(3):
        (folder / f"p{i}.png").write_bytes(encode_image(spot(6 + i), ".png"))
    seen: list[str] = []

    def watch() -> int:
        return watch_folder(inspector, folder, lambda p, r, e: seen.append(Path(p).name), poll_s=0.01,
                            stable_polls=1, once=True, record=record)  # fmt: skip

    assert watch() == 3 and sorted(seen) == ["p0.png", "p1.png", "p2.png"]
    assert watch() == 0 and len(seen) == 3  # the restart skips what was reported
    (folder / "p1.png").write_bytes(encode_image(spot(20, spots=3), ".png"))  # new content, same name
    with record.open("a", encoding="utf-8") as fh:
        fh.write("12\t3")  # a line torn by a crash is skipped
    assert watch() == 1 and seen[-1] == "p1.png"
    assert watch() == 0  # what followed the torn line was recorded whole


def test_a_stop_request_ends_the_watch_between_two_images(inspector: Inspector, spot, tmp_path: Path) -> None:
    for i in range(5):
        (tmp_path / f"p{i}.png").write_bytes(encode_image(spot(6), ".png"))
    stop = threading.Event()
    seen: list[str] = []

    def report(path: str, result: Result | None, error: str) -> None:
        seen.append(path)
        stop.set()  # as Ctrl-C during the first image of the backlog

    count = watch_folder(inspector, tmp_path, report, stop=stop, poll_s=0.01, stable_polls=1, once=True)
    assert count == 1 and len(seen) == 1


def test_watch_command_with_out_skips_reported_images_on_restart(
    bundle_path: Path, spot, tmp_path: Path
) -> None:
    import subprocess
    import sys

    folder, out = tmp_path / "hot", tmp_path / "line.csv"
    folder.mkdir()
    (folder / "p1.png").write_bytes(encode_image(spot(8, spots=2), ".png"))
    cmd = [sys.executable, "-m", "workbench.runtime", "watch", str(bundle_path), str(folder),
           "--poll", "0.05", "--once", "--out", str(out), "--backend", "onnxruntime"]  # fmt: skip
    first = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    (folder / "p2.png").write_bytes(encode_image(spot(8), ".png"))
    second = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert "p1.png" in first.stdout and "p1.png" not in second.stdout and "p2.png" in second.stdout
    rows = out.read_text().splitlines()[1:]
    assert [r.split(",")[0].endswith("p1.png") for r in rows] == [True, False]
    assert (tmp_path / ".line.csv.watched").read_text().count("\n") == 2


def test_watch_out_keeps_an_older_results_file_aligned_with_its_header(tmp_path: Path, capsys) -> None:
    import csv

    from workbench.core.errors import WorkbenchError
    from workbench.runtime.cli import results_columns
    from workbench.runtime.output import CSV_COLUMNS, result_row

    old = tmp_path / "old.csv"
    old.write_text(",".join(CSV_COLUMNS[:-1]) + "\n", encoding="utf-8")  # before n_vetoed existed
    columns = results_columns(old)
    assert columns == CSV_COLUMNS[:-1] and "n_vetoed" in capsys.readouterr().err
    with old.open("a", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
        writer.writerow(result_row(None, "a.png", "bad"))
    rows = list(csv.reader(old.open(encoding="utf-8")))
    assert len(rows[1]) == len(rows[0]) == len(CSV_COLUMNS) - 1 and rows[1][:2] == ["a.png", "ERROR"]

    new = tmp_path / "new.csv"
    assert results_columns(new) == CSV_COLUMNS
    assert new.read_text(encoding="utf-8") == ",".join(CSV_COLUMNS) + "\n"
    assert results_columns(new) == CSV_COLUMNS  # a second start on its own file

    other = tmp_path / "other.csv"
    other.write_text("part,weight\n1,2\n", encoding="utf-8")
    with pytest.raises(WorkbenchError, match="not a results file"):
        results_columns(other)
    assert other.read_text(encoding="utf-8") == "part,weight\n1,2\n"
