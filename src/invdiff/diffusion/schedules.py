"""Noise schedules (Ho et al. 2020 linear; Nichol & Dhariwal 2021 cosine) and their derived quantities.

Index convention: timesteps ``t = 0 .. T-1`` (0-based, as in diffusers), ``alpha_bar[t] = prod_{s<=t} (1 - beta_s)``,
and ``alpha_bar_prev[0] = 1`` so that the last reverse step returns the posterior mean of ``x_0``.
Quantities are kept in float64 and cast to the sample's dtype when gathered.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor


@dataclass(frozen=True)
class NoiseSchedule:
    betas: Tensor  # [T] float64

    @property
    def num_timesteps(self) -> int:
        return self.betas.shape[0]

    @property
    def alphas(self) -> Tensor:
        return 1.0 - self.betas

    @property
    def alpha_bars(self) -> Tensor:
        return torch.cumprod(self.alphas, dim=0)

    @property
    def alpha_bars_prev(self) -> Tensor:
        return torch.cat([self.betas.new_ones(1), self.alpha_bars[:-1]])

    @property
    def posterior_variance(self) -> Tensor:
        """Var q(x_{t-1} | x_t, x_0) = beta~_t = (1 - abar_{t-1}) / (1 - abar_t) * beta_t (DDPM eq. 7)."""
        return (1.0 - self.alpha_bars_prev) / (1.0 - self.alpha_bars) * self.betas

    @property
    def posterior_mean_coef_x0(self) -> Tensor:
        return self.betas * self.alpha_bars_prev.sqrt() / (1.0 - self.alpha_bars)

    @property
    def posterior_mean_coef_xt(self) -> Tensor:
        return (1.0 - self.alpha_bars_prev) * self.alphas.sqrt() / (1.0 - self.alpha_bars)

    def to(self, device: torch.device | str) -> "NoiseSchedule":
        return NoiseSchedule(self.betas.to(device))


def gather(values: Tensor, t: Tensor, like: Tensor) -> Tensor:
    """``values[t]`` shaped to broadcast against ``like`` ([B, ...]) in its dtype and device."""
    out = values.to(like.device)[t].to(like.dtype)
    return out.reshape(t.shape[0], *([1] * (like.ndim - 1)))


def linear_schedule(timesteps: int = 1000, beta_start: float = 1e-4, beta_end: float = 0.02) -> NoiseSchedule:
    return NoiseSchedule(torch.linspace(beta_start, beta_end, timesteps, dtype=torch.float64))


def cosine_alpha_bar(t: Tensor, timesteps: int, s: float = 0.008) -> Tensor:
    """Nichol & Dhariwal (2021) eq. 17: abar(t) = f(t)/f(0), f(t) = cos^2(((t/T) + s) / (1 + s) * pi/2)."""
    f = lambda u: torch.cos((u / timesteps + s) / (1 + s) * math.pi / 2) ** 2  # noqa: E731
    return f(t) / f(torch.zeros_like(t))


def cosine_schedule(timesteps: int = 1000, s: float = 0.008, max_beta: float = 0.999) -> NoiseSchedule:
    steps = torch.arange(timesteps + 1, dtype=torch.float64)
    abar = cosine_alpha_bar(steps, timesteps, s)
    betas = (1 - abar[1:] / abar[:-1]).clamp(max=max_beta)
    return NoiseSchedule(betas)


def make_schedule(cfg) -> NoiseSchedule:
    """From a ``ScheduleConfig`` (params ``<task>.diffusion``)."""
    if cfg.schedule == "linear":
        return linear_schedule(cfg.timesteps, cfg.beta_start, cfg.beta_end)
    if cfg.schedule == "cosine":
        return cosine_schedule(cfg.timesteps)
    raise ValueError(f"unknown schedule {cfg.schedule!r}")
