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

from invdiff.diffusion.samplers import EpsFn, ddim_timesteps, ddim_update, denoise
from invdiff.diffusion.schedules import NoiseSchedule
from invdiff.progress import track

MeasurementLoss = Callable[[Tensor], Tensor]  # x̂_0 [B, ...] -> ‖y − f(x̂_0)‖ per sample [B]


def dps_sample(eps_fn: EpsFn, schedule: NoiseSchedule, shape: tuple[int, ...], measurement_loss: MeasurementLoss,
               zeta: float, *, steps: int, eta: float = 1.0, generator: torch.Generator | None = None,
               device: torch.device | str = "cpu", dtype: torch.dtype = torch.float32,
               clip_x0: float | None = None, progress: bool = False) -> Tensor:
    """DPS over ``steps`` timesteps of the DDIM grid; returns x_0 samples of ``shape``.

    ``eps_fn`` is any prior noise predictor: the null-condition branch of a CFG model (plain DPS) or the
    guided conditional one (CFG + DPS).
    """
    sched = schedule.to(device)
    abar = sched.alpha_bars
    ts = ddim_timesteps(sched.num_timesteps, steps)
    x = torch.randn(shape, device=device, dtype=dtype, generator=generator)
    for k in track(range(len(ts)), len(ts), "dps sampling", enabled=progress):
        i = ts[k]
        a_prev = abar[ts[k + 1]] if k + 1 < len(ts) else abar.new_tensor(1.0)
        t = torch.full((shape[0],), i, device=device, dtype=torch.long)
        with torch.enable_grad():
            x_in = x.detach().requires_grad_(True)
            x0, eps = denoise(sched, x_in, t, eps_fn(x_in, t), clip_x0)
            misfit = measurement_loss(x0)
            grad, = torch.autograd.grad(misfit.sum(), x_in)
        noise = torch.randn(shape, device=device, dtype=dtype, generator=generator) \
            if k + 1 < len(ts) and eta > 0 else None
        x = ddim_update(x0.detach(), eps.detach(), abar[i], a_prev, eta, noise) - zeta * grad
    return x.detach()
