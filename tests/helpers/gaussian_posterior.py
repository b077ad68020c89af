"""The linear-Gaussian inverse problem every posterior sampler is checked on (the numbers the issue measured):
d = 8, d_y = 3, σ_y = 0.2, a Gaussian prior whose covariance spans 0.05…3 (far from the N(0, I) that ΠGDM's
r_t² assumes), T = 1000 linear schedule; exact posterior in Kalman form."""
import torch

from invdiff.diffusion import linear_schedule
from invdiff.posterior import (
    GaussianLikelihood,
    LinearGaussianProblem,
    MatrixOperator,
    gaussian_w2_squared,
    sample_moments,
)

PROBLEM = LinearGaussianProblem(d=8, d_y=3, sigma_y=0.2, spread=(0.05, 3.0), seed=0)
D, D_Y, SIGMA_Y, N = PROBLEM.d, PROBLEM.d_y, PROBLEM.sigma_y, 5000
PRIOR, H, Y = PROBLEM.prior, PROBLEM.matrix, PROBLEM.y
PRIOR_MEAN, PRIOR_COV = PRIOR.mean, PRIOR.cov
POST_MEAN, POST_COV = PROBLEM.posterior_mean, PROBLEM.posterior_cov
SCHEDULE = linear_schedule(1000)
OPERATOR = MatrixOperator(H)


def likelihood(sigma_y: float = SIGMA_Y, n: int = N) -> GaussianLikelihood:
    return GaussianLikelihood(OPERATOR, Y.expand(n, D_Y), sigma_y)


BROKEN_SIGMA_Y = SIGMA_Y**0.5
"""σ_y used as a variance (1/σ_y where 1/σ_y² belongs): the bug each family's check must catch."""


def w2_to(samples: torch.Tensor, mean: torch.Tensor = POST_MEAN, cov: torch.Tensor = POST_COV) -> float:
    m, c = sample_moments(samples)
    return gaussian_w2_squared(m, c, mean, cov)


def variance_ratio(samples: torch.Tensor, cov: torch.Tensor = POST_COV) -> float:
    return float(torch.trace(sample_moments(samples)[1]) / torch.trace(cov))


def ula_stationary_cov(precision: torch.Tensor, step: float) -> torch.Tensor:
    """ULA's stationary covariance on N(m, A⁻¹): (A − γA²/2)⁻¹ (from Σ = (I − γA)Σ(I − γA) + 2γI)."""
    return torch.linalg.inv(precision - step * precision @ precision / 2)


def start(n: int = N) -> torch.Tensor:
    return POST_MEAN.expand(n, D).clone()
