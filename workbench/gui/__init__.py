"""The desktop window (PySide6 + pyqtgraph): a thin shell over workbench.core and the jobs."""

from workbench.gui._qt_env import drop_opencv_qt_paths
from workbench.gui._refcount_guard import pin_singletons

# Both before any Qt call: see the two modules for the library bugs they work around.
pin_singletons()
drop_opencv_qt_paths()
