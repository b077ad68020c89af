"""Operators against dense algebra, the likelihood's proximal draw against its exact Gaussian, and the exact
Gaussian references against peers (the mixture helper's ε*, the precision form of the posterior)."""
import math

import pytest
import torch

from helpers.gaussian_posterior import D_Y, POST_COV, POST_MEAN, PRIOR, SCHEDULE, SIGMA_Y, D, H, N, Y, w2_to
from helpers.gaussians import GaussianMixture
from invdiff.posterior import (
    GaussianLikelihood,
    GaussianPrior,
    MatrixOperator,
    SubsampleOperator,
    conjugate_gradients,
    gaussian_w2_squared,
)
from invdiff.posterior.operators import LinearOperator

GEN = torch.Generator().manual_seed(11)


class DenseViaBaseClass(LinearOperator):
    """H through the base class's conjugate-gradient solves only."""

    def __init__(self, matrix):
        self.matrix, self.output_dim, self.event_shape = matrix, matrix.shape[0], (matrix.shape[1],)

    def forward(self, x):
        return x @ self.matrix.T

    def adjoint(self, y):
        return y @ self.matrix


@pytest.mark.parametrize("op", [MatrixOperator(H), DenseViaBaseClass(H),
                                SubsampleOperator(torch.tensor([5, 0, 9, 3]), (3, 4))], ids=["matrix", "cg", "mask"])
def test_adjoint_gram_solve_and_pseudo_inverse(op):
    x = torch.randn(6, *op.event_shape, generator=GEN, dtype=torch.float64)
    y = torch.randn(6, op.output_dim, generator=GEN, dtype=torch.float64)
    assert torch.allclose((op.forward(x) * y).sum(-1), (x.reshape(6, -1) * op.adjoint(y).reshape(6, -1)).sum(-1))
    dense = op.adjoint(torch.eye(op.output_dim, dtype=torch.float64)).reshape(op.output_dim, -1)  # rows of H
    weight = torch.rand(6, *op.event_shape, generator=GEN, dtype=torch.float64)
    v = op.solve_gram(y, weight, 0.3)
    gram = (dense[None] * weight.reshape(6, 1, -1)) @ dense.T[None] + 0.3 * torch.eye(op.output_dim)
    assert torch.allclose((gram @ v.unsqueeze(-1)).squeeze(-1), y, atol=1e-8)
    expected = y @ torch.linalg.pinv(dense).T
    assert torch.allclose(op.pseudo_inverse(y).reshape(6, -1), expected, atol=1e-6)


def test_subsample_operator_refuses_bad_indices():
    with pytest.raises(ValueError, match="distinct indices"):
        SubsampleOperator(torch.tensor([0, 0]), (2, 2))
    with pytest.raises(ValueError, match="distinct indices"):
        SubsampleOperator(torch.tensor([4]), (2, 2))


def test_conjugate_gradients_solves_each_row_with_its_own_matrix():
    a = torch.randn(3, 5, 5, generator=GEN, dtype=torch.float64)
    spd = a @ a.transpose(1, 2) + torch.eye(5)
    rhs = torch.randn(3, 5, generator=GEN, dtype=torch.float64)
    v = conjugate_gradients(lambda u: (spd @ u.unsqueeze(-1)).squeeze(-1), rhs, tol=1e-12, max_iter=20)
    assert torch.allclose(v, torch.linalg.solve(spd, rhs), atol=1e-8)


def test_proximal_sample_is_the_exact_product_gaussian():
    """x ∝ N(y; Hx, σ_y²) N(x; v, γ²I) is the posterior of the prior N(v, γ²I)."""
    gamma, v = 0.4, torch.linspace(-1, 1, D, dtype=torch.float64)
    lik = GaussianLikelihood(MatrixOperator(H), Y.expand(N, D_Y), SIGMA_Y)
    x = lik.proximal_sample(v.expand(N, D).clone(), gamma, torch.Generator().manual_seed(12))
    mean, cov = GaussianPrior(v, gamma**2 * torch.eye(D, dtype=torch.float64)).posterior(H, Y, SIGMA_Y)
    assert w2_to(x, mean, cov) < 2e-3


def test_likelihood_pieces():
    lik = GaussianLikelihood(MatrixOperator(H), Y.expand(2, D_Y), SIGMA_Y)
    x = torch.randn(2, D, generator=GEN, dtype=torch.float64).requires_grad_(True)
    assert torch.allclose(torch.autograd.grad(lik.log_prob(x).sum(), x)[0], lik.score(x))
    assert torch.allclose(lik.chi2(x), ((Y - x @ H.T) ** 2).mean(-1) / SIGMA_Y**2)
    with pytest.raises(ValueError, match="y must be"):
        GaussianLikelihood(MatrixOperator(H), Y[None, :2], SIGMA_Y)


def test_exact_eps_matches_the_mixture_helper():
    mixture = GaussianMixture([1.0], PRIOR.mean[None], PRIOR.cov[None])
    x = torch.randn(7, D, generator=GEN, dtype=torch.float64)
    t = torch.tensor([0, 10, 100, 500, 900, 999, 10])
    assert torch.allclose(PRIOR.eps_fn(SCHEDULE)(x, t), mixture.eps_fn(SCHEDULE)(x, t), atol=1e-10)


def test_kalman_posterior_equals_the_precision_form_and_survives_a_singular_prior():
    precision = torch.linalg.inv(PRIOR.cov) + H.T @ H / SIGMA_Y**2
    cov = torch.linalg.inv(precision)
    mean = cov @ (torch.linalg.solve(PRIOR.cov, PRIOR.mean) + H.T @ Y / SIGMA_Y**2)
    assert torch.allclose(POST_MEAN, mean, atol=1e-10) and torch.allclose(POST_COV, cov, atol=1e-10)
    # rank-2 prior (image-like): no pinv(S); the posterior lives in S's range and matches the S + δI limit
    basis = torch.randn(D, 2, generator=GEN, dtype=torch.float64)
    singular = GaussianPrior(torch.zeros(D, dtype=torch.float64), basis @ basis.T)
    mean_s, cov_s = singular.posterior(H, Y, SIGMA_Y)
    mean_d, cov_d = GaussianPrior(torch.zeros(D, dtype=torch.float64),
                                  basis @ basis.T + 1e-9 * torch.eye(D, dtype=torch.float64)).posterior(H, Y, SIGMA_Y)
    assert torch.allclose(mean_s, mean_d, atol=1e-6) and torch.allclose(cov_s, cov_d, atol=1e-6)
    assert torch.linalg.matrix_rank(cov_s, atol=1e-9) == 2


def test_w2_of_gaussians_in_closed_form():
    # commuting covariances: W₂² = ‖Δμ‖² + Σ (√a − √b)²
    a, b = torch.tensor([1.0, 4.0, 0.25]), torch.tensor([4.0, 1.0, 1.0])
    expected = 3.0 + float(((a.sqrt() - b.sqrt()) ** 2).sum())
    got = gaussian_w2_squared(torch.zeros(3), torch.diag(a), torch.tensor([1.0, 1.0, 1.0]), torch.diag(b))
    assert math.isclose(got, expected, rel_tol=1e-9)


def test_tweedie_denoiser_and_covariance():
    sigma = 0.5
    u = torch.randn(4, D, generator=GEN, dtype=torch.float64)
    joint = torch.cat([torch.cat([PRIOR.cov, PRIOR.cov], 1),
                       torch.cat([PRIOR.cov, PRIOR.cov + sigma**2 * torch.eye(D, dtype=torch.float64)], 1)], 0)
    gain = joint[:D, D:] @ torch.linalg.inv(joint[D:, D:])
    assert torch.allclose(PRIOR.denoise(u, sigma), PRIOR.mean + (u - PRIOR.mean) @ gain.T)
    assert torch.allclose(PRIOR.denoise_cov(sigma), joint[:D, :D] - gain @ joint[D:, :D], atol=1e-12)
