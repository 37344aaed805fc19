"""Defect Workbench: build, check and ship visual defect-inspection models."""

__version__ = "0.1.0"
