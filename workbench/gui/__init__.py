"""The desktop window (PySide6 + pyqtgraph): a thin shell over workbench.core and the jobs."""
