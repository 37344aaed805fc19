"""How a job ended, from what it reported and how its process exited: one rule for the CLI and the window.

The child writes ``done`` only after its work returned and recorded itself (a training run is
``completed``, its model and metrics written, before that), so a ``done`` result stands even when
the process then exits with an unexpected status (a crash while shutting down, a kill in the last
moment): the outcome keeps the reported state and carries a ``warning`` that says so. Without
``done``, an ``error`` event or a missing report means ``failed``, unless a cancel was asked for.
"""

from __future__ import annotations

from typing import Any

EXIT_OK, EXIT_FAILED, EXIT_CANCELLED = 0, 1, 3
JOB_STATES = ("completed", "cancelled", "failed")


def job_outcome(
    reported: dict[str, Any] | None, exit_code: int | None, cancel_requested: bool = False, hint: str = ""
) -> tuple[str, dict[str, Any]]:
    """The final state (``completed`` | ``cancelled`` | ``failed``) and result of an ended job.

    ``reported``: the ``done`` result, or ``{"error": message, ...}`` after an ``error`` event, or
    None when the child reported neither. ``hint`` (the tail of its stderr, say) explains a silent end.
    """
    result = dict(reported or {})
    status = result.get("status")
    if "error" in result:
        return "failed", result
    if status in ("completed", "cancelled"):
        expected = EXIT_OK if status == "completed" else EXIT_CANCELLED
        if exit_code is not None and exit_code != expected:
            result["warning"] = (
                f"the job process exited with status {exit_code} after it reported {status}; "
                "what it reported stands"
            )
        return str(status), result
    if cancel_requested:
        return "cancelled", result
    code = f" (exit status {exit_code})" if exit_code is not None else ""
    result["error"] = f"the job process ended unexpectedly{code}{hint}"
    return "failed", result
