"""The generic SDE samplers on IGO's cat-map SDE with Gaussian data, where every marginal and score is exact."""
import torch

from invdiff.experiments.igo.cat_map_sde import CatMapSDE
from invdiff.experiments.igo.prior import prior_sample
from invdiff.sde import probability_flow_ode, reverse_sde


def dense(sde: CatMapSDE, spectrum: torch.Tensor) -> torch.Tensor:
    eye = torch.eye(sde.n * sde.n, dtype=torch.float64)
    return sde.ops.apply(spectrum, eye).T


def gaussian_problem(seed=0):
    """Data x0 ~ N(mu, F Fᵀ) on 5×5 images: every marginal of the SDE is Gaussian with a known score."""
    g = torch.Generator().manual_seed(seed)
    sde = CatMapSDE(n=5, kappa=2.0, sigma=25.0, em_steps=1000, t_min=1e-3)
    mu = torch.rand(25, generator=g, dtype=torch.float64) * 2 - 1
    factor = 0.3 * torch.randn(25, 25, generator=g, dtype=torch.float64) / 5

    def moments(t: float):
        tt = torch.tensor([t], dtype=torch.float64)
        m = dense(sde, sde.mean_spectrum(tt)[0])
        s = dense(sde, sde.variance_spectrum(tt)[0].to(torch.complex128))
        return m @ mu, m @ factor @ factor.T @ m.T + s

    def score(x, t):
        mean, cov = moments(float(t[0]))
        flat = x.reshape(len(x), -1).double()
        return (-(flat - mean) @ torch.linalg.inv(cov)).reshape(x.shape).float()

    return sde, mu, factor, moments, score


def check(samples, mean, cov, num):
    flat = samples.reshape(num, -1).double()
    scale = cov.diagonal().sqrt()
    assert ((flat.mean(0) - mean).abs() < 5 * scale / num ** 0.5).all()
    assert ((torch.cov(flat.T) - cov).abs() < 0.12 * cov.diagonal().max()).all()


def test_prior_sample_has_the_exact_t1_moments():
    sde, mu, factor, moments, _ = gaussian_problem()
    x = prior_sample(sde, mu, factor, 20_000, torch.Generator().manual_seed(1))
    check(x, *moments(1.0), 20_000)


def test_probability_flow_ode_maps_the_exact_gaussian_score_to_the_data_gaussian():
    sde, mu, factor, moments, score = gaussian_problem()
    num = 3000
    x_init = prior_sample(sde, mu, factor, num, torch.Generator().manual_seed(2))
    x, nfe = probability_flow_ode(score, sde, x_init, rtol=1e-5, atol=1e-5)
    mean, cov = moments(sde.t_min)
    check(x, mean, cov, num)
    data_cov = factor @ factor.T
    assert (mean - mu).abs().max() < 0.01 and (cov - data_cov).abs().max() < 0.01  # t_min ≈ the data itself
    assert 20 < nfe < 2000
    # deterministic: the same start gives the same samples
    again, _ = probability_flow_ode(score, sde, x_init[:50], rtol=1e-5, atol=1e-5)
    x_small, _ = probability_flow_ode(score, sde, x_init[:50], rtol=1e-5, atol=1e-5)
    assert torch.equal(again, x_small)


def test_reverse_sde_maps_the_exact_gaussian_score_to_the_data_gaussian():
    sde, mu, factor, moments, score = gaussian_problem()
    num = 3000
    x_init = prior_sample(sde, mu, factor, num, torch.Generator().manual_seed(3))
    x, nfe = reverse_sde(score, sde, x_init, steps=400, generator=torch.Generator().manual_seed(4))
    assert nfe == 400
    check(x, *moments(sde.t_min), num)
