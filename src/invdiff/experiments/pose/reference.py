"""The closed-form reference a learned pose optimizer must beat: the linear-Gaussian conditional.

Fit one Gaussian to the pairs (x6d, keypoints) of the training split; its conditional is
``x | y ~ N(μ_x + Σ_xy Σ_yy⁺ (y − μ_y),  Σ_xx − Σ_xy Σ_yy⁺ Σ_yx)`` (Σ_yy⁺ the pseudo-inverse: the mid-hip keypoint
never moves, so Σ_yy is singular). ``linear_gaussian`` samples it; ``linear_gaussian_mean`` answers its mean
(the MAP point) K times. Both are scored by the same code as the models.
"""
from __future__ import annotations

import torch
from torch import Tensor


def _pseudo_inverse(symmetric: Tensor, relative_tolerance: float = 1e-10) -> Tensor:
    values, vectors = torch.linalg.eigh(symmetric)
    keep = values > relative_tolerance * values.max()
    return (vectors[:, keep] / values[keep]) @ vectors[:, keep].T


class LinearGaussian:
    def __init__(self, mean_x: Tensor, mean_y: Tensor, gain: Tensor, factor: Tensor, prior_precision: Tensor):
        self.mean_x, self.mean_y, self.gain, self.factor = mean_x, mean_y, gain, factor
        self.prior_precision = prior_precision  # Σ_xx⁺: the marginal prior on poses, for MAP descent

    @classmethod
    def fit(cls, x6d: Tensor, keypoints: Tensor) -> "LinearGaussian":
        """From training poses [N, 144] and their keypoints [N, 25, 2] (pixels), in float64."""
        x, y = x6d.double(), keypoints.double().flatten(1)
        joint = torch.cov(torch.cat([x, y], 1).T)
        d = x.shape[1]
        sxx, sxy, syy = joint[:d, :d], joint[:d, d:], joint[d:, d:]
        gain = sxy @ _pseudo_inverse(syy)
        conditional = sxx - gain @ sxy.T
        values, vectors = torch.linalg.eigh((conditional + conditional.T) / 2)
        return cls(x.mean(0), y.mean(0), gain, vectors * values.clamp(min=0).sqrt(), _pseudo_inverse(sxx))

    def mean(self, keypoints: Tensor) -> Tensor:
        """The conditional mean [N, 144] for keypoints [N, 25, 2] in pixels."""
        return (self.mean_x + (keypoints.double().flatten(1) - self.mean_y) @ self.gain.T).float()

    def sample(self, keypoints: Tensor, k: int, generator: torch.Generator) -> Tensor:
        """[N, k, 144] draws of x | y."""
        mean = self.mean(keypoints).double()
        noise = torch.randn(len(mean), k, self.factor.shape[1], generator=generator, dtype=torch.float64)
        return (mean[:, None] + noise @ self.factor.T).float()

    def prior_energy(self, x6d: Tensor) -> Tensor:
        """½ (x − μ_x)ᵀ Σ_xx⁺ (x − μ_x) per pose [B]: the negative log marginal prior, up to a constant."""
        centred = x6d - self.mean_x.to(x6d)
        return 0.5 * ((centred @ self.prior_precision.to(x6d)) * centred).sum(-1)
