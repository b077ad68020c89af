"""One LightningModule for every conditional DDPM: a denoiser passed in, the shared loss, AdamW + LR decay.

Batches are ``(x0, cond)`` in data units. With ``standardize`` (the shapes of x and of the condition) the module
carries a :class:`~invdiff.diffusion.standardize.Standardizer` for each, whose statistics the task fits on the
training split and the checkpoint keeps; training and every sampler then work in the standardised space
(:meth:`encode_cond`, :meth:`decode`, :meth:`clip_bounds`). The network and its constructor arguments are kept apart
(``net_config`` in the hyper-parameters) so a checkpoint can be rebuilt without pickling code. Weight averaging is
not done here but by the training entry (:func:`invdiff.training.train`, Lightning's weight-averaging callback),
which leaves the averaged weights in the module when training ends; samplers reach the network through
:attr:`denoiser`. With ``unit_dropout`` (keyword arguments of :func:`~invdiff.diffusion.forward.unit_dropout` but
the batch, device and generator) training also drops single units of the condition, so the network learns to answer
any subset of it (:attr:`masks_units`).
"""
from __future__ import annotations

from typing import Any, Callable

import torch
from torch import nn

from invdiff.diffusion.forward import epsilon_loss, unit_dropout
from invdiff.diffusion.schedules import make_schedule
from invdiff.diffusion.standardize import Standardizer
from invdiff.optim import TrainableModule
from invdiff.sections import ScheduleConfig


class ConditionalDiffusion(TrainableModule):
    def __init__(self, net: nn.Module, net_config: dict[str, Any], diffusion: dict[str, Any], optim: dict[str, Any],
                 extra: dict[str, Any] | None = None, loss_weight: list[float] | None = None,
                 standardize: dict[str, list[int]] | None = None, unit_dropout: dict[str, Any] | None = None):
        super().__init__()
        self.save_hyperparameters(ignore=["net"])
        self.net = net
        self.x_scaler = Standardizer(tuple(standardize["x"])) if standardize else None
        self.cond_scaler = Standardizer(tuple(standardize["cond"])) if standardize and "cond" in standardize else None
        self.schedule_config = ScheduleConfig(**diffusion)
        self.schedule = make_schedule(self.schedule_config)
        self.register_buffer("loss_weight", None if loss_weight is None else torch.tensor(loss_weight))

    def forward(self, x_t, t, cond, drop_mask):
        return self.net(x_t, t, cond, drop_mask)

    def training_step(self, batch, batch_idx):
        x0, cond = batch
        if self.x_scaler is not None:
            x0 = self.x_scaler.encode(x0)
        cond = self.encode_cond(cond)
        loss = epsilon_loss(self.net, self.schedule, x0, cond, self.schedule_config.p_uncond, weight=self.loss_weight,
                            dropout=self._dropout())
        self.log("train/loss", loss, prog_bar=True, on_step=True, on_epoch=False)
        return loss

    def _dropout(self):
        settings = self.hparams.get("unit_dropout")
        if not settings:
            return None
        return lambda b, p_uncond, device, generator: unit_dropout(b, p_uncond, device=device, generator=generator,
                                                                   **settings)

    @property
    def masks_units(self) -> bool:
        """Whether the network was trained to answer conditions with units missing (see ``unit_dropout``)."""
        settings = self.hparams.get("unit_dropout")
        return bool(settings) and settings["p_partial"] > 0

    def encode_cond(self, cond: torch.Tensor) -> torch.Tensor:
        """A condition in data units -> what the network sees."""
        return cond if self.cond_scaler is None else self.cond_scaler.encode(cond)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Samples of the diffusion space -> data units."""
        return z if self.x_scaler is None else self.x_scaler.decode(z)

    def clip_bounds(self, limit: float | None):
        """The sampler's x̂_0 clip for the box [-limit, limit] of *data* units (None: no clipping)."""
        if limit is None or self.x_scaler is None:
            return limit
        return self.x_scaler.bounds(limit)

    @property
    def denoiser(self) -> nn.Module:
        """The network samplers call, ``(x_t, t, cond, drop_mask) -> eps``: the weight average once a run trained
        with averaging has finished (or was loaded from its checkpoint), the raw weights otherwise."""
        return self.net



def load_diffusion_module(path, build_net: Callable[[dict[str, Any]], nn.Module],
                          map_location="cpu") -> ConditionalDiffusion:
    """Rebuild the network from the checkpoint's ``net_config``, then load the weights (eval mode)."""
    from invdiff.errors import require_file

    path = require_file(path, "Train it first: `dvc repro` (or the task's train_* stage).")
    hparams = torch.load(path, map_location=map_location, weights_only=False)["hyper_parameters"]
    module = ConditionalDiffusion.load_from_checkpoint(path, map_location=map_location,
                                                       net=build_net(hparams["net_config"]))
    return module.eval()
