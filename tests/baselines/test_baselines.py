import pytest
import torch

from invdiff.baselines import multi_start_descent, random_walk_metropolis


def test_multi_start_descent_finds_both_minima_of_a_double_well():
    starts = torch.linspace(-2, 2, 40, dtype=torch.float64)[:, None]
    x, evals = multi_start_descent(lambda x: ((x**2 - 1) ** 2).sum(-1), starts, steps=400, lr=0.05)
    assert evals == 400
    torch.testing.assert_close(x.abs(), torch.ones_like(x), atol=1e-3, rtol=0)
    assert torch.equal(torch.sign(x), torch.sign(starts))  # each start keeps its basin: local, not global


def test_projection_keeps_iterates_in_the_box():
    starts = torch.zeros(8, 2, dtype=torch.float64)
    lo, hi = torch.tensor([-1.0, -1.0], dtype=torch.float64), torch.tensor([0.5, 0.5], dtype=torch.float64)
    x, _ = multi_start_descent(lambda x: ((x - 3) ** 2).sum(-1), starts, steps=200, lr=0.1, lower=lo, upper=hi)
    torch.testing.assert_close(x, torch.full_like(x, 0.5))


def test_random_walk_metropolis_samples_a_known_gaussian():
    mean = torch.tensor([1.0, -2.0], dtype=torch.float64)
    cov = torch.tensor([[1.0, 0.6], [0.6, 0.5]], dtype=torch.float64)
    prec = torch.linalg.inv(cov)

    def log_prob(x):
        d = x - mean
        return -0.5 * (d @ prec * d).sum(-1)

    g = torch.Generator().manual_seed(0)
    starts = torch.rand(4000, 2, generator=g, dtype=torch.float64) * 10 - 5
    x, rate, evals = random_walk_metropolis(log_prob, starts, steps=600, init_step=1.0, generator=g)
    assert 0.2 < rate < 0.45 and evals == 601
    torch.testing.assert_close(x.mean(0), mean, atol=0.06, rtol=0)
    torch.testing.assert_close(torch.cov(x.T), cov, atol=0.08, rtol=0)


def test_metropolis_respects_the_support():
    log_prob = lambda x: torch.where((x > 0).all(-1), -x.sum(-1), torch.full_like(x[:, 0], -torch.inf))  # noqa: E731
    x, _, _ = random_walk_metropolis(log_prob, torch.ones(500, 1, dtype=torch.float64), 400, 0.5,
                                     generator=torch.Generator().manual_seed(1))
    assert (x > 0).all()
    assert x.mean().item() == pytest.approx(1.0, abs=0.15)  # Exp(1)
