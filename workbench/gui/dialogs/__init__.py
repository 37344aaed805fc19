"""Dialogs of the window: import, defect classes, splits."""
