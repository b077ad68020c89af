"""Likelihood guidance: Diffusion Posterior Sampling (Chung et al. 2022, "Diffusion Posterior Sampling for
General Noisy Inverse Problems", Algorithm 1).

At every step the prior update x'_{t-1} (here a DDIM step; ``eta = 1`` over all T steps is DDPM's ancestral
chain) is followed by a gradient step on the measurement misfit of the denoised estimate:
``x_{t-1} = x'_{t-1} − ζ ∇_{x_t} ‖y − f(x̂_0(x_t))‖`` (the norm, not its square, as in the authors' code).
The gradient flows through the denoiser, so this costs one forward *and* backward pass per step.
"""
from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor

from invdiff.diffusion.samplers import Clip, EpsFn, ddim_update, denoise, start_ddim_walk
from invdiff.diffusion.schedules import NoiseSchedule
from invdiff.sampling import SamplerResult, StepCallback

MeasurementLoss = Callable[[Tensor], Tensor]  # x̂_0 [B, ...] -> ‖y − f(x̂_0)‖ per sample [B]


def dps_sample(eps_fn: EpsFn, schedule: NoiseSchedule, shape: tuple[int, ...], measurement_loss: MeasurementLoss,
               zeta: float, *, steps: int, eta: float = 1.0, generator: torch.Generator | None = None,
               device: torch.device | str = "cpu", dtype: torch.dtype = torch.float32,
               clip_x0: Clip = None, x_init: Tensor | None = None, callback: StepCallback | None = None,
               progress: bool = False) -> SamplerResult:
    """DPS over ``steps`` timesteps of the DDIM grid; returns x_0 samples of ``shape`` (sampler contract of
    :mod:`invdiff.sampling`; ``evaluations`` counts the denoiser's forward-and-backward passes).

    ``eps_fn`` is any prior noise predictor: the null-condition branch of a CFG model (plain DPS) or the
    guided conditional one (CFG + DPS).
    """
    sched, grid, x, report = start_ddim_walk(schedule, steps, shape, x_init, device, dtype, generator, callback,
                                             "dps sampling", progress)
    for k, (i, a_t, a_prev, time_after) in enumerate(grid):
        t = torch.full((shape[0],), i, device=device, dtype=torch.long)
        with torch.enable_grad():
            x_in = x.detach().requires_grad_(True)
            x0, eps = denoise(sched, x_in, t, eps_fn(x_in, t), clip_x0)
            misfit = measurement_loss(x0)
            grad, = torch.autograd.grad(misfit.sum(), x_in)
        noise = None if time_after == 0 or eta <= 0 else torch.randn(shape, device=device, dtype=dtype,
                                                                     generator=generator)
        x = ddim_update(x0.detach(), eps.detach(), a_t, a_prev, eta, noise) - zeta * grad
        if callback is not None:
            callback(time_after, x.detach())
        report.update_to(k + 1)
    return SamplerResult(x.detach(), len(grid))
