"""Branin learned optimizer: an MLP DDPM over x in R^2 conditioned on the standardised level y = f(x)."""
from __future__ import annotations

import torch

from invdiff.config import Params
from invdiff.data import branin as problem
from invdiff.data.tensors import tensor_loader
from invdiff.diffusion import guided_eps, sample
from invdiff.nets import ConditionalMLP
from invdiff.tasks.diffusion_module import ConditionalDiffusion, load_diffusion_module

NAME = "branin"
EXPERIMENT = "branin"

_LO, _HI = torch.tensor(problem.LOWER), torch.tensor(problem.UPPER)


def to_unit_box(x: torch.Tensor) -> torch.Tensor:
    return 2 * (x - _LO) / (_HI - _LO) - 1


def from_unit_box(z: torch.Tensor) -> torch.Tensor:
    return _LO + (z + 1) / 2 * (_HI - _LO)


def data_source(params: Params) -> str:
    return "synthetic"


def section(params: Params):
    return params.branin


def build_net(net_config: dict) -> ConditionalMLP:
    return ConditionalMLP(x_dim=2, cond_dim=1, **net_config)


def build(params: Params):
    cfg = params.branin
    x, y = problem.make_dataset(cfg.data.n_train, params.seed)
    y_mean, y_std = y.mean().item(), y.std().item()
    net_config = cfg.model.model_dump()
    module = ConditionalDiffusion(build_net(net_config), net_config, cfg.diffusion.model_dump(), cfg.train.model_dump(),
                                  extra={"y_mean": y_mean, "y_std": y_std})
    loader = tensor_loader(to_unit_box(x), ((y - y_mean) / y_std)[:, None], batch_size=cfg.train.batch_size,
                           seed=params.seed)
    return module, loader


def load(path) -> ConditionalDiffusion:
    return load_diffusion_module(path, build_net)


@torch.no_grad()
def sample_levels(module: ConditionalDiffusion, targets: torch.Tensor, n: int, w: float, sampler_cfg,
                  generator: torch.Generator, progress: bool = False) -> torch.Tensor:
    """n samples of x for each target level y*: [len(targets), n, 2] in the original units of x."""
    extra = module.hparams.extra
    cond = ((targets - extra["y_mean"]) / extra["y_std"]).float().repeat_interleave(n)[:, None]
    eps_fn = guided_eps(module.net, cond, w)
    z = sample(eps_fn, module.schedule, (cond.shape[0], 2), sampler_cfg, generator=generator, progress=progress)
    return from_unit_box(z).reshape(len(targets), n, 2)
