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
