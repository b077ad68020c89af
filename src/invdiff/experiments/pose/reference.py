"""The closed-form reference a learned pose optimizer must beat: the linear-Gaussian conditional.

Fit one Gaussian to the pairs (x6d, keypoints) of the training split; its conditional is
``x | y ~ N(μ_x + Σ_xy Σ_yy⁺ (y − μ_y),  Σ_xx − Σ_xy Σ_yy⁺ Σ_yx)`` (Σ_yy⁺ the pseudo-inverse: the mid-hip keypoint
never moves, so Σ_yy is singular). ``linear_gaussian`` samples it; ``linear_gaussian_mean`` answers its mean
(the MAP point) K times. Both are scored by the same code as the models. With keypoints missing, the same formula
on the present keypoints' rows and columns is the exact conditional given those alone (a Gaussian's marginal is
its sub-block).
"""
from __future__ import annotations

import torch
from torch import Tensor


def _pseudo_inverse(symmetric: Tensor, relative_tolerance: float = 1e-10) -> Tensor:
    values, vectors = torch.linalg.eigh(symmetric)
    keep = values > relative_tolerance * values.max()
    return (vectors[:, keep] / values[keep]) @ vectors[:, keep].T


def _conditional(joint: Tensor, d: int, rows: Tensor) -> tuple[Tensor, Tensor]:
    """Gain Σ_xy Σ_yy⁺ [d, |rows|] and a factor L (L Lᵀ = the conditional covariance) of x given the rows ``rows``
    of the joint covariance."""
    sxx, sxy, syy = joint[:d, :d], joint[:d][:, rows], joint[rows][:, rows]
    gain = sxy @ _pseudo_inverse(syy)
    conditional = sxx - gain @ sxy.T
    values, vectors = torch.linalg.eigh((conditional + conditional.T) / 2)
    return gain, vectors * values.clamp(min=0).sqrt()


class LinearGaussian:
    def __init__(self, mean_x: Tensor, mean_y: Tensor, gain: Tensor, factor: Tensor, prior_precision: Tensor,
                 covariance: Tensor | None = None):
        self.mean_x, self.mean_y, self.gain, self.factor = mean_x, mean_y, gain, factor
        self.prior_precision = prior_precision  # Σ_xx⁺: the marginal prior on poses, for MAP descent
        self.covariance = covariance  # the joint Σ of (x, y), for conditionals on a subset of the keypoints

    @classmethod
    def fit(cls, x6d: Tensor, keypoints: Tensor) -> "LinearGaussian":
        """From training poses [N, 144] and their keypoints [N, 25, 2] (pixels), in float64."""
        x, y = x6d.double(), keypoints.double().flatten(1)
        joint = torch.cov(torch.cat([x, y], 1).T)
        d = x.shape[1]
        gain, factor = _conditional(joint, d, torch.arange(d, joint.shape[0]))
        return cls(x.mean(0), y.mean(0), gain, factor, _pseudo_inverse(joint[:d, :d]), joint)

    def given(self, present: Tensor) -> "LinearGaussian":
        """The conditional given only the keypoints ``present`` [25] (bool); its ``mean``/``sample`` still take all
        25 keypoints and ignore the others."""
        d = len(self.mean_x)
        rows = d + torch.nonzero(present.repeat_interleave(2)).flatten()
        gain, factor = _conditional(self.covariance, d, rows)
        full = torch.zeros(d, len(self.mean_y), dtype=gain.dtype)
        full[:, rows - d] = gain
        return LinearGaussian(self.mean_x, self.mean_y, full, factor, self.prior_precision, self.covariance)

    def sample_with_missing(self, keypoints: Tensor, present: Tensor, k: int, generator: torch.Generator) -> Tensor:
        """[N, k, 144] draws of x given each input's present keypoints (``present`` [N, 25])."""
        out = torch.empty(len(keypoints), k, len(self.mean_x))
        for i in range(len(keypoints)):
            out[i] = self.given(present[i]).sample(keypoints[i:i + 1], k, generator)[0]
        return out

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
