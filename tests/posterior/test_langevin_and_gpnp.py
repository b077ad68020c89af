"""ULA, MALA, random-walk MH, annealed Langevin and GPnP on the exact Gaussian problem, each at its known
stationary law: ULA and annealed Langevin at (A − γA²/2)⁻¹ (not the posterior), MALA and MH unbiased, GPnP with
exact generators at the σ-blurred prior's posterior and with the authors' denoiser step at the fixed point of its
linear-Gaussian chain (a discrete Lyapunov equation). Each check rejects a deliberately broken variant."""
import math

import pytest
import torch
from scipy.linalg import solve_discrete_lyapunov

from helpers.gaussian_posterior import (
    BROKEN_SIGMA_Y,
    D_Y,
    POST_COV,
    POST_MEAN,
    PRIOR,
    PRIOR_COV,
    PRIOR_MEAN,
    SCHEDULE,
    SIGMA_Y,
    D,
    H,
    N,
    Y,
    likelihood,
    start,
    ula_stationary_cov,
    w2_to,
)
from invdiff.posterior import (
    NoiseLevels,
    annealed_langevin,
    gpnp_sample,
    mala,
    posterior_score,
    random_walk_metropolis,
    ula,
)

PRECISION = torch.linalg.inv(POST_COV)
GAMMA = 1.0 / float(torch.linalg.eigvalsh(PRECISION).max())  # stable (γλ < 2) and visibly biased
EYE = torch.eye(D, dtype=torch.float64)


def gen(seed):
    return torch.Generator().manual_seed(seed)


def check_ula(samples, step=GAMMA):
    assert w2_to(samples, POST_MEAN, ula_stationary_cov(PRECISION, step)) < 4e-3


def test_ula_sits_at_its_predicted_stationary_law_not_the_posterior():
    x = ula(posterior_score(PRIOR.score, likelihood()), start(), step=GAMMA, steps=400, generator=gen(2)).samples
    check_ula(x)
    assert w2_to(x) > 3 * w2_to(x, POST_MEAN, ula_stationary_cov(PRECISION, GAMMA))
    # broken: noise √γ instead of √(2γ) — the same chain as ULA on 2·score with step γ/2
    broken = ula(lambda v: 2 * posterior_score(PRIOR.score, likelihood())(v), start(), step=GAMMA / 2, steps=800,
                 generator=gen(2)).samples
    with pytest.raises(AssertionError):
        check_ula(broken)


def log_posterior(sigma_y):
    lik = likelihood(sigma_y)
    return lambda x: (PRIOR.log_prob(x) + lik.log_prob(x), PRIOR.score(x) + lik.score(x))


def check_unbiased(samples):
    assert w2_to(samples) < 3e-3


def test_mala_is_unbiased_where_ula_is_not():
    result = mala(log_posterior(SIGMA_Y), start(), step=GAMMA, steps=500, generator=gen(3))
    check_unbiased(result.samples)
    assert 0.2 < result.acceptance < 0.95 and result.evaluations == 501
    with pytest.raises(AssertionError):
        check_unbiased(mala(log_posterior(BROKEN_SIGMA_Y), start(), step=GAMMA, steps=500,
                            generator=gen(3)).samples)


def test_random_walk_metropolis_is_unbiased():
    def log_prob(sigma_y):
        return lambda x: log_posterior(sigma_y)(x)[0]
    x, rate, _ = random_walk_metropolis(log_prob(SIGMA_Y), start(), steps=1500, init_step=0.1, generator=gen(4))
    check_unbiased(x)
    assert 0.15 < rate < 0.5
    broken, _, _ = random_walk_metropolis(log_prob(BROKEN_SIGMA_Y), start(), steps=1500, init_step=0.1,
                                          generator=gen(4))
    with pytest.raises(AssertionError):
        check_unbiased(broken)


SIGMA_MIN, EPS0 = 0.1, 4e-3


def annealed_prediction(levels):
    """ULA at the last level: step α_L/2 = ε₀/2 on the σ_L-blurred prior and the σ_L-annealed likelihood."""
    s_l = float(levels.sigmas[levels.step(SIGMA_MIN)])
    blurred = PRIOR_COV + s_l**2 * EYE
    weight = torch.linalg.inv(s_l**2 * H @ H.T + SIGMA_Y**2 * torch.eye(D_Y, dtype=torch.float64))
    precision = torch.linalg.inv(blurred) + H.T @ weight @ H
    mean = torch.linalg.solve(precision, torch.linalg.solve(blurred, PRIOR_MEAN) + H.T @ weight @ Y)
    return mean, ula_stationary_cov(precision, EPS0 / 2)


def test_annealed_langevin_ends_at_ula_on_the_last_level():
    levels = NoiseLevels(PRIOR.eps_fn(SCHEDULE), SCHEDULE)
    mean, cov = annealed_prediction(levels)

    def run(sigma_y):
        return annealed_langevin(levels, likelihood(sigma_y), (N, D), sigma_max=5.0, sigma_min=SIGMA_MIN,
                                 num_levels=8, inner_steps=200, eps0=EPS0, generator=gen(5), dtype=torch.float64)
    result = run(SIGMA_Y)
    assert result.evaluations == 8 * 200
    assert w2_to(result.samples, mean, cov) < 4e-3
    assert w2_to(result.samples, mean, cov) < w2_to(result.samples) / 2  # blurred by σ_L, not the posterior
    assert w2_to(run(BROKEN_SIGMA_Y).samples, mean, cov) > 4e-3


def exact_prior_generator(v, sigma, generator):
    """The exact proximal draw of a Gaussian prior: N(D_σ(v), σ²∇D_σ) (Tweedie's mean and covariance)."""
    root = torch.linalg.cholesky(PRIOR.denoise_cov(sigma) + 1e-12 * EYE)
    return PRIOR.denoise(v, sigma) + torch.randn(v.shape, generator=generator, dtype=v.dtype) @ root.T


def test_gpnp_with_exact_generators_samples_the_blurred_prior_posterior():
    sigma = 0.3
    x = gpnp_sample(None, likelihood(), start(), sigma_max=sigma, sigma_min=sigma, iterations=300, beta=1.0,
                    prior_generator=exact_prior_generator, generator=gen(6)).samples
    blurred_mean, blurred_cov = PRIOR.blurred(sigma).posterior(H, Y, SIGMA_Y)
    assert w2_to(x, blurred_mean, blurred_cov) < 3e-3
    assert w2_to(x) > 10 * w2_to(x, blurred_mean, blurred_cov)


def gpnp_fixed_point(sigma, beta, sigma_y):
    """Mean and covariance of the stationary law of one GPnP iteration x ← F(P(x)) with an exact Gaussian
    denoiser: both steps are affine-Gaussian, x' = M x + c + noise(Q), so m = (I − M)⁻¹c and Σ = MΣMᵀ + Q."""
    gain = torch.linalg.solve(PRIOR_COV + sigma**2 * EYE, PRIOR_COV).T  # D_σ(v) = μ + gain (v − μ)
    a_p, b_p, q_p = (1 - beta) * EYE + beta * gain, beta * (EYE - gain) @ PRIOR_MEAN, beta * sigma**2 * EYE
    g2 = beta * sigma**2
    k = g2 * H.T @ torch.linalg.inv(g2 * H @ H.T + sigma_y**2 * torch.eye(D_Y, dtype=torch.float64))
    a_f = EYE - k @ H
    m = a_f @ a_p
    q = a_f @ q_p @ a_f.T + g2 * a_f @ a_f.T + sigma_y**2 * k @ k.T
    mean = torch.linalg.solve(EYE - m, a_f @ b_p + k @ Y)
    return mean, torch.from_numpy(solve_discrete_lyapunov(m.numpy(), q.numpy()))


def test_gpnp_with_the_denoiser_step_sits_at_its_chains_fixed_point():
    sigma, beta = 0.3, 0.25
    mean, cov = gpnp_fixed_point(sigma, beta, SIGMA_Y)

    def run(sigma_y):
        return gpnp_sample(PRIOR.denoise, likelihood(sigma_y), start(), sigma_max=sigma, sigma_min=sigma,
                           iterations=400, beta=beta, generator=gen(7))
    result = run(SIGMA_Y)
    assert (result.evaluations, result.vjps) == (400, 0)
    assert w2_to(result.samples, mean, cov) < 3e-3
    assert w2_to(run(BROKEN_SIGMA_Y).samples, mean, cov) > 3e-3


def test_annealed_gpnp_approaches_the_posterior_as_sigma_min_shrinks():
    def w2(sigma_min):
        x = gpnp_sample(PRIOR.denoise, likelihood(), start(), sigma_max=1.0, sigma_min=sigma_min, iterations=300,
                        beta=0.25, generator=gen(8)).samples
        return w2_to(x)
    assert w2(0.05) < w2(0.3) / 4


def test_bad_knobs_are_refused():
    with pytest.raises(ValueError, match="step"):
        ula(PRIOR.score, start(4), step=0.0, steps=1)
    with pytest.raises(ValueError, match="beta"):
        gpnp_sample(PRIOR.denoise, likelihood(n=4), start(4), sigma_max=1, sigma_min=0.1, iterations=2, beta=1.5)
    with pytest.raises(ValueError, match="sigma_y"):
        likelihood(sigma_y=0.0)
    levels = NoiseLevels(PRIOR.eps_fn(SCHEDULE), SCHEDULE)
    with pytest.raises(ValueError, match="eps0"):
        annealed_langevin(levels, likelihood(n=4), (4, D), sigma_max=1, sigma_min=0.1, num_levels=2,
                          inner_steps=1, eps0=-1.0)
    with pytest.raises(ValueError, match="outside"):
        levels.step(1e4)
    assert math.isclose(levels.sigma_range[0], float(levels.sigmas[0]))
