"""One rule, shared by the CLI and the window, for how a job ended."""

from __future__ import annotations

from workbench.jobs.outcome import EXIT_CANCELLED, EXIT_FAILED, EXIT_OK, job_outcome


def test_a_reported_end_with_its_own_exit_status() -> None:
    assert job_outcome({"status": "completed", "run_id": "r"}, EXIT_OK) == (
        "completed", {"status": "completed", "run_id": "r"})  # fmt: skip
    assert job_outcome({"status": "cancelled"}, EXIT_CANCELLED) == ("cancelled", {"status": "cancelled"})


def test_a_bad_exit_after_done_keeps_what_was_reported_with_a_warning() -> None:
    state, result = job_outcome({"status": "completed", "metrics": {"epochs": 1}}, -11)
    assert state == "completed" and result["metrics"] == {"epochs": 1}
    assert "exited with status -11 after it reported completed" in result["warning"]
    assert "error" not in result


def test_an_error_event_fails_the_job_whatever_the_exit_status() -> None:
    assert job_outcome({"error": "bad crop"}, EXIT_FAILED) == ("failed", {"error": "bad crop"})
    assert job_outcome({"error": "bad crop"}, EXIT_OK)[0] == "failed"


def test_a_silent_end_fails_unless_a_cancel_was_asked_for() -> None:
    state, result = job_outcome(None, -9, hint=": Killed")
    assert state == "failed"
    assert result["error"] == "the job process ended unexpectedly (exit status -9): Killed"
    assert job_outcome(None, -9, cancel_requested=True) == ("cancelled", {})
