import pytest
import torch

from invdiff.diffusion import epsilon_loss, guided_eps, linear_schedule


class CountingNet(torch.nn.Module):
    """eps = a*x + cond*(1 - drop) + t/1000: conditional and null outputs differ, and calls are counted."""

    def __init__(self):
        super().__init__()
        self.calls, self.batch_sizes, self.last_drop = 0, [], None

    def forward(self, x, t, cond, drop):
        self.calls += 1
        self.batch_sizes.append(x.shape[0])
        self.last_drop = drop
        return 0.5 * x + cond * (~drop).to(x.dtype)[:, None] + t[:, None].to(x.dtype) / 1000


def test_w0_is_conditional_prediction_in_one_pass():
    net = CountingNet()
    x, t, y = torch.randn(8, 3), torch.randint(0, 1000, (8,)), torch.randn(8, 3)
    out = guided_eps(net, y, 0.0)(x, t)
    torch.testing.assert_close(out, 0.5 * x + y + t[:, None] / 1000)
    assert net.calls == 1


@pytest.mark.parametrize("w", [0.5, 2.0])
def test_guidance_formula_and_single_batched_call(w):
    net = CountingNet()
    x, t, y = torch.randn(8, 3), torch.randint(0, 1000, (8,)), torch.randn(8, 3)
    out = guided_eps(net, y, w)(x, t)
    cond_pred = 0.5 * x + y + t[:, None] / 1000
    null_pred = 0.5 * x + t[:, None] / 1000
    torch.testing.assert_close(out, (1 + w) * cond_pred - w * null_pred)
    assert net.calls == 1 and net.batch_sizes == [16]


def test_condition_dropout_rate_and_weight_normalisation():
    sched = linear_schedule(100)
    net = CountingNet()
    x0, y = torch.randn(20_000, 3), torch.randn(20_000, 3)
    torch.manual_seed(0)
    loss = epsilon_loss(net, sched, x0, y, p_uncond=0.1)
    assert net.last_drop.float().mean().item() == pytest.approx(0.1, abs=0.01)
    torch.manual_seed(0)
    weighted = epsilon_loss(net, sched, x0, y, p_uncond=0.1, weight=torch.full((3,), 7.0))
    torch.testing.assert_close(loss, weighted)


def test_loss_of_the_optimal_predictor_is_the_irreducible_error():
    """For x0 = 0 (point mass) the optimal predictor is eps* = x_t / sqrt(1 - abar): loss 0; a biased one is not."""
    sched = linear_schedule(100)
    abar = sched.alpha_bars.float()

    def optimal(x, t, cond, drop):
        return x / (1 - abar[t]).sqrt()[:, None]

    x0 = torch.zeros(4096, 2)
    assert epsilon_loss(optimal, sched, x0, x0, 0.1).item() == pytest.approx(0.0, abs=1e-8)
    biased = lambda x, t, c, d: optimal(x, t, c, d) + 0.1  # noqa: E731
    assert epsilon_loss(biased, sched, x0, x0, 0.1).item() == pytest.approx(0.01, rel=1e-3)
