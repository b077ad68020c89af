import torch

from invdiff.diffusion.samplers import clip
from invdiff.diffusion.standardize import Standardizer, signal_to_noise


def test_round_trip_constant_dimensions_and_bounds():
    g = torch.Generator().manual_seed(0)
    data = torch.cat([0.05 * torch.randn(1000, 3, generator=g) + 0.4, torch.full((1000, 1), 0.7)], 1)
    scaler = Standardizer.fit(data, floor=0.01)
    z = scaler.encode(data)
    torch.testing.assert_close(z[:, :3].mean(0), torch.zeros(3), atol=1e-5, rtol=0)
    torch.testing.assert_close(z[:, :3].std(0), torch.ones(3), atol=1e-5, rtol=0)
    assert scaler.constant.tolist() == [False, False, False, True] and (z[:, 3] == 0).all()
    torch.testing.assert_close(scaler.decode(z), data, atol=1e-6, rtol=0)
    noisy = scaler.decode(z + 5.0)  # whatever the sampler returns, a constant dim decodes to its value
    assert torch.equal(noisy[:, 3], torch.full((1000,), 0.7))
    low, high = scaler.bounds(1.0)
    clipped = scaler.decode(clip(torch.full((1, 4), 100.0), (low, high)))
    torch.testing.assert_close(clipped[0, :3], torch.ones(3))  # the box of data units, in encoded units


def test_snr_of_a_tiny_dimension_collapses_early():
    abar = torch.tensor([0.99, 0.5, 0.01], dtype=torch.float64)
    snr = signal_to_noise(abar, torch.tensor([1.0, 0.04 ** 2]))
    torch.testing.assert_close(snr[:, 0], abar / (1 - abar))
    assert snr[0, 1] < 1 < snr[0, 0]
