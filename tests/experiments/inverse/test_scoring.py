"""The inverse experiment's scores against closed forms: PSNR, SSIM of constant images, rank-interval coverage of
exchangeable draws, the Gaussian CRPS, χ² of noise at σ_y."""
import math

import pytest
import torch

from invdiff.experiments.inverse import scoring

GEN = torch.Generator().manual_seed(0)


def test_psnr_of_a_uniform_error():
    x = torch.zeros(2, 1, 28, 28)
    assert torch.allclose(scoring.psnr(x + 0.2, x), torch.full((2,), -10 * math.log10(0.1**2), dtype=torch.float64))


def test_ssim_is_one_on_identical_images_and_matches_the_closed_form_on_constants():
    x = torch.rand(3, 1, 28, 28, generator=GEN) * 2 - 1
    assert torch.allclose(scoring.ssim(x, x), torch.ones(3, dtype=torch.float64))
    a, b = 0.3, 0.8  # on [0, 1]: constant images have zero variance, so SSIM = (2ab + C1)/(a² + b² + C1)
    c1 = scoring.SSIM_K1**2
    value = scoring.ssim(torch.full((1, 1, 28, 28), 2 * a - 1), torch.full((1, 1, 28, 28), 2 * b - 1))
    assert value.item() == pytest.approx((2 * a * b + c1) / (a * a + b * b + c1), rel=1e-6)  # float32 inputs
    assert scoring.ssim(x, torch.rand(3, 1, 28, 28, generator=GEN) * 2 - 1).max() < 0.2


def test_rank_intervals_are_exact_for_19_draws():
    assert scoring.interval_ranks(19, 0.9) == (1, 0.9)
    assert scoring.interval_ranks(19, 0.5) == (5, 0.5)


def test_coverage_of_a_calibrated_and_of_an_overconfident_sampler():
    truth = torch.randn(200, 1, 28, 28, generator=GEN)
    draws = torch.randn(19, 200, 1, 28, 28, generator=GEN)
    where = torch.ones(1, 28, 28, dtype=torch.bool)
    assert scoring.coverage(draws, truth, where, 0.9)[0] == pytest.approx(0.9, abs=0.01)
    assert scoring.coverage(draws, truth, where, 0.5)[0] == pytest.approx(0.5, abs=0.01)
    assert scoring.coverage(0.5 * draws, truth, where, 0.9)[0] < 0.7  # too narrow: covers far less than 90 %


def test_fair_crps_matches_the_gaussian_closed_form():
    truth = torch.zeros(400, 1, 28, 28)
    draws = 2.0 * torch.randn(19, 400, 1, 28, 28, generator=GEN)
    where = torch.ones(1, 28, 28, dtype=torch.bool)
    expected = 2.0 * (2 / math.sqrt(2 * math.pi) - 1 / math.sqrt(math.pi))  # σ(2φ(0) − 1/√π) at z = 0
    assert scoring.crps(draws, truth, where) == pytest.approx(expected, rel=0.01)
    assert scoring.crps(draws + 3.0, truth, where) > 2 * expected  # a biased sampler scores worse


def test_chi_squared_of_noise_at_sigma_y_is_one_and_divergence_is_flagged():
    residual = 0.05 * torch.randn(400, 500, generator=GEN)
    assert scoring.chi_squared(residual, 0.05).mean().item() == pytest.approx(1.0, abs=0.02)
    x = torch.zeros(3, 1, 28, 28)
    x[1, 0, 0, 0], x[2, 0, 5, 5] = float("nan"), 4.0
    assert scoring.finite_in_range(x).tolist() == [True, False, False]
