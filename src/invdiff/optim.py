"""The optimiser every task uses: AdamW with a per-step learning-rate decay (params ``<task>.train``)."""
from __future__ import annotations

import math
from typing import Any, Callable

import torch


def lr_multiplier(kind: str, max_steps: int, warmup_steps: int = 0) -> Callable[[int], float]:
    """The factor on the learning rate at optimizer step ``step`` (0-based): decay times a linear warm-up."""
    if kind == "constant":
        decay = lambda step: 1.0  # noqa: E731
    elif kind == "linear":
        decay = lambda step: max(0.0, 1.0 - step / max_steps)  # noqa: E731
    elif kind == "cosine":
        decay = lambda step: 0.5 * (1 + math.cos(math.pi * min(step, max_steps) / max_steps))  # noqa: E731
    else:
        raise ValueError(f"unknown lr_decay {kind!r}")
    if warmup_steps == 0:
        return decay
    return lambda step: decay(step) * min(1.0, (step + 1) / warmup_steps)


def adamw_with_decay(parameters, optim: dict[str, Any]) -> dict[str, Any]:
    """A Lightning ``configure_optimizers`` answer from an ``OptimConfig`` dump."""
    optimizer = torch.optim.AdamW(parameters, lr=optim["lr"], weight_decay=optim["weight_decay"])
    multiplier = lr_multiplier(optim["lr_decay"], optim["max_steps"], optim.get("warmup_steps", 0))
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, multiplier)
    return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "interval": "step"}}


def num_parameters(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
