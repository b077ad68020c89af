"""Denoising score matching for the cat-map SDE against the exact conditional score of the EM chain."""
from __future__ import annotations

import torch
from torch import Tensor


def training_times(batch: int, t_min: float, generator: torch.Generator | None = None,
                   device: torch.device | str = "cpu") -> Tensor:
    """t ~ U(t_min, 1): [batch]."""
    return t_min + (1 - t_min) * torch.rand(batch, generator=generator, device=device)


class LogNormalTimes:
    """t whose noise level std(t) is log-normal, ln std ~ N(mean, sd²) truncated to [std(t_min), std(1)] (Karras et
    al. 2022's training distribution, EDM): more steps where denoising is neither trivial nor hopeless.

    ``std`` maps times [K] to the SDE's scalar marginal std, increasing in t; it is tabulated once on ``grid``
    points and inverted by linear interpolation in ln std (the truncation uses the inverse normal CDF, so no mass
    piles up at the ends).
    """

    def __init__(self, std, t_min: float, mean: float, sd: float, grid: int = 2049):
        self.t = torch.linspace(t_min, 1.0, grid, dtype=torch.float64)
        self.log_std = torch.as_tensor(std(self.t), dtype=torch.float64).log()
        if not bool((self.log_std.diff() > 0).all()):
            raise ValueError("the marginal std must increase with t for log-normal time sampling")
        normal = torch.distributions.Normal(torch.tensor(mean, dtype=torch.float64),
                                            torch.tensor(sd, dtype=torch.float64))
        self.normal = normal
        self.cdf_range = (float(normal.cdf(self.log_std[0])), float(normal.cdf(self.log_std[-1])))

    def __call__(self, batch: int, generator: torch.Generator | None = None,
                 device: torch.device | str = "cpu") -> Tensor:
        lo, hi = self.cdf_range
        u = lo + (hi - lo) * torch.rand(batch, generator=generator, dtype=torch.float64)
        log_std = self.normal.icdf(u.clamp(1e-12, 1 - 1e-12)).clamp(self.log_std[0], self.log_std[-1])
        index = torch.searchsorted(self.log_std, log_std).clamp(1, len(self.t) - 1)
        left, right = self.log_std[index - 1], self.log_std[index]
        weight = (log_std - left) / (right - left)
        t = self.t[index - 1] + weight * (self.t[index] - self.t[index - 1])
        return t.float().to(device)


def score_matching_loss(score: Tensor, target_score: Tensor, std: Tensor) -> Tensor:
    """λ(t) ‖s(x, t) − ∇ log p(x | x₀)‖² with λ(t) = std(t)², averaged over pixels and batch (Song et al. 2021,
    eq. 7 with their weighting, which makes the target unit-scale at every t).

    score, target_score: [B, 1, N, N]; std: [B] (the scalar marginal std of the SDE at each example's time).
    """
    scale = std.view(-1, *([1] * (score.dim() - 1))).to(score.dtype)
    return ((scale * (score - target_score)) ** 2).mean()
