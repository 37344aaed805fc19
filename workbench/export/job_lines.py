"""The progress lines of an export, each with a stable id (``workbench.core.messages``).

The window shows each id in its own language (``workbench.gui.job_messages``) and falls back to
the English text for an id it does not know.
"""

from __future__ import annotations

from workbench.core.messages import message

LOADING_RUN = message("export_loading_run", "loading the run")
READING_CALIBRATION = message("export_reading_calibration", "reading calibration images")
EXPORTING_ONNX = message("export_onnx", "exporting ONNX")
STORING_GOLDEN = message("export_storing_golden", "storing the golden images")
WROTE = message("export_wrote", "wrote {path}")
CONVERTING_OPENVINO = message("export_converting_openvino", "converting to OpenVINO")
QUANTISING_INT8 = message("export_quantising_int8", "INT8 quantisation on {count} training tiles")
SCORING_GOLDEN = message("export_scoring_golden", "scoring {name} with the trained model")
COMPARING_TILE = message("parity_tile", "comparing tile {tile} of {tiles}")
PARITY_DONE = message("parity_done", "parity done")
NO_VAL_SPLIT = message(
    "export_no_val_split",
    "the project has no validation split: golden images and parity tiles come from training images",
)
OPENVINO_LEFT_OUT = message(
    "export_openvino_left_out",
    "OpenVINO variants left out: its CPU plugin fails or crashes while {setting} is set; "
    "unset it and export again to add them",
)
