"""One LightningModule for every conditional DDPM: a denoiser passed in, the shared loss, AdamW + LR decay.

Batches are ``(x0, cond)``. The network and its constructor arguments are kept apart (``net_config`` in the
hyper-parameters) so a checkpoint can be rebuilt without pickling code. With ``ema_decay`` the module also keeps
an exponential moving average of the weights (``ema_net``, saved in the checkpoint); samplers should use
``sampling_net``, which is the average when there is one.
"""
from __future__ import annotations

import copy
from typing import Any, Callable

import pytorch_lightning as pl
import torch
from torch import nn

from invdiff.config import ScheduleConfig
from invdiff.diffusion import epsilon_loss, make_schedule
from invdiff.tasks.optim import adamw_with_decay, num_parameters


class ConditionalDiffusion(pl.LightningModule):
    def __init__(self, net: nn.Module, net_config: dict[str, Any], diffusion: dict[str, Any], optim: dict[str, Any],
                 extra: dict[str, Any] | None = None, loss_weight: list[float] | None = None,
                 ema_decay: float | None = None):
        super().__init__()
        self.save_hyperparameters(ignore=["net"])
        self.net = net
        self.ema_net = copy.deepcopy(net).requires_grad_(False) if ema_decay is not None else None
        self.schedule_config = ScheduleConfig(**diffusion)
        self.schedule = make_schedule(self.schedule_config)
        self.register_buffer("loss_weight", None if loss_weight is None else torch.tensor(loss_weight))

    def forward(self, x_t, t, cond, drop_mask):
        return self.net(x_t, t, cond, drop_mask)

    def training_step(self, batch, batch_idx):
        x0, cond = batch
        loss = epsilon_loss(self.net, self.schedule, x0, cond, self.schedule_config.p_uncond, weight=self.loss_weight)
        self.log("train/loss", loss, prog_bar=True, on_step=True, on_epoch=False)
        return loss

    @torch.no_grad()
    def on_train_batch_end(self, outputs, batch, batch_idx):
        if self.ema_net is None:
            return
        step = self.global_step
        # warm-up (as in TF's ExponentialMovingAverage num_updates): early weights are forgotten quickly
        decay = min(self.hparams.ema_decay, (1 + step) / (10 + step))
        ema_params = list(self.ema_net.parameters())
        torch._foreach_lerp_(ema_params, list(self.net.parameters()), 1.0 - decay)
        for ema_buffer, buffer in zip(self.ema_net.buffers(), self.net.buffers()):
            ema_buffer.copy_(buffer)

    @property
    def sampling_net(self) -> nn.Module:
        return self.ema_net if self.ema_net is not None else self.net

    def configure_optimizers(self):
        return adamw_with_decay(self.net.parameters(), self.hparams.optim)

    def num_parameters(self) -> int:
        return num_parameters(self.net)


def load_diffusion_module(path, build_net: Callable[[dict[str, Any]], nn.Module],
                          map_location="cpu") -> ConditionalDiffusion:
    """Rebuild the network from the checkpoint's ``net_config``, then load the weights (eval mode)."""
    from invdiff.errors import require_file

    path = require_file(path, "Train it first: `dvc repro` (or the task's train_* stage).")
    hparams = torch.load(path, map_location=map_location, weights_only=False)["hyper_parameters"]
    module = ConditionalDiffusion.load_from_checkpoint(path, map_location=map_location,
                                                       net=build_net(hparams["net_config"]))
    return module.eval()
