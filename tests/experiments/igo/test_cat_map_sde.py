import math

import pytest
import torch

from invdiff.experiments.igo.cat_map_sde import CatMapSDE, euler_maruyama


def dense(sde: CatMapSDE, spectrum: torch.Tensor) -> torch.Tensor:
    """f(C) as a dense matrix, from its spectrum [P]."""
    eye = torch.eye(sde.n * sde.n, dtype=torch.float64)
    return sde.ops.apply(spectrum, eye).T  # column j = f(C) e_j


def em_moments_by_matrices(sde: CatMapSDE, t: float, steps: int):
    """Mean map and covariance of the EM chain by explicit matrix products (the definition, eq. 4)."""
    d = sde.n * sde.n
    h = t / sde.em_steps
    c = sde.ops.matrix()
    a = (1 - sde.kappa * h) * torch.eye(d, dtype=torch.float64) + sde.kappa * h * c
    mean_map, cov = torch.eye(d, dtype=torch.float64), torch.zeros(d, d, dtype=torch.float64)
    for j in range(steps):
        mean_map = a @ mean_map
        cov = a @ cov @ a.T + h * sde.sigma ** (2 * j * h) * torch.eye(d, dtype=torch.float64)
    return mean_map, cov


def test_exact_em_moments_equal_the_matrix_recursion():
    sde = CatMapSDE(n=5, kappa=3.0, sigma=25.0, em_steps=10)
    t = torch.tensor([0.8], dtype=torch.float64)
    for steps in (5, 10):
        mean_spec, var_spec = sde.em_moments(t, steps)
        mean_map, cov = em_moments_by_matrices(sde, 0.8, steps)
        assert torch.allclose(dense(sde, mean_spec[0]), mean_map, atol=1e-12)
        assert torch.allclose(dense(sde, var_spec[0].to(torch.complex128)), cov, atol=1e-10)


def test_sampled_iterates_match_a_monte_carlo_euler_maruyama_simulation():
    sde = CatMapSDE(n=5, kappa=3.0, sigma=25.0, em_steps=8)
    num = 100_000
    x0 = torch.rand(1, 1, 5, 5, dtype=torch.float64).expand(num, 1, 5, 5)
    t = torch.full((num,), 0.7, dtype=torch.float64)
    exact = sde.sample_iterates(x0, t, torch.Generator().manual_seed(0))
    simulated = euler_maruyama(sde, x0, t, keep=[4, 8], generator=torch.Generator().manual_seed(1))
    mean_map, cov = em_moments_by_matrices(sde, 0.7, 8)
    half_map, half_cov = em_moments_by_matrices(sde, 0.7, 4)
    for x_exact, x_em, m, s in ((exact.x_tau, simulated[4], half_map, half_cov),
                                (exact.x_t, simulated[8], mean_map, cov)):
        a, b = x_exact.reshape(num, -1), x_em.reshape(num, -1)
        target_mean = m @ x0[0].reshape(-1)
        scale = s.diagonal().sqrt()
        # 5 standard errors on means, relative 3 % on covariances (100k samples)
        for x in (a, b):
            assert ((x.mean(0) - target_mean).abs() < 5 * scale / math.sqrt(num)).all()
            assert ((torch.cov(x.T) - s).abs() < 0.03 * s.diagonal().max()).all()
    # the two iterates are one trajectory: cross-covariance Cov(x_tau, x_t) = half_cov A^{4 T}
    a, b = exact.x_tau.reshape(num, -1), exact.x_t.reshape(num, -1)
    carry = mean_map @ torch.linalg.inv(half_map)
    cross = (a - a.mean(0)).T @ (b - b.mean(0)) / num
    assert ((cross - half_cov @ carry.T).abs() < 0.03 * cov.diagonal().max()).all()
    # the scores are -Σ⁻¹(x - M x0): E[s (x - mean)ᵀ] = -I
    s = exact.score_t.reshape(num, -1)
    assert torch.allclose(s.T @ (b - b.mean(0)) / num, -torch.eye(25, dtype=torch.float64), atol=0.03)
    assert torch.allclose(exact.tau, t / 2)


def test_kappa_zero_is_the_ve_sde():
    sigma = 25.0
    sde = CatMapSDE(n=28, kappa=0.0, sigma=sigma, em_steps=2000)
    t = torch.tensor([0.05, 0.5, 1.0], dtype=torch.float64)
    song_var = (sigma ** (2 * t) - 1) / (2 * math.log(sigma))  # Song's marginal_prob_std²
    assert torch.allclose(sde.marginal_std(t).double(), song_var.sqrt(), rtol=1e-6)
    assert torch.allclose(sde.variance_spectrum(t), song_var[:, None].expand(3, sde.ops.period))
    assert torch.allclose(sde.mean_spectrum(t), torch.ones(3, sde.ops.period, dtype=torch.complex128))
    mean_spec, var_spec = sde.em_moments(t)
    assert torch.allclose(mean_spec, torch.ones_like(mean_spec))
    assert torch.allclose(var_spec, song_var[:, None].expand_as(var_spec), rtol=2e-3)  # left Riemann sum
    x0 = torch.randn(3, 1, 28, 28, dtype=torch.float64)
    assert torch.equal(sde.drift(x0), torch.zeros_like(x0))
    it = sde.sample_iterates(x0.expand(3, 1, 28, 28), t, torch.Generator().manual_seed(0))
    noise = it.x_t - x0
    score = -noise / var_spec[:, :1, None, None]
    assert torch.allclose(it.score_t, score, atol=1e-9)


def test_em_chain_converges_to_the_continuous_sde():
    t = torch.tensor([0.3, 1.0], dtype=torch.float64)
    errors = []
    for steps in (50, 500):
        sde = CatMapSDE(n=28, kappa=2.0, sigma=25.0, em_steps=steps)
        mean_spec, var_spec = sde.em_moments(t)
        errors.append(((var_spec - sde.variance_spectrum(t)).abs() / sde.variance_spectrum(t)).max()
                      + (mean_spec - sde.mean_spectrum(t)).abs().max())
    assert errors[1] < errors[0] / 5 and errors[1] < 0.01  # first order in h


def test_invalid_settings_are_rejected():
    with pytest.raises(ValueError, match="even"):
        CatMapSDE(em_steps=11)
    with pytest.raises(ValueError, match="sigma"):
        CatMapSDE(sigma=1.0)
    with pytest.raises(ValueError, match="kappa"):
        CatMapSDE(kappa=50.0, em_steps=10)
