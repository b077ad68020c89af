"""The two diffusion models of the ``inverse`` experiment, one ContextUnet family and one step budget:

* ``inverse_prior``: unconditional (a ContextUnet with a single class), trained once on the training digits; every
  zero-shot sampler combines it with the likelihood of any operator at sampling time;
* ``inverse_optimizer``: the learned optimizer, conditional on the observation (two extra input channels and the
  operator as the class, :mod:`~invdiff.experiments.inverse.problems`), amortised over every operator, trained on
  (x, y) pairs with classifier-free dropout of the condition.

Both train on the training digits without the tuning split.
"""
from __future__ import annotations

from pathlib import Path

import torch
from torch import Tensor, nn

from invdiff.config import Params
from invdiff.data.tensors import tensor_loader
from invdiff.diffusion import guided_eps
from invdiff.diffusion.module import ConditionalDiffusion, load_diffusion_module
from invdiff.experiments.inverse.problems import IMAGE_SHAPE, training_pairs, training_split
from invdiff.experiments.mnist import data as mnist
from invdiff.experiments.mnist.config import UnetConfig
from invdiff.experiments.mnist.net import ContextUnet
from invdiff.paths import models_dir
from invdiff.sections import EmaConfig, OptimConfig, ScheduleConfig, Section


class ObservationUnet(nn.Module):
    """ContextUnet on [x_t, H†y, visibility] whose class is the operator; the null condition zeroes both the image
    channels and the operator's one-hot. ``(x_t, t, cond [B, 3, 28, 28], drop_mask [B]) -> eps``."""

    def __init__(self, n_feat: int, n_operators: int, timesteps: int, norm: str):
        super().__init__()
        self.unet = ContextUnet(n_feat=n_feat, n_classes=n_operators, timesteps=timesteps, in_channels=3, norm=norm,
                                out_channels=1)

    def forward(self, x: Tensor, t: Tensor, cond: Tensor, drop_mask: Tensor) -> Tensor:
        images = cond[:, :2] * (~drop_mask).to(x.dtype)[:, None, None, None]
        operator = cond[:, 2, 0, 0].round().long()
        return self.unet(torch.cat([x, images], dim=1), t, operator, drop_mask)


def build_net(net_config: dict) -> nn.Module:
    config = dict(net_config)
    if config.pop("kind") == "prior":
        return ContextUnet(n_classes=1, **config)
    return ObservationUnet(**config)


class _InverseTask:
    experiment = "inverse"
    depends_on = ("mnist",)
    kind: str

    @property
    def name(self) -> str:
        return f"inverse_{self.kind}"

    def section(self, params: Params):
        return params.inverse

    def data_source(self, params: Params) -> str:
        return "real"

    def averaging(self, params: Params) -> EmaConfig | None:
        return params.inverse.ema if params.inverse.ema.enabled else None

    def _net_config(self, params: Params) -> dict:
        cfg = params.inverse
        base = {"n_feat": cfg.model.n_feat, "timesteps": cfg.diffusion.timesteps, "norm": cfg.model.norm}
        if self.kind == "prior":
            return {"kind": "prior", **base}
        return {"kind": "optimizer", "n_operators": len(cfg.operators), **base}

    def load(self, path: str | Path | None = None) -> ConditionalDiffusion:
        return load_diffusion_module(models_dir() / self.name / "model.ckpt" if path is None else path, build_net)


class PriorTrainingView(Section):
    """What determines the prior's weights (its training fingerprint and MLflow params): it never sees an
    observation, so not ``sigma_y``, the operators or ``pairs_per_image``."""

    tuning_fraction: float
    diffusion: ScheduleConfig
    model: UnetConfig
    train: OptimConfig
    ema: EmaConfig


class InversePriorTask(_InverseTask):
    """:class:`invdiff.task.Task` of the unconditional prior."""

    kind = "prior"

    def section(self, params: Params) -> PriorTrainingView:
        cfg = params.inverse
        return PriorTrainingView(tuning_fraction=cfg.tuning_fraction, diffusion=cfg.diffusion, model=cfg.model,
                                 train=cfg.train, ema=cfg.ema)

    def build(self, params: Params):
        cfg = params.inverse
        images, _ = training_split(params)["train"]
        net_config = self._net_config(params)
        diffusion = {**cfg.diffusion.model_dump(), "p_uncond": 0.0}  # nothing to drop: a single class
        module = ConditionalDiffusion(build_net(net_config), net_config, diffusion, cfg.train.model_dump())
        x = mnist.to_model_space(images)
        loader = tensor_loader(x, torch.zeros(len(x), dtype=torch.long), batch_size=cfg.train.batch_size,
                               seed=params.seed)
        return module, loader


class InverseOptimizerTask(_InverseTask):
    """:class:`invdiff.task.Task` of the learned optimizer (conditional on y, amortised over the operators)."""

    kind = "optimizer"

    def build(self, params: Params):
        cfg = params.inverse
        net_config = self._net_config(params)
        module = ConditionalDiffusion(build_net(net_config), net_config, cfg.diffusion.model_dump(),
                                      cfg.train.model_dump(), extra={"operators": list(cfg.operators)})
        x, cond = training_pairs(params, torch.Generator().manual_seed(params.seed))
        return module, tensor_loader(x, cond, batch_size=cfg.train.batch_size, seed=params.seed)


def prior_eps(module: ConditionalDiffusion):
    """The prior as ``eps_fn(x_t, t)``."""
    net = module.denoiser

    def eps_fn(x: Tensor, t: Tensor) -> Tensor:
        zeros = torch.zeros(len(x), dtype=torch.long)
        return net(x, t, zeros, torch.zeros(len(x), dtype=torch.bool))

    return eps_fn


def optimizer_eps(module: ConditionalDiffusion, cond: Tensor, w: float):
    """The learned optimizer at guidance weight ``w`` (conditional and null passes in one batch)."""
    return guided_eps(module.denoiser, cond, w)


def check_operators(module: ConditionalDiffusion, params: Params) -> None:
    """The learned optimizer must have been trained on the operators being evaluated, in the same order."""
    from invdiff.errors import ConfigError

    trained = (module.hparams.get("extra") or {}).get("operators")
    if trained != list(params.inverse.operators):
        raise ConfigError(f"inverse.operators {list(params.inverse.operators)} differ from the learned optimizer's "
                          f"{trained}: retrain it (`dvc repro train_inverse_optimizer`)")


__all__ = ["IMAGE_SHAPE", "InversePriorTask", "InverseOptimizerTask", "prior_eps", "optimizer_eps", "build_net"]
