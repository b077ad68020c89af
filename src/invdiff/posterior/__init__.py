"""Zero-shot posterior sampling with a diffusion prior and a linear-Gaussian likelihood, experiment-agnostic.

Operators (:mod:`.operators`), the likelihood with an explicit σ_y (:mod:`.likelihood`), exact Gaussian answers
(:mod:`.gaussian`), and the samplers: DPS, ΠGDM, TMPD (:mod:`.guided`), ULA, MALA, annealed Langevin and
random-walk MH (:mod:`.langevin`), GPnP (:mod:`.gpnp`). Each is checked against an exact Gaussian posterior in
``tests/posterior``.
"""
from invdiff.posterior.gaussian import GaussianPrior, LinearGaussianProblem, gaussian_w2_squared, sample_moments
from invdiff.posterior.gpnp import denoiser_generator, gpnp_sample
from invdiff.posterior.guided import dps_guidance, guided_posterior_sample, pigdm_guidance, tmpd_guidance
from invdiff.posterior.langevin import annealed_langevin, mala, posterior_score, random_walk_metropolis, ula
from invdiff.posterior.likelihood import GaussianLikelihood
from invdiff.posterior.operators import LinearOperator, MatrixOperator, SubsampleOperator, conjugate_gradients
from invdiff.posterior.result import PosteriorResult
from invdiff.posterior.tweedie import NoiseLevels, geometric_ladder

__all__ = [
    "GaussianPrior", "LinearGaussianProblem", "gaussian_w2_squared", "sample_moments", "gpnp_sample",
    "denoiser_generator",
    "dps_guidance", "pigdm_guidance", "tmpd_guidance", "guided_posterior_sample", "ula", "mala",
    "annealed_langevin", "posterior_score", "random_walk_metropolis", "GaussianLikelihood", "LinearOperator",
    "MatrixOperator", "SubsampleOperator", "conjugate_gradients", "PosteriorResult", "NoiseLevels",
    "geometric_ladder",
]
