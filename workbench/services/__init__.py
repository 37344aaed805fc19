"""What the command line and the window both call: start a training, pick a model source, predict.

No Qt, no argparse. The job bodies in ``workbench.jobs`` call these same functions in their child
process, so this layer sits below ``jobs`` and above ``learn`` / ``export`` / ``runtime``. Heavy
libraries (torch, OpenVINO) are imported inside the functions that need them, so that
``workbench --help`` stays fast.
"""
