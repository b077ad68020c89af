from types import SimpleNamespace

import numpy as np
import pytest
import torch
from scipy import stats

from helpers.gaussians import GaussianMixture
from invdiff.diffusion import ddim_sample, ddim_timesteps, ddpm_sample, dpm_solver_sample, linear_schedule, sample
from invdiff.diffusion.samplers import dpm_solver_grid

SCHEDULE = linear_schedule(1000, 1e-4, 0.02)
GAUSSIAN = GaussianMixture([1.0], [[1.0, -2.0]], [[[0.5, 0.3], [0.3, 1.5]]])
MIXTURE = GaussianMixture([0.3, 0.7], [[-2.0], [1.5]], [[[0.1]], [[0.4]]])


def _moments(x):
    x = x.double()
    return x.mean(0), torch.cov(x.T)


@pytest.mark.parametrize("sampler", ["ddpm", "ddpm_beta", "ddim_250", "ddim_500_eta1"])
def test_exact_predictor_reproduces_gaussian(sampler):
    g = torch.Generator().manual_seed(1)
    eps = GAUSSIAN.eps_fn(SCHEDULE)
    n = 20_000
    if sampler == "ddpm":
        x, _ = ddpm_sample(eps, SCHEDULE, (n, 2), generator=g, dtype=torch.float64)
    elif sampler == "ddpm_beta":
        x, _ = ddpm_sample(eps, SCHEDULE, (n, 2), generator=g, dtype=torch.float64, variance="beta")
    elif sampler == "ddim_250":
        x, _ = ddim_sample(eps, SCHEDULE, (n, 2), steps=250, eta=0.0, generator=g, dtype=torch.float64)
    else:
        x, _ = ddim_sample(eps, SCHEDULE, (n, 2), steps=500, eta=1.0, generator=g, dtype=torch.float64)
    mean, cov = _moments(x)
    # Monte-Carlo standard error of the mean is ~0.01 here; of the covariance entries ~0.015
    np.testing.assert_allclose(mean.numpy(), GAUSSIAN.means[0].numpy(), atol=0.04)
    np.testing.assert_allclose(cov.numpy(), GAUSSIAN.covs[0].numpy(), atol=0.06)


@pytest.mark.parametrize("sampler", ["ddpm", "ddim_50"])
def test_exact_predictor_reproduces_mixture(sampler):
    g = torch.Generator().manual_seed(2)
    eps = MIXTURE.eps_fn(SCHEDULE)
    n = 4000
    if sampler == "ddpm":
        x, _ = ddpm_sample(eps, SCHEDULE, (n, 1), generator=g, dtype=torch.float64)
    else:
        x, _ = ddim_sample(eps, SCHEDULE, (n, 1), steps=50, generator=g, dtype=torch.float64)
    reference = MIXTURE.sample(n, generator=torch.Generator().manual_seed(3))
    result = stats.ks_2samp(x[:, 0].numpy(), reference[:, 0].numpy())
    assert result.pvalue > 0.01, result
    assert (x[:, 0] < 0).double().mean().item() == pytest.approx(0.3, abs=0.03)


def test_ddim_variance_bias_shrinks_with_steps():
    """Coarse DDIM steps contract the sample variance (discretisation bias); more steps remove it."""
    g = GaussianMixture([1.0], [[0.0]], [[[0.5]]])
    errors = []
    for steps in (20, 50, 200):
        x, _ = ddim_sample(g.eps_fn(SCHEDULE), SCHEDULE, (20_000, 1), steps=steps,
                        generator=torch.Generator().manual_seed(0), dtype=torch.float64)
        errors.append(abs(x.var().item() - 0.5))
    assert errors[0] > errors[1] > errors[2] and errors[2] < 0.02


def test_sampler_detects_a_wrong_predictor():
    """The moment test has power: a predictor for the wrong mean fails it."""
    wrong = GaussianMixture([1.0], [[1.3, -2.0]], GAUSSIAN.covs)
    x, _ = ddpm_sample(wrong.eps_fn(SCHEDULE), SCHEDULE, (20_000, 2), generator=torch.Generator().manual_seed(1),
                    dtype=torch.float64)
    assert abs(x[:, 0].mean().item() - 1.0) > 0.2


def test_ddim_eta1_all_steps_is_ddpm_posterior_chain():
    sched = linear_schedule(200, 1e-3, 0.05)
    eps = MIXTURE.eps_fn(sched)
    a, _ = ddpm_sample(eps, sched, (64, 1), generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    b, _ = ddim_sample(eps, sched, (64, 1), steps=200, eta=1.0, generator=torch.Generator().manual_seed(5),
                    dtype=torch.float64)
    torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-9)


def test_ddim_timesteps():
    assert ddim_timesteps(1000, 1000) == list(range(999, -1, -1))
    ts = ddim_timesteps(1000, 25)
    assert len(ts) == 25 and ts[0] == 999 and ts[-1] == 0 and ts == sorted(ts, reverse=True)
    with pytest.raises(ValueError, match="DDIM steps"):
        ddim_timesteps(100, 0)


def _exact_moments(sampler, steps, **kwargs):
    """Mean and covariance of a deterministic sampler's output, exactly: with a Gaussian's exact ε* every step is
    affine in x, so x_0 = A x_T + b, read off by sampling from x_T = 0 and the unit vectors (no Monte-Carlo)."""
    d = GAUSSIAN.dim
    starts = torch.cat([torch.zeros(1, d, dtype=torch.float64), torch.eye(d, dtype=torch.float64)])
    out = sampler(GAUSSIAN.eps_fn(SCHEDULE), SCHEDULE, (d + 1, d), steps=steps, dtype=torch.float64,
                  x_init=starts, **kwargs).samples
    a = (out[1:] - out[0]).T
    return out[0], a @ a.T


# Frobenius error of the covariance against the data's, measured: DDIM 0.52 / 0.27, DPM-Solver++(2M) 0.136 / 0.021
# at 10 / 20 steps; the mean is off by 0.014 at any step count (x_T ~ N(0, I) ignores √ᾱ_T μ).
@pytest.mark.parametrize(("steps", "tolerance"), [(10, 0.2), (20, 0.04), (50, 0.015)])
def test_dpm_solver_reaches_the_exact_gaussian_in_few_steps(steps, tolerance):
    mean, cov = _exact_moments(dpm_solver_sample, steps)
    _, ddim_cov = _exact_moments(ddim_sample, steps)
    error = torch.linalg.norm(cov - GAUSSIAN.covs[0]).item()
    assert error < tolerance
    assert error < 0.5 * torch.linalg.norm(ddim_cov - GAUSSIAN.covs[0]).item()
    assert torch.linalg.norm(mean - GAUSSIAN.means[0]).item() < 0.02


@pytest.mark.parametrize("broken", ["first_order", "weight_1_over_r"])
def test_dpm_solver_test_fails_a_broken_solver(monkeypatch, broken):
    """The test has power: without the second-order term, or with 1/r for 1/(2r), the 20-step bound fails."""
    import invdiff.diffusion.samplers as samplers

    wrong = {"first_order": lambda x0, prev, h, prev_h: x0,
             "weight_1_over_r": lambda x0, prev, h, prev_h: x0 + (x0 - prev) * (h / prev_h).to(x0.dtype)}[broken]
    monkeypatch.setattr(samplers, "_second_order_x0", wrong)
    _, cov = _exact_moments(dpm_solver_sample, 20)
    assert torch.linalg.norm(cov - GAUSSIAN.covs[0]).item() > 0.04


def test_dpm_solver_grid_and_steps():
    grid = dpm_solver_grid(SCHEDULE, 10)
    assert [g[0] for g in grid][:2] == [999, 899] and grid[-1][0] == 100 and grid[-1][3] == 0
    assert len(grid) == 10
    with pytest.raises(ValueError, match="DPM-Solver steps"):
        dpm_solver_grid(SCHEDULE, 1000)


@pytest.mark.parametrize("name", ["ddpm", "ddim", "dpm_solver"])
def test_clip_x0_bounds_the_final_samples(name):
    far = GaussianMixture([1.0], [[3.0]], [[[1.0]]])
    cfg = SimpleNamespace(name=name, steps=50, eta=0.0, clip_x0=1.0)
    x, _ = sample(far.eps_fn(SCHEDULE), SCHEDULE, (500, 1), cfg, generator=torch.Generator().manual_seed(0),
               dtype=torch.float64)
    assert x.abs().max().item() <= 1.0 + 1e-9 and x.mean().item() > 0.5  # still pulled to the far mode
    unclipped, _ = sample(far.eps_fn(SCHEDULE), SCHEDULE, (500, 1), SimpleNamespace(**{**vars(cfg), "clip_x0": None}),
                       generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    assert unclipped.max().item() > 3.0


@pytest.mark.parametrize("name", ["ddpm", "ddim", "dpm_solver"])
def test_sampler_contract_start_tensor_callback_and_evaluations(name):
    """Drawing x_T yourself and passing it is the same chain; the callback walks T ... 0 and ends at the result."""
    cfg = SimpleNamespace(name=name, steps=20, eta=0.0 if name == "dpm_solver" else 1.0, clip_x0=None)
    eps = GAUSSIAN.eps_fn(SCHEDULE)
    plain = sample(eps, SCHEDULE, (8, 2), cfg, generator=torch.Generator().manual_seed(7), dtype=torch.float64)
    g = torch.Generator().manual_seed(7)
    start = torch.randn(8, 2, generator=g, dtype=torch.float64)
    seen = []
    given = sample(eps, SCHEDULE, (8, 2), cfg, generator=g, dtype=torch.float64, x_init=start,
                   callback=lambda t, x: seen.append((t, x.clone())))
    torch.testing.assert_close(given.samples, plain.samples, rtol=0, atol=0)
    expected_steps = SCHEDULE.num_timesteps if name == "ddpm" else 20
    assert given.evaluations == plain.evaluations == expected_steps == len(seen) - 1
    times = [t for t, _ in seen]
    assert times[0] == SCHEDULE.num_timesteps and times[-1] == 0 and times == sorted(times, reverse=True)
    torch.testing.assert_close(seen[0][1], start)
    torch.testing.assert_close(seen[-1][1], given.samples)
    with pytest.raises(ValueError, match="x_init has shape"):
        sample(eps, SCHEDULE, (4, 2), cfg, x_init=start)


def test_dpm_solver_config_counts_its_calls_and_refuses_eta():
    from pydantic import ValidationError

    from invdiff.diffusion import network_evaluations
    from invdiff.sections import SamplerConfig

    assert network_evaluations(SamplerConfig(name="dpm_solver", steps=12), 200) == 12
    with pytest.raises(ValidationError, match="dpm_solver .* is deterministic; set eta: 0.0"):
        SamplerConfig(name="dpm_solver", steps=12, eta=1.0)
