"""Branin learned optimizer: an MLP DDPM over x in R^2 conditioned on the standardised level y = f(x)."""
from __future__ import annotations

from pathlib import Path

import torch

from invdiff.config import Params
from invdiff.data.tensors import tensor_loader
from invdiff.diffusion import guided_eps, sample
from invdiff.diffusion.module import ConditionalDiffusion, load_diffusion_module
from invdiff.experiments.branin import data as problem
from invdiff.nets import ConditionalMLP
from invdiff.paths import models_dir
from invdiff.sections import EmaConfig

_LO, _HI = torch.tensor(problem.LOWER), torch.tensor(problem.UPPER)


def to_unit_box(x: torch.Tensor) -> torch.Tensor:
    return 2 * (x - _LO) / (_HI - _LO) - 1


def from_unit_box(z: torch.Tensor) -> torch.Tensor:
    return _LO + (z + 1) / 2 * (_HI - _LO)


def build_net(net_config: dict) -> ConditionalMLP:
    return ConditionalMLP(x_dim=2, cond_dim=1, **net_config)


class BraninTask:
    """:class:`invdiff.task.Task` of the Branin DDPM (synthetic by construction)."""

    name = "branin"
    experiment = "branin"
    depends_on: tuple[str, ...] = ()

    def section(self, params: Params):
        return params.branin

    def data_source(self, params: Params) -> str:
        return "synthetic"

    def averaging(self, params: Params) -> EmaConfig | None:
        return None

    def build(self, params: Params):
        cfg = params.branin
        x, y = problem.make_dataset(cfg.data.n_train, params.seed)
        y_mean, y_std = y.mean().item(), y.std().item()
        net_config = cfg.model.model_dump()
        module = ConditionalDiffusion(build_net(net_config), net_config, cfg.diffusion.model_dump(),
                                      cfg.train.model_dump(), extra={"y_mean": y_mean, "y_std": y_std})
        loader = tensor_loader(to_unit_box(x), ((y - y_mean) / y_std)[:, None], batch_size=cfg.train.batch_size,
                               seed=params.seed)
        return module, loader

    def load(self, path: str | Path | None = None) -> ConditionalDiffusion:
        return load_diffusion_module(models_dir() / "branin" / "model.ckpt" if path is None else path, build_net)


@torch.no_grad()
def sample_levels(module: ConditionalDiffusion, targets: torch.Tensor, n: int, w: float, sampler_cfg,
                  generator: torch.Generator, progress: bool = False) -> torch.Tensor:
    """n samples of x for each target level y*: [len(targets), n, 2] in the original units of x."""
    extra = module.hparams.extra
    cond = ((targets - extra["y_mean"]) / extra["y_std"]).float().repeat_interleave(n)[:, None]
    eps_fn = guided_eps(module.denoiser, cond, w)
    z = sample(eps_fn, module.schedule, (cond.shape[0], 2), sampler_cfg, generator=generator,
               progress=progress).samples
    return from_unit_box(z).reshape(len(targets), n, 2)
