"""Zero-shot posterior sampling along the reverse diffusion: the prior's score plus an approximation of the noisy
likelihood's score ∇_{x_t} log p(y | x_t), where p(y | x_t) = ∫ p(y | x_0) p(x_0 | x_t) dx_0.

All three methods approximate p(x_0 | x_t) by a Gaussian around Tweedie's mean m = x̂_0(x_t) with covariance C, so
that p(y | x_t) ≈ N(y; H m, H C Hᵀ + σ_y² I) and (holding the covariance fixed)
``∇ log p(y | x_t) ≈ Jᵀ Hᵀ (H C Hᵀ + σ_y² I)⁻¹ (y − H m)``, J = ∂m/∂x_t, one vector–Jacobian product:

* DPS (Chung et al. 2022, with the Gaussian likelihood's 1/σ_y² weight): C = 0;
* ΠGDM (Song, Vahdat, Mardani & Kautz 2023, eq. 7-8, noisy form): C = r_t² I with r_t² = σ_t²/(1 + σ_t²),
  σ_t² = ν_t/ᾱ_t, i.e. r_t² = ν_t — the posterior variance of x_0 | x_t for standardised N(0, I) data;
* TMPD (Boys et al. 2024, eq. 10): Tweedie's covariance C = (ν_t/√ᾱ_t) J. ``full`` builds H C Hᵀ with d_y
  vector–Jacobian products (for small d_y); ``diagonal`` keeps C's diagonal, estimated by the sums Jᵀ1 (one product
  with the ones vector; the row sums of the symmetric J of an exact score; exact where C is diagonal) and
  solves the d_y system matrix-free.

The posterior score enters the DDIM update (Song, Meng & Ermon 2021, eq. 12) as a corrected noise
ε' = ε − ζ √ν_t g (ζ = 1 is the approximation as derived); ``eta = 1`` over all T steps is DDPM's chain.
With the exact ε* of a Gaussian prior, TMPD's g is the exact ∇ log p(y | x_t), so its samples are the posterior's.
"""
from __future__ import annotations

import math
from typing import Callable

import torch
from torch import Tensor

from invdiff.diffusion.forward import predict_x0
from invdiff.diffusion.samplers import Clip, EpsFn, clip, ddim_update, start_ddim_walk
from invdiff.diffusion.schedules import NoiseSchedule
from invdiff.posterior.likelihood import GaussianLikelihood
from invdiff.posterior.result import PosteriorResult
from invdiff.sampling import StepCallback

Guidance = Callable[[Tensor, Tensor, float], tuple[Tensor, int]]
"""(x_t requiring grad, m = x̂_0(x_t) with its graph, ᾱ_t) -> (≈ ∇_{x_t} log p(y | x_t) shaped like x_t, VJPs used)."""


def _vjp(output: Tensor, inputs: Tensor, vector: Tensor, retain: bool = False) -> Tensor:
    return torch.autograd.grad(output, inputs, vector.reshape(output.shape), retain_graph=retain)[0]


def dps_guidance(likelihood: GaussianLikelihood) -> Guidance:
    """C = 0: g = Jᵀ Hᵀ (y − H m)/σ_y²."""
    op, s2 = likelihood.operator, likelihood.sigma_y**2

    def guidance(x_t, m, abar):
        return _vjp(m, x_t, op.adjoint(likelihood.residual(m).detach()) / s2), 1

    return guidance


def pigdm_guidance(likelihood: GaussianLikelihood) -> Guidance:
    """C = r_t² I, r_t² = 1 − ᾱ_t: g = Jᵀ Hᵀ (r_t² HHᵀ + σ_y² I)⁻¹ (y − H m)."""
    op, s2 = likelihood.operator, likelihood.sigma_y**2

    def guidance(x_t, m, abar):
        v = op.solve_gram(likelihood.residual(m).detach(), 1 - abar, s2)
        return _vjp(m, x_t, op.adjoint(v)), 1

    return guidance


def tmpd_guidance(likelihood: GaussianLikelihood, variant: str = "full") -> Guidance:
    """C = (ν_t/√ᾱ_t) J: ``full`` (d_y + 1 VJPs) or ``diagonal`` (2 VJPs); see the module docstring."""
    if variant not in ("full", "diagonal"):
        raise ValueError(f"TMPD variant must be 'full' or 'diagonal', got {variant!r}")
    op, s2 = likelihood.operator, likelihood.sigma_y**2

    def guidance(x_t, m, abar):
        scale = (1 - abar) / math.sqrt(abar)
        r = likelihood.residual(m).detach()
        if variant == "full":
            b, d_y = r.shape
            columns = []
            for k in range(d_y):
                unit = r.new_zeros(b, d_y)
                unit[:, k] = 1
                columns.append(op.forward(_vjp(m, x_t, op.adjoint(unit), retain=True)))
            h_jt_ht = torch.stack(columns, dim=-1)  # [B, d_y, d_y]: column k = H Jᵀ Hᵀ e_k
            gram = scale * (h_jt_ht + h_jt_ht.transpose(1, 2)) / 2 + s2 * torch.eye(d_y, dtype=r.dtype)
            v = torch.linalg.solve(gram, r.unsqueeze(-1)).squeeze(-1)
            used = d_y + 1
        else:
            diagonal = (scale * _vjp(m, x_t, torch.ones_like(m), retain=True)).clamp_min(0)
            v = op.solve_gram(r, diagonal, s2)
            used = 2
        return _vjp(m, x_t, op.adjoint(v)), used

    return guidance


def guided_posterior_sample(eps_fn: EpsFn, schedule: NoiseSchedule, shape: tuple[int, ...], guidance: Guidance, *,
                            steps: int, eta: float = 1.0, zeta: float = 1.0,
                            generator: torch.Generator | None = None, device: torch.device | str = "cpu",
                            dtype: torch.dtype = torch.float32, clip_x0: Clip = None, x_init: Tensor | None = None,
                            callback: StepCallback | None = None, progress: bool = False) -> PosteriorResult:
    """Reverse diffusion over ``steps`` DDIM timesteps with the likelihood score of ``guidance`` (see the module
    docstring); ``zeta`` scales it. ``clip_x0`` clips the corrected x̂_0 (its noise re-derived). One network
    evaluation per step, and the guidance's VJPs."""
    if zeta < 0:
        raise ValueError(f"zeta must be >= 0, got {zeta}")
    sched, grid, x, report = start_ddim_walk(schedule, steps, shape, x_init, device, dtype, generator, callback,
                                             "posterior sampling", progress)
    vjps = 0
    for k, (i, a_t, a_prev, time_after) in enumerate(grid):
        t = torch.full((shape[0],), i, device=device, dtype=torch.long)
        abar = float(a_t)
        with torch.enable_grad():
            x_in = x.detach().requires_grad_(True)
            eps = eps_fn(x_in, t)
            m = predict_x0(sched, x_in, t, eps)
            g, used = guidance(x_in, m, abar)
        vjps += used
        eps = eps.detach() - zeta * math.sqrt(1 - abar) * g
        x0 = (x - math.sqrt(1 - abar) * eps) / math.sqrt(abar)
        if clip_x0 is not None:
            x0 = clip(x0, clip_x0)
            eps = (x - math.sqrt(abar) * x0) / math.sqrt(1 - abar)
        noise = None if time_after == 0 or eta <= 0 else torch.randn(shape, device=device, dtype=dtype,
                                                                     generator=generator)
        x = ddim_update(x0, eps, a_t, a_prev, eta, noise).detach()
        if callback is not None:
            callback(time_after, x)
        report.update_to(k + 1)
    return PosteriorResult(x, len(grid), vjps)
