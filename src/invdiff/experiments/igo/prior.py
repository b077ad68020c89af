"""Where IGO's samplers start: the Gaussian with the exact first two moments of the cat-map SDE's marginal.

For data with mean μ and covariance S = F Fᵀ the time-t marginal has mean M_t μ and covariance
M_t S M_tᵀ + Σ_t; sampling from that Gaussian is the best start short of the data themselves (docs/igo.md).
"""
from __future__ import annotations

import torch
from torch import Tensor

from invdiff.experiments.igo.cat_map_sde import CatMapSDE


def data_moments(images: Tensor) -> tuple[Tensor, Tensor]:
    """(mean [d], factor F [d, d] with F Fᵀ = covariance) of images [N, 1, H, W], in float64."""
    flat = images.reshape(len(images), -1).double()
    values, vectors = torch.linalg.eigh(torch.cov(flat.T))
    return flat.mean(0), vectors * values.clamp(min=0).sqrt()


def prior_sample(sde: CatMapSDE, data_mean: Tensor, data_factor: Tensor, num: int,
                 generator: torch.Generator | None = None, t: float = 1.0) -> Tensor:
    """[num, 1, N, N] from N(M_t μ, M_t F Fᵀ M_tᵀ + Σ_t); ``data_mean`` [N*N], ``data_factor`` [N*N, k]."""
    n = sde.n
    xi = torch.randn(num, data_factor.shape[1], generator=generator, dtype=torch.float64)
    x0_like = (data_mean.double() + xi @ data_factor.double().T).reshape(num, 1, n, n)
    times = torch.full((num,), t, dtype=torch.float64)
    noise = torch.randn(num, 1, n, n, generator=generator, dtype=torch.float64)
    return (sde.apply_mean(times, x0_like) + sde.apply_variance_power(times, 0.5, noise)).float()
