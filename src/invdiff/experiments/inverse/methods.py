"""Every method of the comparison as one call ``run(method, knobs, context, batch, steps, generator)``.

The zero-shot samplers share one unconditional prior and take the likelihood of the batch's operator; the learned
optimizer takes the observation as its condition. ``steps`` is each method's budget of network evaluations per
sample (the learned optimizer with w > 0 spends two per step: the conditional and null passes of CFG).

* ``optimizer`` {w}: DDPM-like DDIM (η = 1) on (1 + w) ε(x, y) − w ε(x, ∅);
* ``dps`` / ``pigdm`` / ``tmpd`` {zeta}: :func:`~invdiff.posterior.guided.guided_posterior_sample` (η = 1, x̂₀ clipped
  to the data range), TMPD in its diagonal form (the full form needs d_y VJPs per step);
* ``langevin`` {eps0}: annealed Langevin from the schedule's largest σ down to ``sigma_min``;
* ``ula`` {step}: posterior ULA with the network's score at noise ``sigma`` as the prior's, from H†y;
* ``gpnp`` {beta, sigma_max}: GPnP with the network's Tweedie denoiser and the exact likelihood step, from H†y.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from invdiff.diffusion.module import ConditionalDiffusion
from invdiff.diffusion.samplers import ddim_sample
from invdiff.experiments.inverse.problems import IMAGE_SHAPE, Problem
from invdiff.experiments.inverse.task import optimizer_eps, prior_eps
from invdiff.posterior.gpnp import gpnp_sample
from invdiff.posterior.guided import dps_guidance, guided_posterior_sample, pigdm_guidance, tmpd_guidance
from invdiff.posterior.langevin import annealed_langevin, posterior_score, ula
from invdiff.posterior.tweedie import NoiseLevels

ZERO_SHOT = ("dps", "pigdm", "tmpd", "langevin", "ula", "gpnp")
CLIP = 1.0


@dataclass
class Context:
    prior: ConditionalDiffusion
    optimizer: ConditionalDiffusion
    sigma_min_langevin: float
    inner_steps: int
    ula_sigma: float
    gpnp_sigma_min: float

    def __post_init__(self):
        self.prior_eps = prior_eps(self.prior)
        self.levels = NoiseLevels(self.prior_eps, self.prior.schedule)


@dataclass
class Batch:
    """The rows being sampled: ``problem``, observations ``y`` [M, d_y] and their conditions [M, 3, 28, 28]."""

    problem: Problem
    y: Tensor
    cond: Tensor

    @property
    def start(self) -> Tensor:
        return self.problem.back_project(self.y).clamp(-CLIP, CLIP)


def run(method: str, knobs: dict, ctx: Context, batch: Batch, steps: int,
        generator: torch.Generator) -> tuple[Tensor, int, int]:
    """(samples [M, 1, 28, 28], network evaluations per sample, VJPs per sample)."""
    shape = (len(batch.y), *IMAGE_SHAPE)
    likelihood = batch.problem.likelihood(batch.y)
    with torch.no_grad():
        if method == "optimizer":
            w = float(knobs["w"])
            result = ddim_sample(optimizer_eps(ctx.optimizer, batch.cond, w), ctx.optimizer.schedule, shape,
                                 steps=steps, eta=1.0, clip_x0=CLIP, generator=generator)
            return result.samples, result.evaluations * (2 if w else 1), 0
        if method == "langevin":
            levels = steps // ctx.inner_steps
            result = annealed_langevin(ctx.levels, likelihood, shape, sigma_max=ctx.levels.sigma_range[1],
                                       sigma_min=ctx.sigma_min_langevin, num_levels=levels,
                                       inner_steps=ctx.inner_steps, eps0=knobs["eps0"], generator=generator)
            return result.samples, result.evaluations, 0
        if method == "ula":
            level = ctx.levels.step(ctx.ula_sigma)
            score = posterior_score(lambda u: ctx.levels.score(u, level), likelihood)
            result = ula(score, batch.start, step=knobs["step"], steps=steps, generator=generator)
            return result.samples, result.evaluations, 0
        if method == "gpnp":
            denoise = lambda v, sigma: ctx.levels.denoise(v, ctx.levels.step(sigma))  # noqa: E731
            result = gpnp_sample(denoise, likelihood, batch.start, sigma_max=knobs["sigma_max"],
                                 sigma_min=ctx.gpnp_sigma_min, iterations=steps, beta=knobs["beta"],
                                 generator=generator)
            return result.samples, result.evaluations, 0
    guidance = {"dps": dps_guidance, "pigdm": pigdm_guidance,
                "tmpd": lambda lik: tmpd_guidance(lik, "diagonal")}[method](likelihood)
    result = guided_posterior_sample(ctx.prior_eps, ctx.prior.schedule, shape, guidance, steps=steps, eta=1.0,
                                     zeta=knobs["zeta"], clip_x0=CLIP, generator=generator)
    return result.samples, result.evaluations, result.vjps // result.evaluations
