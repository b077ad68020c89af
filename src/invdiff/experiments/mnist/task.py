"""Class-conditional MNIST DDPM (ContextUnet) sampled with classifier-free guidance."""
from __future__ import annotations

from pathlib import Path

import torch

from invdiff.config import Params
from invdiff.data.tensors import tensor_loader
from invdiff.diffusion import guided_eps, sample
from invdiff.diffusion.module import ConditionalDiffusion, load_diffusion_module
from invdiff.experiments.mnist import data as mnist
from invdiff.experiments.mnist.net import ContextUnet
from invdiff.paths import models_dir
from invdiff.sampling import SamplerResult
from invdiff.sections import EmaConfig


def build_net(net_config: dict) -> ContextUnet:
    return ContextUnet(**net_config)


class MnistCfgTask:
    """:class:`invdiff.task.Task` of the class-conditional DDPM."""

    name = "mnist_cfg"
    experiment = "mnist_cfg"
    depends_on = ("mnist",)

    def section(self, params: Params):
        return params.mnist_cfg

    def data_source(self, params: Params) -> str:
        return "real"

    def averaging(self, params: Params) -> EmaConfig | None:
        return params.mnist_cfg.ema if params.mnist_cfg.ema.enabled else None

    def build(self, params: Params):
        cfg = params.mnist_cfg
        images, labels = mnist.load_split("train")
        net_config = {"n_feat": cfg.model.n_feat, "n_classes": 10, "timesteps": cfg.diffusion.timesteps,
                      "norm": cfg.model.norm}
        module = ConditionalDiffusion(build_net(net_config), net_config, cfg.diffusion.model_dump(),
                                      cfg.train.model_dump())
        loader = tensor_loader(mnist.to_model_space(images), torch.from_numpy(labels),
                               batch_size=cfg.train.batch_size, seed=params.seed)
        return module, loader

    def load(self, path: str | Path | None = None) -> ConditionalDiffusion:
        return load_diffusion_module(models_dir() / "mnist_cfg" / "model.ckpt" if path is None else path, build_net)


@torch.no_grad()
def sample_digits(module: ConditionalDiffusion, labels: torch.Tensor, w: float, sampler_cfg,
                  generator: torch.Generator, progress: bool = False) -> SamplerResult:
    """One image per entry of ``labels``: [N, 1, 28, 28] in model space (within [-1, 1] when the sampler clips x_0)."""
    eps_fn = guided_eps(module.denoiser, labels.long(), w)
    return sample(eps_fn, module.schedule, (len(labels), 1, 28, 28), sampler_cfg, generator=generator,
                  progress=progress)
