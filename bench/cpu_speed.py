"""CPU speed of the fast segmentation model: float32 vs channels_last vs bf16 autocast.

Run: ``.venv/bin/python bench/cpu_speed.py [--steps 3]``. Prints seconds per forward+backward
step of unet-effnetlite0 at 256x256, batch 8, and each setting's ratio to plain float32.
"""

from __future__ import annotations

import argparse
import time

import torch

from workbench.learn.device import cpu_speedups
from workbench.learn.models import get_model
from workbench.runtime.cpu_info import cpu_info


def step_time(channels_last: bool, bf16: bool, steps: int) -> float:
    torch.manual_seed(0)
    model = get_model("unet-effnetlite0", 3, 1, pretrained=False).train()
    x = torch.rand(8, 3, 256, 256)
    target = (torch.rand(8, 1, 256, 256) > 0.9).float()
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    times = []
    for _ in range(steps + 1):  # the first step warms up allocators and kernels
        start = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            loss = torch.nn.functional.binary_cross_entropy_with_logits(model(x).float(), target)
        opt.zero_grad()
        loss.backward()
        opt.step()
        times.append(time.perf_counter() - start)
    return min(times[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=3)
    args = parser.parse_args()
    print(cpu_info().summary(), flush=True)  # figures are only comparable between like CPUs
    cpu_speedups()
    print(f"threads={torch.get_num_threads()}")
    base = step_time(False, False, args.steps)
    print(f"float32                 {base:.3f} s/step  ratio 1.00")
    for name, cl, bf in (("channels_last", True, False), ("bf16 autocast", False, True),
                         ("channels_last+bf16", True, True)):  # fmt: skip
        t = step_time(cl, bf, args.steps)
        print(f"{name:<23} {t:.3f} s/step  ratio {base / t:.2f} (>1 = faster)")


if __name__ == "__main__":
    main()
