"""A trained ε-network seen as a denoiser and a score at variance-exploding noise levels.

The DDPM state x_t = √ᾱ_t x_0 + √ν_t ε (ν_t = 1 − ᾱ_t) rescaled, u = x_t / √ᾱ_t = x_0 + σ_t ε, is x_0 under noise
σ_t² = ν_t / ᾱ_t. Tweedie's formula gives the denoiser D(u) = E[x_0 | u] = u − σ_t ε(√ᾱ_t u, t) and the score
∇ log p_σ(u) = (D(u) − u)/σ_t² = −ε/σ_t. Annealed Langevin and GPnP work at a ladder of σ; each is served by the
timestep whose σ_t is nearest (in log σ), and uses that timestep's own σ_t, so score and step size agree.
"""
from __future__ import annotations

import math

import torch
from torch import Tensor

from invdiff.diffusion.schedules import NoiseSchedule


class NoiseLevels:
    """``eps_fn(x_t, t)`` on ``schedule``, queried at VE noise levels."""

    def __init__(self, eps_fn, schedule: NoiseSchedule):
        self.eps_fn = eps_fn
        self.abars = schedule.alpha_bars
        self.sigmas = ((1 - self.abars) / self.abars).sqrt()  # [T] float64, increasing

    @property
    def sigma_range(self) -> tuple[float, float]:
        return float(self.sigmas[0]), float(self.sigmas[-1])

    def step(self, sigma: float) -> int:
        """The timestep whose σ_t is nearest to ``sigma`` in log scale."""
        low, high = self.sigma_range
        if not low / 2 <= sigma <= high * 2:
            raise ValueError(f"noise level {sigma:g} is outside the schedule's range [{low:.3g}, {high:.3g}]")
        return int((self.sigmas.log() - math.log(sigma)).abs().argmin())

    def denoise(self, u: Tensor, step: int) -> Tensor:
        """D(u) = u − σ_t ε(√ᾱ_t u, t) [B, ...]: one network evaluation."""
        a = float(self.abars[step])
        t = torch.full((u.shape[0],), step, dtype=torch.long, device=u.device)
        return u - float(self.sigmas[step]) * self.eps_fn(math.sqrt(a) * u, t)

    def score(self, u: Tensor, step: int) -> Tensor:
        """∇ log p_{σ_t}(u) = −ε(√ᾱ_t u, t)/σ_t: one network evaluation."""
        t = torch.full((u.shape[0],), step, dtype=torch.long, device=u.device)
        return -self.eps_fn(math.sqrt(float(self.abars[step])) * u, t) / float(self.sigmas[step])


def geometric_ladder(sigma_max: float, sigma_min: float, levels: int) -> list[float]:
    """σ_1 = σ_max > … > σ_L = σ_min, a constant ratio apart (Song & Ermon 2019, §4.2)."""
    if not sigma_max >= sigma_min > 0 or levels < 1:
        raise ValueError(f"need sigma_max >= sigma_min > 0 and levels >= 1, got {sigma_max}, {sigma_min}, {levels}")
    if levels == 1:
        return [float(sigma_min)]
    ratio = (sigma_min / sigma_max) ** (1 / (levels - 1))
    return [sigma_max * ratio**i for i in range(levels)]
