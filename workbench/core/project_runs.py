"""A project's training runs and evaluations: records, state moves and the orphan cleanup.

``ProjectRuns`` is a part of :class:`workbench.core.project.Project` (a mixin): the run and
evaluation records live in the project's database like everything else, but their rules (the
state machine in ``workbench.core.runs``, the columns a run may set) are their own.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
import uuid
from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.core.clock import now_iso
from workbench.core.errors import ProjectError
from workbench.core.run_config import RunConfig
from workbench.core.runs import ACTIVE_STATES, ENDED_STATES, RunStateError, check_move
from workbench.core.types import Run

PENDING_GRACE_S = 120
RUN_COLUMNS = ("name", "config", "metrics", "dataset", "pid", "error", "started_at", "finished_at")


def _pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


class ProjectRuns:
    """Runs (``runs/<id>/``) and evaluations (``evaluations/<id>/``) of a :class:`Project`."""

    if TYPE_CHECKING:  # supplied by Project
        root: Path

        def transaction(self) -> AbstractContextManager[sqlite3.Connection]: ...

        def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]: ...

    # ------------------------------------------------------------------ runs
    def run_dir(self, run_id: str) -> Path:
        return self.root / "runs" / run_id

    def create_run(self, config: RunConfig, name: str = "", parent: str | None = None) -> Run:
        """Record a new run (status ``pending``) of ``config.train.task`` and make its folder."""
        run_id = time.strftime("%Y%m%d-%H%M%S") + "-" + uuid.uuid4().hex[:6]
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO runs(id, task, status, name, config, parent, created_at) VALUES(?,?,?,?,?,?,?)",
                (run_id, config.train.task, "pending", name, json.dumps(config.to_dict()), parent, now_iso()),
            )
        self.run_dir(run_id).mkdir(parents=True, exist_ok=True)
        return self.run(run_id)

    def run(self, run_id: str) -> Run:
        rows = self._rows("SELECT * FROM runs WHERE id=?", (run_id,))
        if not rows:
            raise ProjectError(f"no run {run_id!r} in {self.root}")
        return Run.from_row(rows[0])

    def runs(self, task: str | None = None) -> list[Run]:
        """The project's readable runs, newest first; see :meth:`unreadable_runs` for the others.

        One damaged run record (hand-edited, or written by a newer version) must not hide the rest.
        """
        out = []
        for row in self._rows("SELECT * FROM runs ORDER BY created_at DESC, id DESC"):
            if task is not None and row["task"] != task:
                continue
            try:
                out.append(Run.from_row(row))
            except ProjectError:
                continue
        return out

    def unreadable_runs(self) -> list[tuple[str, str]]:
        """``(run id, why)`` of each run record that cannot be read (left out of :meth:`runs`)."""
        out = []
        for row in self._rows("SELECT * FROM runs ORDER BY created_at DESC, id DESC"):
            try:
                Run.from_row(row)
            except ProjectError as exc:
                out.append((str(row["id"]), str(exc)))
        return out

    def update_run(self, run_id: str, **fields: Any) -> None:
        """Set run columns (``metrics``, ``dataset``, ``config``, ``pid``, ``error``, times); the
        state changes only through :meth:`move_run`."""
        if "status" in fields:
            raise ProjectError(f"the state of run {run_id} changes through move_run, not update_run")
        values = _run_columns(run_id, fields)
        assigns = ", ".join(f"{k}=?" for k in values)
        with self.transaction() as conn:
            conn.execute(f"UPDATE runs SET {assigns} WHERE id=?", (*values.values(), run_id))

    def move_run(self, run_id: str, status: str, *, resume: bool = False, **fields: Any) -> Run:
        """Move a run to ``status`` (rules in ``workbench.core.runs``), setting ``fields`` with it.

        Raises ``RunStateError`` on an illegal move. Entering ``running`` stamps ``started_at`` and
        clears ``finished_at`` and ``error``; ending stamps ``finished_at`` (unless given).
        """
        self._move_run(run_id, status, resume, fields, only_active=False)
        return self.run(run_id)

    def settle_run(self, run_id: str, status: str, error: str) -> Run:
        """End a run its job left ``pending``/``running`` as ``status`` (failed or cancelled).

        A run that already ended keeps its state: what its job recorded (a completed run's model and
        metrics, say) stands, whatever happened to the process afterwards.
        """
        if status not in ("failed", "cancelled"):
            raise RunStateError(f"run {run_id} is settled as failed or cancelled, not {status!r}")
        self._move_run(run_id, status, False, {"error": error}, only_active=True)
        return self.run(run_id)

    def _move_run(
        self, run_id: str, status: str, resume: bool, fields: dict[str, Any], only_active: bool
    ) -> None:
        stamps: dict[str, Any] = {"finished_at": now_iso()} if status in ENDED_STATES else {}
        if status == "running":
            stamps = {"started_at": now_iso(), "finished_at": None, "error": ""}
        values = _run_columns(run_id, {**stamps, **fields})
        with self.transaction() as conn:  # read and write in one transaction: no move is lost
            row = conn.execute("SELECT status FROM runs WHERE id=?", (run_id,)).fetchone()
            if row is None:
                raise ProjectError(f"no run {run_id!r} in {self.root}")
            if only_active and row["status"] not in ACTIVE_STATES:
                return
            check_move(run_id, row["status"], status, resume)
            assigns = ", ".join(f"{k}=?" for k in ("status", *values))
            conn.execute(f"UPDATE runs SET {assigns} WHERE id=?", (status, *values.values(), run_id))

    # ------------------------------------------------------------------ evaluations
    def evaluation_dir(self, eval_id: str) -> Path:
        return self.root / "evaluations" / eval_id

    def add_evaluation(
        self, eval_id: str, run_id: str | None, bundle: str | None, split: str | None, metrics: dict[str, Any]
    ) -> None:
        """Record a finished evaluation (its files are already in ``evaluations/<id>/``)."""
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO evaluations(id, run_id, bundle, split, metrics, created_at)"
                " VALUES(?, ?, ?, ?, ?, ?)",
                (eval_id, run_id, bundle, split, json.dumps(metrics), now_iso()),
            )

    def evaluations(self, run_id: str | None = None) -> list[dict[str, Any]]:
        """Recorded evaluations, newest first (metrics decoded)."""
        rows = self._rows("SELECT * FROM evaluations ORDER BY created_at DESC, id DESC")
        out = []
        for r in rows:
            if run_id is None or r["run_id"] == run_id:
                r["metrics"] = json.loads(r["metrics"])
                out.append(r)
        return out

    def fail_orphan_runs(self) -> list[str]:
        """Mark runs left 'running'/'pending' by a process that no longer exists as failed.

        A pending run without a pid is given PENDING_GRACE_S to start (its job may be launching).
        """
        rows = self._rows(
            "SELECT id, pid, status, created_at FROM runs WHERE status IN ('running', 'pending')"
        )
        stale = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - PENDING_GRACE_S))
        orphans = [
            r["id"]
            for r in rows
            if not _pid_alive(r["pid"])
            and (r["status"] == "running" or (r["pid"] or r["created_at"] < stale))
        ]
        for run_id in orphans:
            self.settle_run(run_id, "failed", "the training process ended unexpectedly")
        return orphans


RUN_COLUMNS = ("name", "config", "metrics", "dataset", "pid", "error", "started_at", "finished_at")


def _run_columns(run_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Run columns as stored: JSON text for the config (a ``RunConfig``) and the dict columns."""
    if set(fields) - set(RUN_COLUMNS):
        raise ProjectError(f"cannot set {sorted(set(fields) - set(RUN_COLUMNS))} on run {run_id}")
    out = dict(fields)
    if "config" in out:
        if not isinstance(out["config"], RunConfig):
            raise ProjectError(f"run {run_id}: a config is a RunConfig, not {type(out['config']).__name__}")
        out["config"] = json.dumps(out["config"].to_dict())
    for key in ("metrics", "dataset"):
        if key in out:
            out[key] = json.dumps(out[key])
    return out
