"""The latent ODEs of the panel experiment against exact answers: linear ODEs (matrix exponential), the pantograph
equation's series solution, the IGO loss at alpha = 1, the half-weight initialisation, the closed-form references."""
import math

import numpy as np
import pytest
import scipy.linalg
import torch
from torch import nn

from invdiff.experiments.panel import references
from invdiff.experiments.panel.latent_ode import LatentOde, solve
from invdiff.experiments.panel.task import PanelModel, combined_loss

MODEL = dict(latent_dim=4, effect_dim=2, hidden=8, dynamics_depth=1, features=8, channels=2, solver="rk4",
             solver_substeps=2, time_step=0.5)


class Linear(nn.Module):
    """dz/dt = A z (node), or (B z) w (a mixed effect: a matrix field times w), or A z + c z_tau (igo form)."""

    def __init__(self, kind, a, c=0.0):
        super().__init__()
        self.kind, self.a, self.c = kind, a, c

    def forward(self, t, z, w=None, z_tau=None):
        out = z @ self.a.T
        if self.kind == "meode":
            out = out * w[:, :1]
        if self.kind == "igo":
            out = out + self.c * z_tau
        return out


def random_linear_problem(seed, batch, steps, dt):
    """A random stable-ish A [3, 3], starts z0 [batch, 3], equally spaced times."""
    torch.manual_seed(seed)
    a = torch.randn(3, 3, dtype=torch.float64) * 0.5
    return a, torch.randn(batch, 3, dtype=torch.float64), dt * torch.arange(steps, dtype=torch.float64)


def test_solve_matches_the_matrix_exponential_of_a_linear_ode():
    a, z0, times = random_linear_problem(0, 5, 8, 0.25)
    out = solve(Linear("node", a), z0, times, None, substeps=10)
    exact = np.stack([z0.numpy() @ scipy.linalg.expm(a.numpy() * float(t)).T for t in times])
    np.testing.assert_allclose(out.numpy(), exact, atol=1e-8)


def test_the_mixed_effect_scales_the_flow_per_trajectory():
    """dz/dt = (A z) w: trajectory i follows expm(A w_i t) z0_i -- each its own speed."""
    a = torch.tensor([[0.0, -1.0], [1.0, 0.0]], dtype=torch.float64)  # a rotation: speed w
    z0 = torch.tensor([[1.0, 0.0], [1.0, 0.0]], dtype=torch.float64)
    w = torch.tensor([[0.5], [2.0]], dtype=torch.float64)
    times = torch.tensor([0.0, 0.5, 1.0], dtype=torch.float64)
    out = solve(Linear("meode", a), z0, times, w, substeps=20)
    for i, speed in enumerate((0.5, 2.0)):
        angle = speed * times.numpy()
        np.testing.assert_allclose(out[:, i].numpy(), np.stack([np.cos(angle), np.sin(angle)], 1), atol=1e-7)


def test_the_igo_solve_without_the_delayed_term_is_the_plain_solve():
    a, z0, times = random_linear_problem(1, 4, 5, 0.5)
    plain = solve(Linear("node", a), z0, times, None, substeps=4)
    delayed = solve(Linear("igo", a, c=0.0), z0, times, None, substeps=4)
    torch.testing.assert_close(delayed, plain, rtol=0, atol=1e-12)


def test_the_igo_solve_matches_the_pantograph_series():
    """y'(t) = y(t/2), y(0) = 1 has y(t) = sum_n t^n / (n! 2^(n(n-1)/2)); the delayed value is held over each solver
    step (first order in h): h = 1/200 lands within 2e-3 (1.1e-3 at t = 2), and a coarser grid further off."""
    exact = lambda t: sum(t ** n / (math.factorial(n) * 2 ** (n * (n - 1) / 2)) for n in range(30))  # noqa: E731
    times = torch.tensor([0.0, 0.5, 1.0, 1.5, 2.0], dtype=torch.float64)
    out = solve(Linear("igo", torch.zeros(1, 1, dtype=torch.float64), c=1.0), torch.ones(1, 1, dtype=torch.float64),
                times, None, substeps=100)
    np.testing.assert_allclose(out[:, 0, 0].numpy(), [exact(float(t)) for t in times], rtol=2e-3)
    coarse = solve(Linear("igo", torch.zeros(1, 1, dtype=torch.float64), c=1.0),
                   torch.ones(1, 1, dtype=torch.float64), times, None, substeps=2)
    assert abs(float(coarse[-1, 0, 0]) - exact(2.0)) > abs(float(out[-1, 0, 0]) - exact(2.0))  # it converges


@pytest.mark.parametrize("shape", [(1, 28, 28), (14,)])
def test_shapes_and_the_half_weight_initialisation(shape):
    torch.manual_seed(0)
    net = LatentOde("igo", shape, **MODEL)
    latent = MODEL["latent_dim"]
    torch.testing.assert_close(net.dynamics.encode_tau.weight, 0.5 * net.dynamics.encode_t.weight[:, :latent])
    torch.testing.assert_close(net.decoder_tau.weight, net.decoder.first.weight)
    x = torch.rand(3, 5, *shape)
    assert net.predict(x[:, :2], 5).shape == x.shape
    for kind in ("node", "meode"):
        assert not hasattr(LatentOde(kind, shape, **MODEL).dynamics, "encode_tau")


def test_the_encoder_reads_only_the_observed_window():
    torch.manual_seed(0)
    net = LatentOde("meode", (14,), **MODEL).eval()
    x = torch.randn(4, 6, 14)
    changed = x.clone()
    changed[:, 3:] += 5.0
    torch.testing.assert_close(net.predict(x[:, :3], 6), net.predict(changed[:, :3], 6))
    z0, mu, logvar = net.encode(x[:, :3])
    assert z0.shape == (4, MODEL["latent_dim"]) and mu.shape == logvar.shape == (4, MODEL["effect_dim"])
    assert LatentOde("node", (14,), **MODEL).encode(x[:, :3])[1] is None


def _module(kind, alpha):
    optim = dict(max_steps=10, batch_size=4, lr=1e-3, weight_decay=0.0, lr_decay="constant", warmup_steps=0,
                 kl_weight=0.01, horizon_warmup=0.0)
    return PanelModel(kind, [14], MODEL, optim, interp_steps=3, alpha=alpha)


def test_the_igo_loss_at_alpha_one_is_the_plain_loss():
    x = torch.randn(4, 6, 14)
    torch.manual_seed(0)
    module = _module("igo", 1.0)
    torch.manual_seed(5)
    parts = module.losses(x)
    assert "intermediate" not in parts  # nothing reaches D_tau
    torch.manual_seed(5)
    loss = module.training_step((x,), 0)
    torch.testing.assert_close(loss, parts["full"] + 0.01 * parts["kl"])
    full, inter, kl = torch.tensor(0.3), torch.tensor(7.0), torch.tensor(2.0)
    assert combined_loss(full, inter, kl, 1.0, 0.1) == pytest.approx(0.5)
    assert combined_loss(full, inter, kl, 0.8, 0.1) == pytest.approx(0.8 * 0.3 + 0.2 * 7.0 + 0.2)
    assert combined_loss(full, None, None, 0.5, 0.1) == pytest.approx(0.3)


def test_below_alpha_one_the_intermediate_decoder_is_trained_on_the_half_times():
    torch.manual_seed(0)
    module = _module("igo", 0.5)
    x = torch.randn(4, 6, 14)
    parts = module.losses(x)
    assert set(parts) == {"full", "intermediate", "kl"}
    nn.init.normal_(module.net.dynamics.core[-1].weight)  # zero at init: the ODE starts as the identity flow
    module.training_step((x,), 0).backward()
    assert module.net.decoder_tau.weight.grad.abs().sum() > 0
    assert module.net.dynamics.encode_tau.weight.grad.abs().sum() > 0


def test_the_scored_horizon_grows_from_one_step_to_the_whole_sequence():
    module = _module("node", 1.0)
    module.hparams.optim.update(horizon_warmup=0.5, max_steps=100)
    horizons = [module.horizon(step, 6) for step in range(100)]
    assert horizons[0] == 1 and horizons[49] < 6 and horizons[50] == 6 and horizons == sorted(horizons)
    x = torch.randn(2, 6, 14)
    assert module.losses(x, horizon=2)["full"] != module.losses(x)["full"]


def test_ridge_forecast_is_the_primal_ridge_solution():
    rng = np.random.default_rng(0)
    past, future, test = rng.normal(size=(30, 5)), rng.normal(size=(30, 3)), rng.normal(size=(7, 5))
    lam = 0.3
    a, b = past - past.mean(0), future - future.mean(0)
    coef = np.linalg.solve(a.T @ a + lam * len(a) * np.eye(5), a.T @ b)
    expected = future.mean(0) + (test - past.mean(0)) @ coef
    got = references.ridge_forecast(*(torch.from_numpy(v) for v in (past, future, test)), ridge=lam)
    np.testing.assert_allclose(got.numpy(), expected, atol=1e-10)


def test_pca_and_the_other_references():
    rng = np.random.default_rng(1)
    train = torch.from_numpy(rng.normal(size=(40, 6)))
    test = torch.from_numpy(rng.normal(size=(5, 6)))
    torch.testing.assert_close(references.pca_reconstruction(train, test, 6), test)  # full rank: identity
    low = references.pca_reconstruction(train, test, 2)
    assert torch.linalg.matrix_rank(low - train.mean(0)) == 2
    seqs = torch.arange(2 * 4 * 3, dtype=torch.float64).view(2, 4, 3)
    held = references.persistence(seqs, 2)
    torch.testing.assert_close(held[:, 2:], seqs[:, 1:2].expand(-1, 2, -1))
    mse = references.window_mse(seqs + torch.tensor([0.0, 0.0, 2.0, 2.0]).view(1, 4, 1), seqs, 2)
    assert mse["interp"].tolist() == [0.0, 0.0] and mse["extrap"].tolist() == [4.0, 4.0]
    torch.testing.assert_close(references.train_mean(seqs, seqs[:1])[0], seqs.mean(0))
