"""Generative Plug-and-Play (Bouman & Buzzard 2023): posterior sampling by alternating two proximal generators
at an annealed noise level σ (geometric from σ_max to σ_min):

* the prior generator, through the denoiser D_σ: v ← (1 − β) v + β D_σ(v) + √β σ z (the authors' form; β = 1 is
  D_σ(v) + σ z). With an exact Gaussian proximal draw v ~ N(D_σ(v), σ²∇D_σ) instead (``prior_generator``) and
  β = 1, the pair is a Gibbs sampler of p(x) N(v; x, σ²) p(y | v), whose v-marginal is the posterior of the
  σ-blurred prior p * N(0, σ² I) — the bias GPnP trades for its simplicity, shrinking with σ_min;
* the forward-model generator, exact for a linear-Gaussian H: v ~ p(y | v) N(v; v_prev, γ²), γ = √β σ
  (:meth:`GaussianLikelihood.proximal_sample`).

One denoiser evaluation per iteration, no backward passes. The sampler returns the last state.
"""
from __future__ import annotations

import math
from typing import Callable

import torch
from torch import Tensor

from invdiff.posterior.likelihood import GaussianLikelihood
from invdiff.posterior.result import PosteriorResult
from invdiff.posterior.tweedie import geometric_ladder
from invdiff.progress import Progress
from invdiff.sampling import StepCallback

Denoiser = Callable[[Tensor, float], Tensor]  # (v, σ) -> D_σ(v)
PriorGenerator = Callable[[Tensor, float, "torch.Generator | None"], Tensor]  # (v, σ, generator) -> draw


def denoiser_generator(denoiser: Denoiser, beta: float) -> PriorGenerator:
    """The authors' prior generator (1 − β) v + β D_σ(v) + √β σ z."""
    def generate(v, sigma, generator):
        z = torch.randn(v.shape, generator=generator, dtype=v.dtype, device=v.device)
        return (1 - beta) * v + beta * denoiser(v, sigma) + math.sqrt(beta) * sigma * z
    return generate


def gpnp_sample(denoiser: Denoiser | None, likelihood: GaussianLikelihood, x_init: Tensor, *, sigma_max: float,
                sigma_min: float, iterations: int, beta: float = 0.25,
                prior_generator: PriorGenerator | None = None, generator: torch.Generator | None = None,
                callback: StepCallback | None = None, progress: bool = False) -> PosteriorResult:
    """GPnP from ``x_init`` [B, ...] (e.g. H†y); ``prior_generator`` replaces the denoiser's one when given."""
    if not 0 < beta <= 1:
        raise ValueError(f"GPnP beta must be in (0, 1], got {beta}")
    generate = prior_generator or denoiser_generator(denoiser, beta)
    x = x_init.clone()
    report = Progress("gpnp", iterations, enabled=progress)
    for k, sigma in enumerate(geometric_ladder(sigma_max, sigma_min, iterations)):
        x = generate(x, sigma, generator)
        x = likelihood.proximal_sample(x, math.sqrt(beta) * sigma, generator)
        if callback is not None:
            callback(sigma, x)
        report.update_to(k + 1)
    return PosteriorResult(x, iterations)
