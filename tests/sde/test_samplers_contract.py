"""The continuous samplers on Song's VE SDE (no drift, g(t) = σ^t) with Gaussian data: exact scores, exact answers.

For x₀ ~ N(μ, s²) the time-t marginal is N(μ, s² + v(t)) with v(t) = (σ^{2t} − 1) / (2 ln σ), so the score is
−(x − μ) / (s² + v(t)) and both samplers must return N(μ, s² + v(t_min)).
"""
import math

import pytest
import torch

from invdiff.sampling import SamplerResult
from invdiff.sde import probability_flow_ode, reverse_sde

MU, S2, SIGMA, T_MIN = 0.7, 0.09, 25.0, 1e-3


class VarianceExploding:
    t_min = T_MIN

    def drift(self, x):
        return torch.zeros_like(x)

    def diffusion(self, t):
        return torch.as_tensor(SIGMA, dtype=torch.float64) ** torch.as_tensor(t, dtype=torch.float64)

    def marginal_std(self, t):
        return torch.sqrt((SIGMA ** (2 * t.double()) - 1) / (2 * math.log(SIGMA))).float()


def variance(t: float) -> float:
    return S2 + (SIGMA ** (2 * t) - 1) / (2 * math.log(SIGMA))


def score(x, t):
    return -(x - MU) / torch.as_tensor([variance(float(u)) for u in t], dtype=x.dtype).view(-1, *[1] * (x.dim() - 1))


def start(num, seed):
    return MU + math.sqrt(variance(1.0)) * torch.randn(num, 1, 2, 2, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("sampler", ["ode", "sde"])
def test_samplers_recover_the_data_gaussian_and_keep_the_contract(sampler):
    sde, num, seen = VarianceExploding(), 4000, []
    callback = lambda t, x: seen.append((t, x.clone()))  # noqa: E731
    if sampler == "ode":
        result = probability_flow_ode(score, sde, start(num, 0), rtol=1e-5, atol=1e-5, callback=callback)
    else:
        result = reverse_sde(score, sde, start(num, 0), steps=300, generator=torch.Generator().manual_seed(1),
                             callback=callback)
    assert isinstance(result, SamplerResult) and result.evaluations > 0
    x = result.samples.double()
    assert abs(x.mean() - MU) < 4 * math.sqrt(variance(T_MIN) / x.numel())
    assert x.var().item() == pytest.approx(variance(T_MIN), rel=0.08)
    assert seen[0][0] == 1.0 and seen[-1][0] == pytest.approx(T_MIN)
    assert all(a[0] > b[0] for a, b in zip(seen, seen[1:])), "the callback walks from t_start down to t_min"
    torch.testing.assert_close(seen[-1][1], result.samples)


def test_without_a_start_the_samplers_draw_the_ve_prior():
    sde = VarianceExploding()
    result = reverse_sde(score, sde, steps=300, shape=(4000, 1, 2, 2), generator=torch.Generator().manual_seed(2))
    # the prior N(0, v(1)) misses the data mean by μ, a shift the reverse SDE contracts by s² / (s² + v(1)) ≈ 0
    assert abs(result.samples.double().mean() - MU) < 0.05
    with pytest.raises(ValueError, match="x_init or the shape"):
        reverse_sde(score, sde, steps=3)
