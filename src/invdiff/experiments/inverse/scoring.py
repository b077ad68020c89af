"""Per-image scores of reconstructions x̂ of digits x on the [-1, 1] scale (PSNR and SSIM on [0, 1], the scale
their conventions assume), and posterior calibration of K draws per input.

* PSNR = −10 log₁₀ mean((x̂ − x)²) on [0, 1];
* SSIM (Wang et al. 2004): 11 × 11 Gaussian window of width 1.5, C₁ = (0.01)², C₂ = (0.03)², over the valid
  window positions, averaged per image;
* coverage: with K exchangeable draws and the truth a further draw of a calibrated posterior, the truth's rank among
  the K + 1 is uniform, so the interval between the j-th smallest and j-th largest draws covers it with probability
  (K + 1 − 2j)/(K + 1): with K = 19, j = 1 gives exactly 90 % and j = 5 exactly 50 % (ties count as covered);
* CRPS (per pixel, the "fair" ensemble estimator): mean|X_k − x| − Σ_{k≠l}|X_k − X_l| / (2K(K − 1)).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

SSIM_WINDOW, SSIM_WIDTH, SSIM_K1, SSIM_K2 = 11, 1.5, 0.01, 0.03


def _unit(x: Tensor) -> Tensor:
    return (x.double().clamp(-1, 1) + 1) / 2


def psnr(x_hat: Tensor, x: Tensor) -> Tensor:
    """[B] dB for images [B, 1, H, W] in [-1, 1]."""
    mse = ((_unit(x_hat) - _unit(x)) ** 2).flatten(1).mean(-1)
    return -10 * torch.log10(mse.clamp_min(1e-10))


def _window() -> Tensor:
    offsets = torch.arange(SSIM_WINDOW, dtype=torch.float64) - SSIM_WINDOW // 2
    profile = torch.exp(-offsets**2 / (2 * SSIM_WIDTH**2))
    profile = profile / profile.sum()
    return torch.outer(profile, profile)[None, None]


def ssim(x_hat: Tensor, x: Tensor) -> Tensor:
    """[B] mean structural similarity for images [B, 1, H, W] in [-1, 1]."""
    a, b, window = _unit(x_hat), _unit(x), _window()
    blur = lambda v: F.conv2d(v, window)  # noqa: E731 (valid positions only)
    mu_a, mu_b = blur(a), blur(b)
    var_a, var_b = blur(a * a) - mu_a**2, blur(b * b) - mu_b**2
    cov = blur(a * b) - mu_a * mu_b
    c1, c2 = SSIM_K1**2, SSIM_K2**2
    value = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2))
    return value.flatten(1).mean(-1)


def interval_ranks(draws: int, level: float) -> tuple[int, float]:
    """(j, nominal): the j-th order statistics from each end whose interval's exact coverage is nearest ``level``."""
    j = max(1, round((draws + 1) * (1 - level) / 2))
    return j, (draws + 1 - 2 * j) / (draws + 1)


def coverage(draws: Tensor, truth: Tensor, where: Tensor, level: float) -> tuple[float, float]:
    """(share of pixels in ``where`` whose truth lies in the draws' rank interval, its nominal level);
    ``draws`` [K, B, ...], ``truth`` [B, ...], ``where`` bool broadcasting against ``truth``."""
    k = draws.shape[0]
    j, nominal = interval_ranks(k, level)
    ordered = draws.sort(dim=0).values
    inside = (ordered[j - 1] <= truth) & (truth <= ordered[k - j])
    return float(inside[where.expand_as(inside)].double().mean()), nominal


def crps(draws: Tensor, truth: Tensor, where: Tensor) -> float:
    """Mean fair-ensemble CRPS over the pixels in ``where`` (pixel units of [-1, 1])."""
    k = draws.shape[0]
    if k < 2:
        raise ValueError("CRPS needs at least 2 draws")
    spread = (draws[:, None] - draws[None]).abs().sum((0, 1)) / (2 * k * (k - 1))
    value = (draws - truth).abs().mean(0) - spread
    return float(value[where.expand_as(value)].double().mean())


def chi_squared(residual: Tensor, sigma_y: float) -> Tensor:
    """‖y − Hx̂‖² / (d_y σ_y²) per row [B]: ≈ 1 for a calibrated posterior draw."""
    return (residual.double() ** 2).mean(-1) / sigma_y**2


def finite_in_range(x: Tensor, bound: float = 3.0) -> Tensor:
    """[B] bool: the sample is finite and within ±``bound`` (three times the data range's half-width)."""
    flat = x.flatten(1)
    return torch.isfinite(flat).all(-1) & (flat.abs().amax(-1) <= bound)


__all__ = ["psnr", "ssim", "coverage", "crps", "chi_squared", "finite_in_range", "interval_ranks"]
