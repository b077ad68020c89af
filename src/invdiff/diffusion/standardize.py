"""Standardised diffusion space: data enter the diffusion process per-dimension standardised with statistics of
the training split, which travel inside the model (buffers, so the checkpoint carries them).

With a linear β schedule the signal-to-noise ratio of a dimension of variance v at step t is
``ᾱ_t v / (1 − ᾱ_t)``; dimensions whose spread is a few hundredths of a unit lose their signal within the
first few percent of the steps, so the network learns from almost none of them. Standardising gives every
dimension the unit variance the schedule was designed for.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn


class Standardizer(nn.Module):
    """``encode(x) = (x − mean) / std`` per dimension of ``shape``; ``std`` floored at ``floor``. Dimensions that
    never vary in the training data (std ≤ ``constant_below``) are *constant*: they encode to 0 and decode to
    their training value whatever the sampler returns, so no noise can leak into them."""

    def __init__(self, shape: tuple[int, ...]):
        super().__init__()
        self.register_buffer("mean", torch.zeros(shape))
        self.register_buffer("std", torch.ones(shape))
        self.register_buffer("constant", torch.zeros(shape, dtype=torch.bool))

    @classmethod
    def fit(cls, data: Tensor, floor: float, constant_below: float = 1e-6) -> "Standardizer":
        """Statistics of ``data`` [N, *shape] (float64 internally)."""
        data = data.double()
        out = cls(tuple(data.shape[1:]))
        std = data.std(0)
        out.mean.copy_(data.mean(0))
        out.std.copy_(std.clamp(min=floor))
        out.constant.copy_(std <= constant_below)
        return out

    def encode(self, x: Tensor) -> Tensor:
        return ((x - self.mean.to(x)) / self.std.to(x)).masked_fill(self.constant, 0.0)

    def decode(self, z: Tensor) -> Tensor:
        x = z * self.std.to(z) + self.mean.to(z)
        return torch.where(self.constant, self.mean.to(z), x)

    def bounds(self, limit: float) -> tuple[Tensor, Tensor]:
        """The box [−limit, limit] of data units, in encoded units: (low, high) per dimension."""
        return (-limit - self.mean) / self.std, (limit - self.mean) / self.std


def signal_to_noise(alpha_bars: Tensor, variances: Tensor) -> Tensor:
    """SNR [T, D] of each dimension at each step: ᾱ_t v_d / (1 − ᾱ_t)."""
    abar = alpha_bars.double()[:, None]
    return abar * variances.double()[None] / (1 - abar)
