"""Denoising score matching for the cat-map SDE against the exact conditional score of the EM chain."""
from __future__ import annotations

import torch
from torch import Tensor


def training_times(batch: int, t_min: float, generator: torch.Generator | None = None,
                   device: torch.device | str = "cpu") -> Tensor:
    """t ~ U(t_min, 1): [batch]."""
    return t_min + (1 - t_min) * torch.rand(batch, generator=generator, device=device)


def score_matching_loss(score: Tensor, target_score: Tensor, std: Tensor) -> Tensor:
    """λ(t) ‖s(x, t) − ∇ log p(x | x₀)‖² with λ(t) = std(t)², averaged over pixels and batch (Song et al. 2021,
    eq. 7 with their weighting, which makes the target unit-scale at every t).

    score, target_score: [B, 1, N, N]; std: [B] (the scalar marginal std of the SDE at each example's time).
    """
    scale = std.view(-1, *([1] * (score.dim() - 1))).to(score.dtype)
    return ((scale * (score - target_score)) ** 2).mean()
