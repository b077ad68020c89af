"""How every task's model is optimised: AdamW with a per-step learning-rate decay (params ``<task>.train``), the
LightningModule base that wires it (:class:`TrainableModule`), and the IGO objective three experiments train with."""
from __future__ import annotations

import math
from typing import Any, Callable

import pytorch_lightning as pl
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


def igo_loss(full: torch.Tensor, intermediate: torch.Tensor | None, alpha: float) -> torch.Tensor:
    """The IGO paper's α L + (1 − α) R; with R absent (None) or α = 1, L itself (no zero-weighted R in the graph)."""
    return full if intermediate is None or alpha >= 1 else alpha * full + (1 - alpha) * intermediate


class TrainableModule(pl.LightningModule):
    """Base of every task's LightningModule: ``self.net`` is the network, ``hparams.optim`` its ``OptimConfig``
    dump. Subclasses write ``training_step``; a module that optimises more than ``self.net`` overrides
    :meth:`optimized_parameters`."""

    def optimized_parameters(self):
        return self.net.parameters()

    def configure_optimizers(self):
        return adamw_with_decay(self.optimized_parameters(), self.hparams.optim)

    def num_parameters(self) -> int:
        return num_parameters(self.net)

    def log_losses(self, loss: torch.Tensor, parts: dict[str, torch.Tensor | None]) -> torch.Tensor:
        """Log the objective as ``train/loss`` (on the progress bar) and each named part beside it; returns it."""
        self.log("train/loss", loss, prog_bar=True, on_step=True, on_epoch=False)
        for name, value in parts.items():
            if value is not None:
                self.log(f"train/{name}", value, on_step=True, on_epoch=False)
        return loss
