"""Class-conditional MNIST DDPM (ContextUnet) sampled with classifier-free guidance."""
from __future__ import annotations

import torch

from invdiff.config import Params
from invdiff.data import mnist
from invdiff.data.tensors import tensor_loader
from invdiff.diffusion import guided_eps, sample
from invdiff.nets.context_unet import ContextUnet
from invdiff.tasks.diffusion_module import ConditionalDiffusion, load_diffusion_module

NAME = "mnist_cfg"
EXPERIMENT = "mnist_cfg"
DEPENDS_ON = ("mnist",)


def section(params: Params):
    return params.mnist_cfg


def data_source(params: Params) -> str:
    return "real"


def build_net(net_config: dict) -> ContextUnet:
    return ContextUnet(**net_config)


def build(params: Params):
    cfg = params.mnist_cfg
    images, labels = mnist.load_split(mnist.RAW_DIR, "train")
    net_config = {"n_feat": cfg.model.n_feat, "n_classes": 10, "timesteps": cfg.diffusion.timesteps}
    module = ConditionalDiffusion(build_net(net_config), net_config, cfg.diffusion.model_dump(),
                                  cfg.train.model_dump())
    loader = tensor_loader(mnist.to_model_space(images), torch.from_numpy(labels), batch_size=cfg.train.batch_size,
                           seed=params.seed)
    return module, loader


def load(path) -> ConditionalDiffusion:
    return load_diffusion_module(path, build_net)


@torch.no_grad()
def sample_digits(module: ConditionalDiffusion, labels: torch.Tensor, w: float, sampler_cfg,
                  generator: torch.Generator, progress: bool = False) -> torch.Tensor:
    """One image per entry of ``labels``: [N, 1, 28, 28] in model space (within [-1, 1] when the sampler clips x_0)."""
    eps_fn = guided_eps(module.net, labels.long(), w)
    return sample(eps_fn, module.schedule, (len(labels), 1, 28, 28), sampler_cfg, generator=generator,
                  progress=progress)
