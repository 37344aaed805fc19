"""The exported graph: [0,1] image in, per-class probability map out.

Normalisation and the output activation live inside the module so torch, ONNX Runtime and
OpenVINO take the same input (``workbench.core.preprocess.model_input``) and give the same map.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

HEADS = ("sigmoid", "softmax")


class ScoreModel(nn.Module):
    """Wrap a raw-logit net: ``(N,C,H,W)`` in [0,1] -> ``(N,K,H,W)`` (classification ``(N,K,1,1)``).

    ``head="sigmoid"``: one independent probability per output channel (segmentation maps, or
    multi-label classification). ``head="softmax"``: the net's channel 0 is "OK" and the map holds
    the softmax probabilities of the defect classes 1..K only.
    """

    mean: torch.Tensor
    std: torch.Tensor

    def __init__(self, net: nn.Module, mean: Sequence[float], std: Sequence[float], head: str = "sigmoid"):
        super().__init__()
        if head not in HEADS:
            raise ValueError(f"unknown head {head!r}; choose one of {', '.join(HEADS)}")
        if len(mean) != len(std) or any(s <= 0 for s in std):
            raise ValueError(f"mean {list(mean)} and std {list(std)} must have one positive std per channel")
        self.net = net
        self.head = head
        self.register_buffer("mean", torch.tensor(list(mean), dtype=torch.float32).view(1, -1, 1, 1))
        self.register_buffer("std", torch.tensor(list(std), dtype=torch.float32).view(1, -1, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        logits = self.net((x - self.mean) / self.std)
        if logits.dim() == 2:
            # unsqueeze keeps the shape symbolic in the exported graph (no Python ints frozen in)
            logits = logits.unsqueeze(-1).unsqueeze(-1)
        if self.head == "softmax":
            return torch.softmax(logits, dim=1)[:, 1:]
        return torch.sigmoid(logits)
