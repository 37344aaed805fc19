"""Verbs of the `workbench` command line, one module per group."""
