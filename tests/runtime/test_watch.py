"""Hot-folder mode: slow writes are waited for, bad files are survived, stopping is clean."""

from __future__ import annotations

import threading
import time
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


def test_timeout_and_skip_existing(inspector: Inspector, spot, tmp_path: Path) -> None:
    (tmp_path / "old.png").write_bytes(encode_image(spot(6), ".png"))
    # If the timeout were ignored, this stop event would end the watch instead (and the test says so).
    backstop = threading.Event()
    timer = threading.Timer(60, backstop.set)
    timer.start()
    start = time.monotonic()
    try:
        count = watch_folder(
            inspector,
            tmp_path,
            lambda *a: None,
            stop=backstop,
            poll_s=0.02,
            skip_existing=True,
            timeout_s=0.2,
        )
    finally:
        timer.cancel()
    assert not backstop.is_set(), "the watch ignored its timeout"
    assert count == 0
    # The watch measures its own timeout on the same monotonic clock, so it can never end sooner
    # however slow or busy the machine is: a lower bound is a guarantee, an upper bound is not.
    assert time.monotonic() - start >= 0.2


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
