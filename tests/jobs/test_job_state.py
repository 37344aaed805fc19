"""The one reducer of job events (the CLI's progress bar and the window both read it)."""

from __future__ import annotations

import io

from workbench.jobs.events import (
    ArtifactEvent,
    DoneEvent,
    ErrorEvent,
    EventWriter,
    LogEvent,
    MetricEvent,
    ProgressEvent,
    parse_event,
)
from workbench.jobs.job_state import JobState
from workbench.jobs.outcome import EXIT_FAILED, EXIT_OK


def _state(*events: object) -> JobState:
    state = JobState()
    for event in events:
        state.apply(event)  # type: ignore[arg-type]
    return state


def test_a_stream_reduces_to_progress_metrics_log_and_the_reported_end() -> None:
    state = _state(
        LogEvent("run r1: segmentation"),
        ProgressEvent(0.25, "epoch 1 step 3"),
        MetricEvent("train.loss", 0.7, 1),
        MetricEvent("val.dice", 0.61, 2),
        MetricEvent("val.auroc", None, 2),  # not a number: recorded, never shown
        MetricEvent("val.score", 0.8, 2),
        ProgressEvent(0.5, "epoch 2 step 6"),
        MetricEvent("val.dice", 0.64, 3),
        ArtifactEvent("runs/r1/model.pt"),
        DoneEvent({"status": "completed", "run_id": "r1"}),
    )
    assert (state.fraction, state.message, state.epoch) == (0.5, "epoch 2 step 6", 3)
    assert state.metrics["val.dice"] == 0.64 and state.metrics["val.auroc"] is None
    assert state.validation() == {"dice": 0.64}  # the combined score and missing values left out
    assert state.status_line() == "epoch 2 step 6 dice 0.640"
    assert state.log == ["run r1: segmentation"] and state.artifacts == ["runs/r1/model.pt"]
    done = ("completed", {"status": "completed", "run_id": "r1"})
    assert state.outcome(EXIT_OK, cancel_requested=False) == done


def test_an_error_event_fails_the_job_and_keeps_its_traceback() -> None:
    state = _state(ProgressEvent(0.1, "loading"), ErrorEvent("no-such-net", "Traceback ..."))
    assert state.outcome(EXIT_FAILED, cancel_requested=False) == ("failed", {"error": "no-such-net"})
    assert state.traceback == "Traceback ..."
    assert _state().outcome(None, cancel_requested=True) == ("cancelled", {})


def test_events_written_by_the_child_read_back_alike() -> None:
    out = io.StringIO()
    writer = EventWriter(out)
    writer.progress(0.5, "half")
    writer.metric("val.dice", 0.5, 1)
    writer.error("boom", "tb")
    parsed = [parse_event(line) for line in out.getvalue().splitlines()]
    state = _state(*parsed)
    assert (state.fraction, state.metrics, state.reported) == (0.5, {"val.dice": 0.5}, {"error": "boom"})


def test_progress_never_goes_back_and_the_time_left_counts_down_until_the_end() -> None:
    state = _state(ProgressEvent(0.5, "epoch 1 step 10", time=100.0, eta_s=40.0))
    # training re-planned its epochs: its own fraction dropped, the shown one stays
    state.apply(ProgressEvent(0.34, "epoch 2 step 1", time=110.0, eta_s=30.0))
    assert state.fraction == 0.5 and state.message == "epoch 2 step 1"
    assert state.eta(now=110.0) == 30.0 and state.eta(now=125.0) == 15.0 and state.eta(now=500.0) == 0.0
    state.apply(ProgressEvent(0.6, "loading", time=111.0))  # a step without an estimate shows none
    assert state.fraction == 0.6 and state.eta(now=111.0) is None
    state.apply(ProgressEvent(0.7, "epoch 2 step 3", time=112.0, eta_s=20.0))
    state.apply(DoneEvent({"status": "completed"}, time=113.0))
    assert state.ended and state.eta(now=113.0) is None  # never after the end


def test_the_cli_bar_shows_the_jobs_time_left_only_while_it_runs() -> None:
    from workbench.commands.common import ProgressBar

    out = io.StringIO()
    bar = ProgressBar("train", stream=out, own_eta=False)
    bar(0.5, "epoch 1", 42.0)
    bar._last = 0.0
    bar(0.6, "epoch 2", None)
    bar.done()
    lines = out.getvalue().splitlines()
    assert "ETA   42s" in lines[0] and "ETA" not in lines[1] and "ETA" not in lines[2]


def test_the_writer_sends_the_estimate_with_progress() -> None:
    out = io.StringIO()
    EventWriter(out).progress(0.25, "epoch 1", eta_s=12.345)
    event = parse_event(out.getvalue())
    assert isinstance(event, ProgressEvent) and event.eta_s == 12.3
