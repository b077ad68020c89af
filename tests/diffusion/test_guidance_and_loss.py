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


class UnitNet(torch.nn.Module):
    """eps = x + the sum of the present units' values: per-unit masks [B, U] observable in the output."""

    def __init__(self):
        super().__init__()
        self.drops = []

    def forward(self, x, t, cond, drop):
        self.drops.append(drop)
        missing = drop[:, None].expand(-1, cond.shape[1]) if drop.dim() == 1 else drop
        return x + (cond * (~missing).to(x.dtype)).sum(1, keepdim=True)


@pytest.mark.parametrize("w", [0.0, 1.5])
def test_guidance_with_missing_units_masks_them_in_the_conditional_pass_and_all_in_the_null_pass(w):
    net = UnitNet()
    x, t, y = torch.randn(4, 1), torch.zeros(4, dtype=torch.long), torch.randn(4, 5)
    missing = torch.zeros(4, 5, dtype=torch.bool)
    missing[1, [0, 3]] = True
    missing[3, 4] = True
    out = guided_eps(net, y, w, missing)(x, t)
    cond_pred = x + (y * (~missing)).sum(1, keepdim=True)
    torch.testing.assert_close(out, (1 + w) * cond_pred - w * x)
    assert len(net.drops) == 1  # still one network call
    if w:
        assert net.drops[0].shape == (8, 5) and net.drops[0][4:].all()


def test_unit_dropout_counts_choice_and_whole_rows():
    from invdiff.diffusion import unit_dropout

    g = torch.Generator().manual_seed(0)
    mask = unit_dropout(40_000, 0.1, units=25, p_partial=0.5, max_missing=4, always_present=(8,), generator=g)
    whole = mask.all(1)
    assert whole.float().mean().item() == pytest.approx(0.1, abs=0.01)
    count = mask[~whole].sum(1)
    # the rest: half complete, half missing 1..4 units, each count equally likely
    assert (count == 0).float().mean().item() == pytest.approx(0.5, abs=0.01)
    for c in range(1, 5):
        assert (count == c).float().mean().item() == pytest.approx(0.125, abs=0.01)
    assert count.max() == 4 and not mask[~whole][:, 8].any()
    # the choice is uniform over the 24 droppable units
    share = mask[~whole].float().sum(0) / mask[~whole].sum()
    assert share[8] == 0
    torch.testing.assert_close(share[torch.arange(25) != 8], torch.full((24,), 1 / 24), atol=0.004, rtol=0)
