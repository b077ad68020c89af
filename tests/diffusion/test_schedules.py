import math

import numpy as np
import pytest
import torch

from invdiff.diffusion import cosine_schedule, linear_schedule, q_sample
from invdiff.diffusion.schedules import cosine_alpha_bar


def test_linear_alpha_bar_is_running_product():
    s = linear_schedule(1000, 1e-4, 0.02)
    betas = np.linspace(1e-4, 0.02, 1000)
    expected = np.exp(np.cumsum(np.log1p(-betas)))
    np.testing.assert_allclose(s.alpha_bars.numpy(), expected, rtol=1e-12)
    assert s.alpha_bars[-1] == pytest.approx(4.0358e-5, rel=1e-3)  # the familiar DDPM value


def test_cosine_alpha_bar_matches_closed_form():
    T = 1000
    s = cosine_schedule(T)
    t = torch.arange(1, T + 1, dtype=torch.float64)
    closed = cosine_alpha_bar(t, T)
    unclipped = s.betas < 0.999
    np.testing.assert_allclose(s.alpha_bars[unclipped].numpy(), closed[unclipped].numpy(), rtol=1e-10)
    # f(T/2)/f(0) by hand
    f = lambda u: math.cos((u / T + 0.008) / 1.008 * math.pi / 2) ** 2
    assert s.alpha_bars[T // 2 - 1].item() == pytest.approx(f(T // 2) / f(0), rel=1e-12)


@pytest.mark.parametrize("schedule", [linear_schedule(200, 1e-3, 0.05), cosine_schedule(200)])
def test_posterior_quantities_match_gaussian_conditioning(schedule):
    a, abar, abar_prev, beta = schedule.alphas, schedule.alpha_bars, schedule.alpha_bars_prev, schedule.betas
    t = slice(1, None)
    # precision of q(x_{t-1}|x_t, x_0) is the sum of the prior and likelihood precisions
    precision = 1 / (1 - abar_prev[t]) + a[t] / beta[t]
    np.testing.assert_allclose(schedule.posterior_variance[t].numpy(), (1 / precision).numpy(), rtol=1e-10)
    assert schedule.posterior_variance[0] == 0
    # E[x_{t-1} | x_t, x_0] = sqrt(abar_{t-1}) x0 + Cov/Var * (x_t - sqrt(abar_t) x0)
    gain = a.sqrt() * (1 - abar_prev) / (1 - abar)
    np.testing.assert_allclose(schedule.posterior_mean_coef_xt.numpy(), gain.numpy(), rtol=1e-10)
    np.testing.assert_allclose(schedule.posterior_mean_coef_x0.numpy(),
                               (abar_prev.sqrt() - gain * abar.sqrt()).numpy(), rtol=1e-8, atol=1e-12)


def test_q_sample_marginal_equals_chained_single_steps():
    s = linear_schedule(100, 1e-3, 0.05)
    g = torch.Generator().manual_seed(0)
    x0 = torch.full((200_000, 1), 1.5, dtype=torch.float64)
    t = 60
    x = x0.clone()
    for i in range(t + 1):
        x = s.alphas[i].sqrt() * x + s.betas[i].sqrt() * torch.randn(x.shape, generator=g, dtype=torch.float64)
    direct = q_sample(s, x0, torch.full((x0.shape[0],), t), torch.randn(x0.shape, generator=g, dtype=torch.float64))
    expected_mean, expected_std = 1.5 * s.alpha_bars[t].sqrt().item(), (1 - s.alpha_bars[t]).sqrt().item()
    for samples in (x, direct):
        assert samples.mean().item() == pytest.approx(expected_mean, abs=5e-3)
        assert samples.std().item() == pytest.approx(expected_std, rel=5e-3)
