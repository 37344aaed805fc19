"""The states of a training run and which moves between them are legal.

``Project.move_run`` is the one function that changes a run's state; it checks every move here.
A run is recorded ``pending``, its job makes it ``running``, and it ends ``completed``, ``failed``
or ``cancelled``. An ended run stays ended, except that resuming it (more epochs from its last
checkpoint) makes it ``running`` again.
"""

from __future__ import annotations

from workbench.core.errors import ProjectError

RUN_STATES = ("pending", "running", "completed", "failed", "cancelled")
ACTIVE_STATES = frozenset({"pending", "running"})
ENDED_STATES = frozenset({"completed", "failed", "cancelled"})
MOVES: dict[str, frozenset[str]] = {
    "pending": frozenset({"running", "failed", "cancelled"}),
    "running": frozenset({"completed", "failed", "cancelled"}),
    "completed": frozenset(),
    "failed": frozenset(),
    "cancelled": frozenset(),
}


class RunStateError(ProjectError):
    """A run was asked to move to a state it cannot reach from its current one."""


def check_move(run_id: str, current: str, new: str, resume: bool = False) -> None:
    """Raise :class:`RunStateError` unless ``current -> new`` is legal (``resume``: an ended run restarts)."""
    if new not in RUN_STATES:
        raise RunStateError(f"unknown run state {new!r}; expected one of {', '.join(RUN_STATES)}")
    if new in MOVES.get(current, frozenset()):
        return
    if resume and new == "running" and current in ENDED_STATES:
        return
    why = " (an ended run runs again only by resuming it)" if current in ENDED_STATES else ""
    raise RunStateError(f"run {run_id} is {current}; it cannot become {new}{why}")
