"""Long work in a child process: ``python -m workbench.jobs SPEC.json`` (spec in, JSON lines out).

``runner`` runs inside the child; ``process.JobProcess`` starts and watches one from the CLI
(the window's ``gui.job_client.JobClient`` follows its events file instead); both reduce the events
with ``job_state.JobState``. Importing this package imports neither torch nor Qt, so
the child installs its cancel handler before anything slow happens.
"""
