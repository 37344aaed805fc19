"""Runtime hook of a --cpu-only build: hide GPUs, whose on-demand CUDA libraries were left out."""

import os

os.environ["CUDA_VISIBLE_DEVICES"] = ""
