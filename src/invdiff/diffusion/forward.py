"""Forward process and the epsilon-prediction training objective (Ho et al. 2020, Algorithm 1).

A network is any callable ``net(x_t, t, cond, drop_mask) -> eps`` with ``x_t`` [B, ...], ``t`` [B] long,
``cond`` [B, ...] and ``drop_mask`` [B] bool (True: replace the condition by the learned null condition); a
network whose condition is made of units (keypoints) may also take ``drop_mask`` [B, units] (True: that unit is
missing; all True is the null condition).
"""
from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor

from invdiff.diffusion.schedules import NoiseSchedule, gather


def q_sample(schedule: NoiseSchedule, x0: Tensor, t: Tensor, noise: Tensor) -> Tensor:
    """x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps."""
    abar = gather(schedule.alpha_bars, t, x0)
    return abar.sqrt() * x0 + (1 - abar).sqrt() * noise


def predict_x0(schedule: NoiseSchedule, x_t: Tensor, t: Tensor, eps: Tensor) -> Tensor:
    """Invert q_sample for x_0 given a noise estimate."""
    abar = gather(schedule.alpha_bars, t, x_t)
    return (x_t - (1 - abar).sqrt() * eps) / abar.sqrt()


def condition_dropout(batch_size: int, p_uncond: float, device=None, generator=None) -> Tensor:
    """Bernoulli(p_uncond) mask: which examples train the unconditional (null-condition) branch."""
    return torch.rand(batch_size, device=device, generator=generator) < p_uncond


def unit_dropout(batch_size: int, p_uncond: float, units: int, p_partial: float, max_missing: int,
                 always_present: tuple[int, ...] = (), device=None, generator=None) -> Tensor:
    """[B, units] missing-unit mask: a row is all True (the null condition) with probability ``p_uncond``; otherwise,
    with probability ``p_partial``, 1..``max_missing`` units (uniform count, uniform choice among those not
    ``always_present``) are missing, and none are missing in the rest."""
    whole = torch.rand(batch_size, device=device, generator=generator) < p_uncond
    partial = torch.rand(batch_size, device=device, generator=generator) < p_partial
    count = torch.randint(1, max_missing + 1, (batch_size, 1), device=device, generator=generator)
    score = torch.rand(batch_size, units, device=device, generator=generator)
    score[:, list(always_present)] = 2.0  # ranked last: never among the missing
    chosen = score.argsort(1).argsort(1) < count
    return whole[:, None] | (partial[:, None] & chosen)


def epsilon_loss(net, schedule: NoiseSchedule, x0: Tensor, cond: Tensor, p_uncond: float,
                 weight: Tensor | None = None, generator: torch.Generator | None = None,
                 dropout: Callable[..., Tensor] | None = None) -> Tensor:
    """E_{t, eps, drop} || eps - net(x_t, t, cond or null, drop) ||^2, averaged (optionally weighted per dim).

    ``weight`` broadcasts against ``x0[0]`` (e.g. a per-joint loss weight); it is normalised to mean 1 so the loss
    scale does not depend on it. ``dropout(batch_size, p_uncond, device, generator)`` draws the drop mask
    (default :func:`condition_dropout`; e.g. :func:`unit_dropout` with its settings bound).
    """
    b = x0.shape[0]
    t = torch.randint(0, schedule.num_timesteps, (b,), device=x0.device, generator=generator)
    noise = torch.randn(x0.shape, device=x0.device, dtype=x0.dtype, generator=generator)
    drop = (dropout or condition_dropout)(b, p_uncond, x0.device, generator)
    err = (net(q_sample(schedule, x0, t, noise), t, cond, drop) - noise) ** 2
    if weight is not None:
        weight = weight.to(err) / weight.to(err).mean()
        err = err * weight
    return err.mean()
