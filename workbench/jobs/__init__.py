"""Long work in a child process: ``python -m workbench.jobs SPEC.json`` (spec in, JSON lines out).

``runner`` runs inside the child; ``process.JobProcess`` starts and watches one from the CLI
(the GUI does the same with QProcess). Importing this package imports neither torch nor Qt, so
the child installs its cancel handler before anything slow happens.
"""
