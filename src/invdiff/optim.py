"""The optimiser every task uses: AdamW with a per-step learning-rate decay (params ``<task>.train``)."""
from __future__ import annotations

import math
from typing import Any, Callable

import torch


def lr_multiplier(kind: str, max_steps: int) -> Callable[[int], float]:
    if kind == "constant":
        return lambda step: 1.0
    if kind == "linear":
        return lambda step: max(0.0, 1.0 - step / max_steps)
    if kind == "cosine":
        return lambda step: 0.5 * (1 + math.cos(math.pi * min(step, max_steps) / max_steps))
    raise ValueError(f"unknown lr_decay {kind!r}")


def adamw_with_decay(parameters, optim: dict[str, Any]) -> dict[str, Any]:
    """A Lightning ``configure_optimizers`` answer from an ``OptimConfig`` dump."""
    optimizer = torch.optim.AdamW(parameters, lr=optim["lr"], weight_decay=optim["weight_decay"])
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_multiplier(optim["lr_decay"], optim["max_steps"]))
    return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "interval": "step"}}


def num_parameters(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
