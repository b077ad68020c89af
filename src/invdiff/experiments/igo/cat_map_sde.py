"""The IGO forward process: ``dx = κ (C x − x) dt + σ^t dw`` on N×N images, C = Arnold's cat map.

Two views of the same process (docs/igo.md has the derivations):

- **Euler–Maruyama chain** (the paper's eq. 4), J steps of size h = t/J to time t:
  ``x_{j+1} = A x_j + σ^{t_j} √h z_j`` with ``A = (1 − κh) I + κh C`` and t_j = j h. Linear in x, so given x₀
  every iterate is exactly Gaussian: ``x_J ~ N(A^J x₀, h Σ_j σ^{2 t_j} A^{J−1−j} (A^{J−1−j})ᵀ)``. Training uses
  this chain (the target score is exact for it) with the intermediate iterate x_τ at step J/2, τ = t/2.
- **Continuous SDE** (for the probability-flow ODE and the prior): ``M_t = exp(κ t (C − I))`` and
  ``Σ_t = ∫₀ᵗ σ^{2s} exp(κ(t−s)(C−I)) exp(κ(t−s)(C−I))ᵀ ds``.

Every operator here is a function of C, so it is represented by its values on the P-th roots of unity z (a
"spectrum" [..., P]) and applied with :class:`~invdiff.experiments.igo.cat_map.CatMapOperators`. With κ = 0 both
views are Song et al.'s VE SDE: M = I and Σ_t = (σ^{2t} − 1)/(2 ln σ) I (the EM chain: its left Riemann sum).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from invdiff.experiments.igo.cat_map import CatMapOperators, apply_cat_map


@dataclass
class Iterates:
    """One EM trajectory per image: x_τ (step J/2) and x_t (step J), with their exact conditional scores
    ∇ log p(x | x₀) = −Σ⁻¹ (x − M x₀). All images [B, 1, N, N]; times [B]."""

    x_tau: Tensor
    x_t: Tensor
    tau: Tensor
    t: Tensor
    score_tau: Tensor
    score_t: Tensor


class CatMapSDE:
    def __init__(self, n: int = 28, kappa: float = 2.0, sigma: float = 25.0, em_steps: int = 1000,
                 t_min: float = 1e-3):
        if sigma <= 1:
            raise ValueError(f"sigma must be > 1 (g(t) = sigma^t grows), got {sigma}")
        if em_steps < 2 or em_steps % 2:
            raise ValueError(f"em_steps must be even (x_tau is step J/2), got {em_steps}")
        if kappa < 0 or kappa / em_steps > 1:
            raise ValueError(f"kappa must be in [0, em_steps] so that an EM step (1 − κh) I + κh C is a "
                             f"contraction, got kappa={kappa}, em_steps={em_steps}")
        self.n, self.kappa, self.sigma, self.em_steps, self.t_min = n, float(kappa), float(sigma), em_steps, t_min
        self.ops = CatMapOperators(n)
        self.log_sigma2 = 2 * math.log(self.sigma)  # ℓ: g(t)² = e^{ℓ t}

    # ------------------------------------------------------------ coefficients
    def diffusion(self, t: Tensor | float) -> Tensor:
        return torch.as_tensor(self.sigma, dtype=torch.float64) ** torch.as_tensor(t, dtype=torch.float64)

    def drift(self, x: Tensor) -> Tensor:
        """κ (C x − x) for images [..., N, N]."""
        return self.kappa * (apply_cat_map(x) - x) if self.kappa else torch.zeros_like(x)

    def apply(self, spectrum: Tensor, images: Tensor) -> Tensor:
        """f(C) on images [B, 1, N, N] (or [N, N], [B, N, N]) for a spectrum [P] or per image [B, P]."""
        flat = images.reshape(*images.shape[:-2], self.n * self.n)
        if spectrum.dim() == 2 and flat.dim() == 3:  # one spectrum per image of [B, 1, N*N]
            spectrum = spectrum.unsqueeze(-2)
        return self.ops.apply(spectrum, flat).reshape(images.shape)

    def apply_many(self, spectra: Tensor, images: Tensor) -> Tensor:
        """K operators on images [B, 1, N, N] with one gather: spectra [B, K, P] or [K, P] → [K, B, 1, N, N]."""
        flat = images.reshape(images.shape[0], self.n * self.n)
        out = self.ops.apply_many(spectra, flat)  # [B, K, N*N]
        return out.transpose(0, 1).reshape(spectra.shape[-2], *images.shape)

    # ------------------------------------------------------------ the Euler–Maruyama chain
    def em_step_spectrum(self, h: Tensor) -> Tensor:
        """A = (1 − κh) I + κh C at the roots: [B] step sizes → complex [B, P]."""
        kh = self.kappa * h.double()[..., None]
        return (1 - kh) + kh * self.ops.roots

    def em_noise_spectrum(self, h: Tensor, first: int, steps: int) -> Tensor:
        """Covariance added by EM steps first..first+steps−1, seen at step first+steps: real [B, P].

        ``h Σ_{j=first}^{first+n−1} r^j q^{first+n−1−j}`` with r = σ^{2h} (g(t_j)²) and q = |λ|² (one step's
        gain), summed in closed form in log space (cost independent of J):
        ``log = a (first + n) − b + log(1 − e^{−n d}) − log(e^{d} − 1)``, a = ln r, b = ln q, d = a − b > 0.
        """
        q = (self.em_step_spectrum(h).abs() ** 2).clamp(min=1e-300)  # q = 0 (κh = ½ at z = −1): one term left
        h = h.double()[..., None]
        a, b = self.log_sigma2 * h, q.log()
        d = a - b
        log_sum = a * (first + steps) - b + torch.log(-torch.expm1(-steps * d)) - torch.log(torch.expm1(d))
        return h * torch.exp(log_sum)

    def em_moments(self, t: Tensor, steps: int | None = None) -> tuple[Tensor, Tensor]:
        """Spectra of (M, Σ) of the chain after ``steps`` of its J steps to time t (default: all J)."""
        steps = self.em_steps if steps is None else steps
        h = t.double() / self.em_steps
        return self.em_step_spectrum(h) ** steps, self.em_noise_spectrum(h, 0, steps)

    def sample_iterates(self, x0: Tensor, t: Tensor, generator: torch.Generator | None = None) -> Iterates:
        """Draw (x_τ, x_t) of one EM trajectory per image from the chain's exact joint law.

        Same distribution as running :func:`euler_maruyama` for J steps and keeping steps J/2 and J, at a cost
        independent of J: x_τ = M_τ x₀ + Σ_τ^½ ξ₁, x_t = A^{J/2} x_τ + Σ_{τ→t}^½ ξ₂.
        """
        half = self.em_steps // 2
        h = t.double() / self.em_steps
        carry = self.em_step_spectrum(h) ** half  # A^{J/2}
        var_tau = self.em_noise_spectrum(h, 0, half)
        var_rest = self.em_noise_spectrum(h, half, half)
        var_t = carry.abs() ** 2 * var_tau + var_rest
        xi = torch.randn((2, *x0.shape), generator=generator, dtype=x0.dtype, device=x0.device)
        # by linearity, three gathers: x_τ = A x₀ + √Σ_τ ξ₁;  x_t = A² x₀ + A √Σ_τ ξ₁ + √Σ_rest ξ₂  (A = A^{J/2})
        mean_tau, mean_t = self.apply_many(torch.stack([carry, carry ** 2], -2), x0)
        noise_tau, noise_tau_carried, score_t_1, score_tau = self.apply_many(torch.stack([
            var_tau.sqrt(), carry * var_tau.sqrt(), -carry * var_tau.sqrt() / var_t, -var_tau.rsqrt()], -2), xi[0])
        noise_rest, score_t_2 = self.apply_many(torch.stack([var_rest.sqrt(), -var_rest.sqrt() / var_t], -2), xi[1])
        return Iterates(x_tau=mean_tau + noise_tau, x_t=mean_t + noise_tau_carried + noise_rest, tau=t / 2, t=t,
                        score_tau=score_tau, score_t=score_t_1 + score_t_2)

    # ------------------------------------------------------------ the continuous SDE
    def mean_spectrum(self, t: Tensor) -> Tensor:
        """M_t = exp(κ t (C − I)): [B] → complex [B, P]."""
        return torch.exp(self.kappa * t.double()[..., None] * (self.ops.roots - 1))

    def variance_spectrum(self, t: Tensor) -> Tensor:
        """Σ_t = (e^{ℓ t} − e^{−c t}) / (ℓ + c) with c = 2κ(1 − Re z), ℓ = 2 ln σ: [B] → real [B, P]."""
        t = t.double()[..., None]
        c = 2 * self.kappa * (1 - self.ops.roots.real)
        return (torch.exp(self.log_sigma2 * t) - torch.exp(-c * t)) / (self.log_sigma2 + c)

    def marginal_std(self, t: Tensor) -> Tensor:
        """sqrt(tr Σ_t / N²): the one scalar noise level per time (Song's ``marginal_prob_std`` when κ = 0)."""
        return self.ops.mean_eigenvalue(self.variance_spectrum(t)).sqrt().float()

    def apply_mean(self, t: Tensor, images: Tensor) -> Tensor:
        return self.apply(self.mean_spectrum(t), images)

    def apply_variance_power(self, t: Tensor, power: float, images: Tensor) -> Tensor:
        """Σ_t^power x (power ½ to draw noise, −1 for a score)."""
        return self.apply(self.variance_spectrum(t) ** power, images)

    def gaussian_score(self, x: Tensor, t: Tensor, data_mean: Tensor, data_var: float) -> Tensor:
        """Exact score of the time-t marginal when the data are N(μ, data_var · I):
        ``−K_t⁻¹ (x − M_t μ)`` with ``K_t = data_var · M_t M_tᵀ + Σ_t`` (a function of C, so spectral).

        x [B, 1, N, N], t [B], data_mean [N, N] (any shape with N*N elements)."""
        mean_spec, var_spec, total = self._gaussian_spectra(t, data_var)
        return -self.apply((1 / total).to(x.device), self._centred(x, mean_spec, data_mean))

    def gaussian_posterior(self, x: Tensor, t: Tensor, data_mean: Tensor, data_var: float) -> GaussianPosterior:
        """What N(μ, data_var · I) data would imply about x₀ given x at time t: the exact score −K_t⁻¹(x − M_t μ),
        the Wiener estimate E[x₀ | x] = μ + data_var M_tᵀ K_t⁻¹ (x − M_t μ) (an image: Mᵀ undoes the cat map's
        mixing), its error std and its signal std (both scalars per time: root mean over pixels)."""
        mean_spec, var_spec, total = self._gaussian_spectra(t, data_var)
        score, estimate = self.apply_many(
            torch.stack([-1 / total + 0j, data_var * mean_spec.conj() / total], -2).to(x.device),
            self._centred(x, mean_spec, data_mean))
        error_var = self.ops.mean_eigenvalue(data_var * var_spec / total)
        signal_var = self.ops.mean_eigenvalue(data_var ** 2 * mean_spec.abs() ** 2 / total)
        return GaussianPosterior(score=score, estimate=estimate + data_mean.reshape(1, *x.shape[1:]).to(x.dtype),
                                 error_std=error_var.sqrt().float().to(x.device),
                                 signal_std=signal_var.sqrt().float().to(x.device),
                                 mean_spectrum=mean_spec, variance_spectrum=var_spec)

    def _gaussian_spectra(self, t: Tensor, data_var: float) -> tuple[Tensor, Tensor, Tensor]:
        t = t.detach().double().cpu()
        mean_spec, var_spec = self.mean_spectrum(t), self.variance_spectrum(t)
        return mean_spec, var_spec, data_var * mean_spec.abs() ** 2 + var_spec

    def _centred(self, x: Tensor, mean_spec: Tensor, data_mean: Tensor) -> Tensor:
        means = self.ops.apply_many(mean_spec, data_mean.reshape(-1).to(x.dtype))  # M_t μ per time: one small gather
        return x - means.reshape(x.shape)


@dataclass
class GaussianPosterior:
    """:meth:`CatMapSDE.gaussian_posterior`: score and estimate [B, 1, N, N]; error_std, signal_std [B]; the
    spectra [B, P] of M_t and Σ_t."""

    score: Tensor
    estimate: Tensor
    error_std: Tensor
    signal_std: Tensor
    mean_spectrum: Tensor
    variance_spectrum: Tensor


def euler_maruyama(sde: CatMapSDE, x0: Tensor, t: Tensor, keep: list[int],
                   generator: torch.Generator | None = None) -> dict[int, Tensor]:
    """Simulate eq. 4 step by step (J = sde.em_steps steps of size t/J, per image): {step: x_step} for ``keep``.

    The explicit simulation the training's exact sampler stands in for; tests compare the two, and the
    trajectory figure uses it.
    """
    h = (t / sde.em_steps).view(-1, *([1] * (x0.dim() - 1))).to(x0.dtype)
    x, out = x0.clone(), {}
    if 0 in keep:
        out[0] = x.clone()
    for j in range(sde.em_steps):
        g = sde.diffusion(j * h.double()).to(x0.dtype)
        z = torch.randn(x.shape, generator=generator, dtype=x.dtype, device=x.device)
        x = x + sde.drift(x) * h + g * h.sqrt() * z
        if j + 1 in keep:
            out[j + 1] = x.clone()
    return out
