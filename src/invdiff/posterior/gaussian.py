"""Exact answers for a Gaussian prior N(μ, S): its noise predictor at every diffusion time, its denoiser, and the
exact posterior of a linear-Gaussian observation — the references every posterior sampler is checked against.

S may be singular (image data): nothing here inverts S. The posterior is in Kalman form,
K = S Hᵀ(H S Hᵀ + σ_y² I)⁻¹, mean μ + K(y − Hμ), covariance S − K H S.
"""
from __future__ import annotations

import math

import torch
from torch import Tensor

from invdiff.diffusion.schedules import NoiseSchedule


class GaussianPrior:
    """N(mean [d], cov [d, d]) in float64; ``blur`` adds σ² I (the prior convolved with N(0, σ² I))."""

    def __init__(self, mean: Tensor, cov: Tensor):
        self.mean = torch.as_tensor(mean, dtype=torch.float64)
        cov = torch.as_tensor(cov, dtype=torch.float64)
        self.cov = (cov + cov.T) / 2
        self.dim = self.mean.shape[0]
        if self.cov.shape != (self.dim, self.dim):
            raise ValueError(f"cov must be [{self.dim}, {self.dim}], got {tuple(self.cov.shape)}")

    def _eye(self) -> Tensor:
        return torch.eye(self.dim, dtype=torch.float64)

    def blurred(self, sigma: float) -> "GaussianPrior":
        return GaussianPrior(self.mean, self.cov + sigma**2 * self._eye())

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        values, vectors = torch.linalg.eigh(self.cov)
        root = vectors * values.clamp_min(0).sqrt()
        return self.mean + torch.randn(n, self.dim, generator=generator, dtype=torch.float64) @ root.T

    def log_prob(self, x: Tensor) -> Tensor:
        """log N(x; μ, S) up to its constant [B] (S must be invertible)."""
        diff = x.double() - self.mean
        return -0.5 * (diff * torch.linalg.solve(self.cov, diff.T).T).sum(-1)

    def score(self, x: Tensor) -> Tensor:
        """∇ log N(x; μ, S) = −S⁻¹(x − μ) (S must be invertible)."""
        return -torch.linalg.solve(self.cov, (x.double() - self.mean).T).T.to(x.dtype)

    def eps_fn(self, schedule: NoiseSchedule):
        """The exact ε*(x_t, t) = √ν_t (ᾱ_t S + ν_t I)⁻¹ (x_t − √ᾱ_t μ), ν_t = 1 − ᾱ_t (the MMSE noise predictor),
        through S's eigendecomposition, so any mix of timesteps in a batch costs two matrix products."""
        abars = schedule.alpha_bars
        values, vectors = torch.linalg.eigh(self.cov)
        values = values.clamp_min(0)

        def eps(x: Tensor, t: Tensor) -> Tensor:
            a = abars.to(x.device)[t].double()[:, None]  # [B, 1]
            rotated = (x.reshape(len(x), -1).double() - a.sqrt() * self.mean) @ vectors
            out = (1 - a).sqrt() * (rotated / (a * values + (1 - a))) @ vectors.T
            return out.reshape(x.shape).to(x.dtype)

        return eps

    def denoise(self, u: Tensor, sigma: float) -> Tensor:
        """E[x | x + σ z = u] = μ + S (S + σ² I)⁻¹ (u − μ) (Tweedie's mean at noise σ, variance-exploding scale)."""
        gain = torch.linalg.solve(self.cov + sigma**2 * self._eye(), self.cov).T
        return (self.mean + (u.double() - self.mean) @ gain.T).to(u.dtype)

    def denoise_cov(self, sigma: float) -> Tensor:
        """Cov[x | x + σ z] = σ² ∇D = S − S (S + σ² I)⁻¹ S (Tweedie's covariance)."""
        return self.cov - self.cov @ torch.linalg.solve(self.cov + sigma**2 * self._eye(), self.cov)

    def posterior(self, matrix: Tensor, y: Tensor, sigma_y: float) -> tuple[Tensor, Tensor]:
        """Exact (mean [d], cov [d, d]) of x | y = H x + N(0, σ_y² I) for a dense H [d_y, d], y [d_y] (or a batch
        y [B, d_y]: means [B, d], the covariance being the same for every y)."""
        h = torch.as_tensor(matrix, dtype=torch.float64)
        sh = self.cov @ h.T
        gain = torch.linalg.solve(h @ sh + sigma_y**2 * torch.eye(h.shape[0], dtype=torch.float64), sh.T).T
        mean = self.mean + (torch.as_tensor(y, dtype=torch.float64) - h @ self.mean) @ gain.T
        cov = self.cov - gain @ sh.T
        return mean, (cov + cov.T) / 2


def gaussian_w2_squared(mean_a: Tensor, cov_a: Tensor, mean_b: Tensor, cov_b: Tensor) -> float:
    """W₂²(N(a), N(b)) = ‖μ_a − μ_b‖² + tr(C_a + C_b − 2 (C_b^½ C_a C_b^½)^½)."""
    def sqrt_psd(c):
        values, vectors = torch.linalg.eigh((c + c.T) / 2)
        return (vectors * values.clamp_min(0).sqrt()) @ vectors.T
    cov_a, cov_b = cov_a.double(), cov_b.double()
    root_b = sqrt_psd(cov_b)
    cross = sqrt_psd(root_b @ cov_a @ root_b)
    return float(((mean_a.double() - mean_b.double()) ** 2).sum() + torch.trace(cov_a + cov_b - 2 * cross))


def sample_moments(samples: Tensor) -> tuple[Tensor, Tensor]:
    """(mean [d], unbiased covariance [d, d]) of samples [N, d], in float64."""
    x = samples.double().reshape(len(samples), -1)
    return x.mean(0), torch.cov(x.T)


class LinearGaussianProblem:
    """A random linear-Gaussian inverse problem with its exact posterior: prior N(μ, S) whose covariance has
    eigenvalues log-spaced over ``spread``, H [d_y, d] with N(0, 1/d) entries, y = H x + σ_y z for a prior draw x."""

    def __init__(self, d: int = 8, d_y: int = 3, sigma_y: float = 0.2, spread: tuple[float, float] = (0.05, 3.0),
                 seed: int = 0):
        g = torch.Generator().manual_seed(seed)
        rotation, _ = torch.linalg.qr(torch.randn(d, d, generator=g, dtype=torch.float64))
        values = torch.logspace(math.log10(spread[0]), math.log10(spread[1]), d, dtype=torch.float64)
        self.prior = GaussianPrior(0.5 * torch.randn(d, generator=g, dtype=torch.float64),
                                   rotation @ torch.diag(values) @ rotation.T)
        self.matrix = torch.randn(d_y, d, generator=g, dtype=torch.float64) / math.sqrt(d)
        self.sigma_y, self.d, self.d_y = sigma_y, d, d_y
        x = self.prior.sample(1, g)[0]
        self.y = self.matrix @ x + sigma_y * torch.randn(d_y, generator=g, dtype=torch.float64)
        self.posterior_mean, self.posterior_cov = self.prior.posterior(self.matrix, self.y, sigma_y)
