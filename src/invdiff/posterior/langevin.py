"""Langevin samplers: ULA and MALA on a known score / log-density, and annealed Langevin dynamics on a
diffusion prior.

* ULA (Durmus & Moulines 2019): x ← x + γ ∇log π(x) + √(2γ) z. Biased: on a Gaussian target of precision A its
  stationary law is N(m, (A − γA²/2)⁻¹), not N(m, A⁻¹). "Posterior ULA" is ULA on ∇log p(x) + ∇log p(y | x).
* MALA (Roberts & Tweedie 1996): the ULA move as a proposal, accepted with the Metropolis–Hastings ratio
  π(x')q(x | x') / π(x)q(x' | x), q(x' | x) = N(x'; x + γ∇log π(x), 2γ I): unbiased.
* Annealed Langevin (Song & Ermon 2019, Algorithm 1): a geometric ladder σ_1 > … > σ_L, at level i
  ``inner_steps`` moves x ← x + (α_i/2) s_i(x) + √α_i z with α_i = ε₀ σ_i²/σ_L², on the posterior score
  s_i = ∇log p_{σ_i}(x) + Hᵀ(σ_i² HHᵀ + σ_y² I)⁻¹(y − Hx): the prior's score from the network at σ_i, and the
  likelihood of the σ_i-noised x (x = x_0 + σ_i z makes y − Hx = noise − σ_i H z; Jalal et al. 2021 anneal the
  likelihood the same way, σ_y² + σ_i² for HHᵀ = I). It runs in the variance-exploding scale x_0 + σ z; at the
  last level it is ULA with γ = α_L/2 on the σ_L-blurred posterior.
"""
from __future__ import annotations

import math
from typing import Callable

import torch
from torch import Tensor

from invdiff.baselines.mcmc import random_walk_metropolis
from invdiff.posterior.likelihood import GaussianLikelihood
from invdiff.posterior.result import PosteriorResult
from invdiff.posterior.tweedie import NoiseLevels, geometric_ladder
from invdiff.progress import Progress
from invdiff.sampling import StepCallback

ScoreFn = Callable[[Tensor], Tensor]
LogDensityAndScore = Callable[[Tensor], tuple[Tensor, Tensor]]  # x [B, ...] -> (log π(x) [B], ∇log π(x))

__all__ = ["ula", "mala", "annealed_langevin", "random_walk_metropolis", "posterior_score"]


def _check_step(step: float, name: str = "step") -> None:
    if not step > 0:
        raise ValueError(f"{name} must be > 0, got {step}")


def _noise(x: Tensor, generator) -> Tensor:
    return torch.randn(x.shape, generator=generator, dtype=x.dtype, device=x.device)


def posterior_score(prior_score: ScoreFn, likelihood: GaussianLikelihood) -> ScoreFn:
    """∇log p(x) + ∇log p(y | x)."""
    return lambda x: prior_score(x) + likelihood.score(x)


def ula(score_fn: ScoreFn, x_init: Tensor, *, step: float, steps: int, generator: torch.Generator | None = None,
        callback: StepCallback | None = None) -> PosteriorResult:
    """``steps`` ULA moves from ``x_init`` [B, ...] (one score evaluation each)."""
    _check_step(step)
    x = x_init.clone()
    for k in range(steps):
        x = x + step * score_fn(x) + math.sqrt(2 * step) * _noise(x, generator)
        if callback is not None:
            callback(k + 1, x)
    return PosteriorResult(x, steps)


def mala(log_density_and_score: LogDensityAndScore, x_init: Tensor, *, step: float, steps: int,
         generator: torch.Generator | None = None) -> PosteriorResult:
    """``steps`` MALA moves from ``x_init`` [B, ...]; ``acceptance`` is the mean acceptance rate."""
    _check_step(step)
    x = x_init.clone()
    log_p, score = log_density_and_score(x)
    flat = lambda v: v.reshape(len(v), -1)  # noqa: E731
    accepted = 0.0
    for _ in range(steps):
        forward_mean = x + step * score
        proposal = forward_mean + math.sqrt(2 * step) * _noise(x, generator)
        log_p_new, score_new = log_density_and_score(proposal)
        backward_mean = proposal + step * score_new
        log_q_forward = -(flat(proposal - forward_mean) ** 2).sum(-1) / (4 * step)
        log_q_backward = -(flat(x - backward_mean) ** 2).sum(-1) / (4 * step)
        log_ratio = log_p_new - log_p + log_q_backward - log_q_forward
        u = torch.rand(len(x), generator=generator, dtype=x.dtype, device=x.device)
        accept = u.log() < log_ratio
        keep = accept.reshape(-1, *([1] * (x.ndim - 1)))
        x, score = torch.where(keep, proposal, x), torch.where(keep, score_new, score)
        log_p = torch.where(accept, log_p_new, log_p)
        accepted += accept.to(x.dtype).mean().item()
    return PosteriorResult(x, steps + 1, acceptance=accepted / max(steps, 1))


def annealed_langevin(levels: NoiseLevels, likelihood: GaussianLikelihood, shape: tuple[int, ...], *,
                      sigma_max: float, sigma_min: float, num_levels: int, inner_steps: int, eps0: float,
                      generator: torch.Generator | None = None, dtype: torch.dtype = torch.float32,
                      device: torch.device | str = "cpu", x_init: Tensor | None = None,
                      callback: StepCallback | None = None, progress: bool = False) -> PosteriorResult:
    """Annealed Langevin dynamics on the posterior (module docstring); starts at σ_1 z (or ``x_init``, in the
    x_0 + σ z scale) and returns the last state. One network evaluation per move."""
    _check_step(eps0, "eps0")
    if inner_steps < 1:
        raise ValueError(f"inner_steps must be >= 1, got {inner_steps}")
    steps = [levels.step(s) for s in geometric_ladder(sigma_max, sigma_min, num_levels)]
    ladder = [(i, float(levels.sigmas[i])) for i in steps]  # each level at its timestep's own σ
    last = ladder[-1][1]
    x = (ladder[0][1] * torch.randn(shape, generator=generator, dtype=dtype, device=device)
         if x_init is None else x_init.to(device=device, dtype=dtype).clone())
    report = Progress("annealed langevin", len(ladder), enabled=progress)
    op, s2 = likelihood.operator, likelihood.sigma_y**2
    for n, (i, sigma) in enumerate(ladder):
        alpha = eps0 * sigma**2 / last**2
        for _ in range(inner_steps):
            lik = op.adjoint(op.solve_gram(likelihood.residual(x), sigma**2, s2)).reshape(x.shape)
            x = x + alpha / 2 * (levels.score(x, i) + lik) + math.sqrt(alpha) * _noise(x, generator)
        if callback is not None:
            callback(sigma, x)
        report.update_to(n + 1)
    return PosteriorResult(x, len(ladder) * inner_steps)
