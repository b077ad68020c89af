"""The observation model and the two networks of the inverse experiment, without data or training."""
import torch

from helpers.params import tiny_params
from invdiff.experiments.inverse.problems import BACKPROJECTION_CLAMP, problems
from invdiff.experiments.inverse.task import ObservationUnet, build_net
from invdiff.posterior.gaussian import GaussianPrior

GEN = torch.Generator().manual_seed(0)


def test_conditions_carry_the_backprojection_the_mask_and_the_operator_index():
    box, pool = problems(tiny_params())
    x = torch.rand(4, 1, 28, 28, generator=GEN) * 2 - 1
    y = box.observe(x, GEN)
    assert y.shape == (4, 784 - 144)
    assert ((y - box.operator.forward(x)).std() - box.sigma_y).abs() < 0.005
    cond = box.condition(y)
    assert cond.shape == (4, 3, 28, 28) and cond[:, 2].unique().tolist() == [0.0]
    assert int((cond[0, 1] == 0).sum()) == 144 and int(box.unobserved().sum()) == 144  # the missing square
    assert torch.equal(cond[:, 0][cond[:, 1] == 0], torch.zeros(4 * 144))  # H†y is zero where nothing is seen
    pool_cond = pool.condition(pool.observe(x, GEN))
    assert pool_cond[:, 1].unique().tolist() == [1.0] and pool_cond[:, 2].unique().tolist() == [1.0]
    assert bool(pool.unobserved().all()) and pool_cond[:, 0].abs().max() <= BACKPROJECTION_CLAMP


def test_the_null_condition_ignores_the_observation():
    net = ObservationUnet(n_feat=8, n_operators=2, timesteps=10, norm="group").eval()
    x, t = torch.randn(3, 1, 28, 28, generator=GEN), torch.tensor([1, 5, 9])
    cond_a, cond_b = torch.randn(3, 3, 28, 28, generator=GEN), torch.randn(3, 3, 28, 28, generator=GEN)
    cond_a[:, 2], cond_b[:, 2] = 0.0, 1.0
    drop, keep = torch.ones(3, dtype=torch.bool), torch.zeros(3, dtype=torch.bool)
    with torch.no_grad():
        assert torch.allclose(net(x, t, cond_a, drop), net(x, t, cond_b, drop))
        assert not torch.allclose(net(x, t, cond_a, keep), net(x, t, cond_b, keep))
        assert net(x, t, cond_a, keep).shape == (3, 1, 28, 28)


def test_the_prior_is_a_single_class_contextunet():
    prior = build_net({"kind": "prior", "n_feat": 8, "timesteps": 10, "norm": "batch"})
    assert prior.n_classes == 1


def test_gaussian_posterior_of_a_batch_of_observations_matches_one_at_a_time():
    prior = GaussianPrior(torch.zeros(5), torch.diag(torch.tensor([1.0, 2.0, 0.5, 0.0, 3.0])))
    h = torch.randn(2, 5, generator=GEN, dtype=torch.float64)
    ys = torch.randn(4, 2, generator=GEN, dtype=torch.float64)
    means, cov = prior.posterior(h, ys, 0.1)
    for y, mean in zip(ys, means):
        one_mean, one_cov = prior.posterior(h, y, 0.1)
        assert torch.allclose(mean, one_mean) and torch.allclose(cov, one_cov)
