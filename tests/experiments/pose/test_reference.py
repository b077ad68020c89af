"""The linear-Gaussian reference against exact answers on data that are linear-Gaussian by construction."""
import torch

from invdiff.experiments.pose.reference import LinearGaussian


def test_recovers_the_true_conditional_of_linear_gaussian_data():
    g = torch.Generator().manual_seed(0)
    n, dx = 200_000, 4
    gain = torch.randn(dx, 6, generator=g, dtype=torch.float64)
    noise_scale = torch.tensor([0.1, 0.2, 0.05, 0.3], dtype=torch.float64)
    y = torch.randn(n, 3, 2, generator=g, dtype=torch.float64)
    y[:, 0] = 5.0  # one constant keypoint, as the mid-hip: singular Σ_yy
    x = y.flatten(1) @ gain.T + noise_scale * torch.randn(n, dx, generator=g, dtype=torch.float64)
    lg = LinearGaussian.fit(x, y)
    probe = torch.randn(5, 3, 2, generator=g, dtype=torch.float64)
    probe[:, 0] = 5.0
    expected = (probe.flatten(1) - 0) @ gain.T
    torch.testing.assert_close(lg.mean(probe).double(), expected, atol=0.01, rtol=0)
    draws = lg.sample(probe[:1], 50_000, torch.Generator().manual_seed(1))[0].double()
    torch.testing.assert_close(draws.std(0), noise_scale, atol=0.01, rtol=0)
    assert lg.prior_energy(lg.mean_x[None].float()).abs().item() < 1e-6


def test_given_a_subset_of_keypoints_is_the_exact_marginal_conditional():
    """x = A y + e with y ~ N(0, I): without keypoint 2, x | y_rest has mean A_rest y_rest and covariance
    A_2 A_2ᵀ + diag(noise²) -- and the missing keypoint's values are not read."""
    g = torch.Generator().manual_seed(0)
    n, dx = 200_000, 3
    gain = torch.randn(dx, 6, generator=g, dtype=torch.float64)
    noise = torch.tensor([0.1, 0.2, 0.3], dtype=torch.float64)
    y = torch.randn(n, 3, 2, generator=g, dtype=torch.float64)
    x = y.flatten(1) @ gain.T + noise * torch.randn(n, dx, generator=g, dtype=torch.float64)
    lg = LinearGaussian.fit(x, y)
    present = torch.tensor([True, True, False])
    probe = torch.randn(4, 3, 2, generator=g, dtype=torch.float64)
    moved = probe.clone()
    moved[:, 2] = 100.0
    given = lg.given(present)
    torch.testing.assert_close(given.mean(probe).double(), probe[:, :2].flatten(1) @ gain[:, :4].T, atol=0.02, rtol=0)
    torch.testing.assert_close(given.mean(probe), given.mean(moved))
    covariance = given.factor @ given.factor.T
    torch.testing.assert_close(covariance, gain[:, 4:] @ gain[:, 4:].T + torch.diag(noise ** 2), atol=0.03, rtol=0.02)
    draws = lg.sample_with_missing(probe[:2].float(), present.expand(2, 3), 4, torch.Generator().manual_seed(1))
    assert draws.shape == (2, 4, dx)
