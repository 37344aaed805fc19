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
