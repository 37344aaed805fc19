"""Log and progress events carry a line's id and args beside its English text; plain ones stay as before."""

from __future__ import annotations

import io
import json

from workbench.core.messages import Message
from workbench.jobs.events import EventWriter, LogEvent, ProgressEvent, parse_event

STEP = Message("test_event_step", "step {step}/{steps} loss {loss:.3f}")


def test_a_registered_line_travels_with_its_id_and_a_plain_one_as_before() -> None:
    out = io.StringIO()
    events = EventWriter(out)
    events.log(STEP(step=2, steps=5, loss=0.25))
    events.log("plain words")
    events.progress(0.5, STEP(step=3, steps=5, loss=0.125))
    lines = out.getvalue().splitlines()
    first, plain = json.loads(lines[0]), json.loads(lines[1])
    assert first["message"] == "step 2/5 loss 0.250" and first["msg_id"] == "test_event_step"
    assert first["args"] == {"step": "2", "steps": "5", "loss": "0.250"}
    assert "msg_id" not in plain and "args" not in plain  # the layout older readers know
    read = [parse_event(line) for line in lines]
    assert isinstance(read[0], LogEvent) and read[0].msg_id == "test_event_step"
    assert read[0].args["loss"] == "0.250"
    assert isinstance(read[2], ProgressEvent) and read[2].msg_id == "test_event_step"
    assert read[2].message == "step 3/5 loss 0.125"


def test_an_event_written_before_line_ids_reads_back_without_one() -> None:
    event = parse_event('{"type": "log", "message": "old line", "time": 1.0}')
    assert event == LogEvent("old line", 1.0)
    assert event is not None and event.msg_id == "" and event.args == {}
