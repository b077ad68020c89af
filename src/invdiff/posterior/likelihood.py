"""The Gaussian likelihood p(y | x) = N(y; H x, σ_y² I) of a linear operator, with σ_y explicit (a standard
deviation, never a variance), and the exact pieces the samplers take from it."""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from invdiff.posterior.operators import LinearOperator


@dataclass(frozen=True)
class GaussianLikelihood:
    """``y`` [B, d_y]: one observation per row of the batch being sampled (repeat it for K samples of one y)."""

    operator: LinearOperator
    y: Tensor
    sigma_y: float

    def __post_init__(self):
        if not self.sigma_y > 0:
            raise ValueError(f"sigma_y must be > 0 (a standard deviation), got {self.sigma_y}")
        if self.y.ndim != 2 or self.y.shape[1] != self.operator.output_dim:
            raise ValueError(f"y must be [B, {self.operator.output_dim}], got {tuple(self.y.shape)}")

    def residual(self, x: Tensor) -> Tensor:
        """y − H x [B, d_y]."""
        return self.y.to(x) - self.operator.forward(x)

    def log_prob(self, x: Tensor) -> Tensor:
        """log p(y | x) up to its constant, per row [B]."""
        return -(self.residual(x) ** 2).sum(-1) / (2 * self.sigma_y**2)

    def score(self, x: Tensor) -> Tensor:
        """∇_x log p(y | x) = Hᵀ(y − Hx)/σ_y², shaped like x."""
        return self.operator.adjoint(self.residual(x)).reshape(x.shape) / self.sigma_y**2

    def chi2(self, x: Tensor) -> Tensor:
        """‖y − Hx‖² / (d_y σ_y²) per row: ≈ 1 for a sample of a calibrated posterior, ≪ 1 for overfitting."""
        return (self.residual(x) ** 2).mean(-1) / self.sigma_y**2

    def proximal_sample(self, v: Tensor, gamma: float | Tensor, generator: torch.Generator | None = None) -> Tensor:
        """An exact draw of x ∝ p(y | x) N(x; v, γ² I) (GPnP's forward-model proximal generator), matrix-free by
        Matheron's rule: x₀ = v + γ z, then x = x₀ + γ² Hᵀ(γ² HHᵀ + σ_y² I)⁻¹(y + σ_y z' − H x₀)."""
        x0 = v + gamma * torch.randn(v.shape, generator=generator, dtype=v.dtype, device=v.device)
        y_sim = self.y.to(v) + self.sigma_y * torch.randn(self.y.shape, generator=generator, dtype=v.dtype,
                                                          device=v.device)
        g2 = gamma**2
        correction = self.operator.solve_gram(y_sim - self.operator.forward(x0), g2, self.sigma_y**2)
        return x0 + g2 * self.operator.adjoint(correction).reshape(v.shape)
