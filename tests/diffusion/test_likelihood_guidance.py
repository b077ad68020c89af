"""DPS and the gradient method on a linear-Gaussian inverse problem, whose posterior is exact.

Prior x ~ N(0, I_2) (its exact noise predictor), y = A x + N(0, σ²), A = [1, 0.5], σ = 0.1, y = 1.
Posterior: Σ = (I + AᵀA/σ²)⁻¹, μ = Σ Aᵀ y / σ².
"""
import numpy as np
import torch

from helpers.gaussians import GaussianMixture
from invdiff.baselines.gradient_descent import multi_start_descent
from invdiff.diffusion import dps_sample, linear_schedule

SCHEDULE = linear_schedule(1000, 1e-4, 0.02)
PRIOR = GaussianMixture([1.0], [[0.0, 0.0]], [[[1.0, 0.0], [0.0, 1.0]]])
A = torch.tensor([[1.0, 0.5]], dtype=torch.float64)
SIGMA, Y = 0.1, torch.tensor([1.0], dtype=torch.float64)
POST_COV = torch.linalg.inv(torch.eye(2, dtype=torch.float64) + A.T @ A / SIGMA**2)
POST_MEAN = POST_COV @ A.T @ Y / SIGMA**2


def test_dps_with_the_exact_prior_recovers_the_posterior():
    misfit = lambda x0: (Y - x0 @ A.T).norm(dim=-1)  # noqa: E731
    x, _ = dps_sample(PRIOR.eps_fn(SCHEDULE), SCHEDULE, (4000, 2), misfit, zeta=0.1, steps=100,
                   generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    # DPS is an approximation (p(y|x_t) ≈ p(y|x̂_0)); on this problem it lands within MC error of the posterior
    np.testing.assert_allclose(x.mean(0).numpy(), POST_MEAN.numpy(), atol=0.04)
    np.testing.assert_allclose(torch.cov(x.T).numpy(), POST_COV.numpy(), atol=0.05)
    assert (x @ A.T - Y).abs().mean() < 0.1  # the prior alone has E|y − Ax| ≈ 0.96


def test_dps_with_zero_step_is_the_prior_sampler():
    misfit = lambda x0: (Y - x0 @ A.T).norm(dim=-1)  # noqa: E731
    # eta = 1 over all T steps is DDPM's ancestral chain, which is exact for the exact predictor
    x, _ = dps_sample(PRIOR.eps_fn(SCHEDULE), SCHEDULE, (4000, 2), misfit, zeta=0.0, steps=1000,
                   generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    np.testing.assert_allclose(x.mean(0).numpy(), [0.0, 0.0], atol=0.05)
    np.testing.assert_allclose(torch.cov(x.T).numpy(), np.eye(2), atol=0.07)


def test_gradient_method_with_the_prior_term_finds_the_map():
    sigma = 0.5  # a well-conditioned posterior: Adam's constant step converges to the optimum, not around it
    cov = torch.linalg.inv(torch.eye(2, dtype=torch.float64) + A.T @ A / sigma**2)
    mean = cov @ A.T @ Y / sigma**2
    loss = lambda x: ((Y - x @ A.T) ** 2).sum(-1) / (2 * sigma**2) + (x**2).sum(-1) / 2  # noqa: E731
    starts = torch.randn(8, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0)) * 3
    x, evaluations = multi_start_descent(loss, starts, steps=3000, lr=0.02)
    assert evaluations == 3000
    np.testing.assert_allclose(x.numpy(), mean.expand(8, 2).numpy(), atol=5e-3)  # Gaussian: MAP = mean
