"""Data layer of the workbench: project folder, images, labels, decisions, metrics.

Imports numpy, opencv and sqlite-utils only: never torch, never Qt.
"""
