"""Arnold's cat map on an N×N pixel grid and the linear algebra of polynomials in it.

The map moves the pixel at (i, j) to ((i + j) mod N, (i + 2j) mod N). It is a permutation of the N² pixels, so as
a matrix ``C`` (``(C x)[π(p)] = x[p]``) it is orthogonal, and ``C^P = I`` for its period P (24 for N = 28; Bao &
Yang 2012). Every eigenvalue of C is therefore a P-th root of unity ω^k, ω = exp(2πi/P), and any operator
``f(C)`` (a polynomial or power series with real coefficients: the Euler–Maruyama step, its powers, covariances
built from them) equals the unique degree < P polynomial that interpolates f on those roots::

    f(C) = Σ_{m<P} c_m C^m,      c_m = (1/P) Σ_k f(ω^k) ω^{-km}   (an inverse DFT of length P).

Applying it is one gather of the P images C^m x (the "orbit stack") and a weighted sum: the per-cycle Fourier
diagonalisation of a permutation, with all cycles (their lengths divide P) handled by a single length-P DFT.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from torch import Tensor


def cat_map_destinations(n: int) -> np.ndarray:
    """π as a flat index array: pixel p = i·n + j goes to destination[p] (row-major, i = row)."""
    if n < 2:
        raise ValueError(f"the cat map needs a grid of at least 2×2 pixels, got n={n}")
    i, j = np.divmod(np.arange(n * n), n)
    return ((i + j) % n) * n + (i + 2 * j) % n


def permutation_period(destinations: np.ndarray) -> int:
    """Smallest P ≥ 1 with π^P = id: the lcm of the cycle lengths."""
    seen = np.zeros(len(destinations), dtype=bool)
    period = 1
    for start in range(len(destinations)):
        if seen[start]:
            continue
        length, p = 0, start
        while not seen[p]:
            seen[p] = True
            p = destinations[p]
            length += 1
        period = math.lcm(period, length)
    return period


def apply_cat_map(images: Tensor, times: int = 1) -> Tensor:
    """C^times applied to images [..., N, N] (negative ``times`` applies the inverse map)."""
    n = images.shape[-1]
    if images.shape[-2] != n:
        raise ValueError(f"the cat map needs square images, got {tuple(images.shape[-2:])}")
    destinations = torch.from_numpy(cat_map_destinations(n))
    source = torch.empty_like(destinations)
    source[destinations] = torch.arange(n * n)  # (C x)[q] = x[π⁻¹(q)]
    flat = images.reshape(*images.shape[:-2], n * n)
    index = torch.arange(n * n)
    step = source if times >= 0 else destinations
    for _ in range(abs(times)):
        index = index[step]
    return flat[..., index].reshape(images.shape)


class CatMapOperators:
    """Operators f(C) for the cat map C on N×N images, given f's values on the P-th roots of unity.

    ``roots`` [P] complex: ω^k. ``apply(values, x)``: values [..., P] (f(ω^k), real or complex with the conjugate
    symmetry of a real f), x [..., N*N] → f(C) x [..., N*N]. Leading dims of ``values`` broadcast against x's.
    """

    def __init__(self, n: int):
        self.n = n
        self.dim = n * n
        destinations = cat_map_destinations(n)
        self.period = permutation_period(destinations)
        source = np.empty_like(destinations)
        source[destinations] = np.arange(self.dim)
        orbit = np.empty((self.period, self.dim), dtype=np.int64)
        orbit[0] = np.arange(self.dim)
        for m in range(1, self.period):
            orbit[m] = source[orbit[m - 1]]  # (C^m x)[p] = x[orbit[m, p]]
        self.orbit_index = torch.from_numpy(orbit)
        self._orbit_flat = self.orbit_index.reshape(-1)
        self.fixed_points = torch.from_numpy((orbit == np.arange(self.dim)).sum(1)).double()  # tr(C^m)
        k = torch.arange(self.period, dtype=torch.float64)
        self.roots = torch.polar(torch.ones_like(k), 2 * math.pi * k / self.period)

    def coefficients(self, values: Tensor) -> Tensor:
        """[..., P] spectrum → real polynomial coefficients c_m [..., P]."""
        coefficients = torch.fft.fft(values.to(torch.complex128), dim=-1) / self.period
        return coefficients.real

    def orbit_stack(self, x: Tensor) -> Tensor:
        """[..., N*N] → [..., P, N*N]: the images C^m x, m = 0..P−1 (one gather)."""
        return x.index_select(-1, self._orbit_flat.to(x.device)).unflatten(-1, (self.period, self.dim))

    def apply(self, values: Tensor, x: Tensor) -> Tensor:
        return self.apply_many(values.unsqueeze(-2), x).squeeze(-2)

    def apply_many(self, values: Tensor, x: Tensor) -> Tensor:
        """K operators on the same images with one gather: values [..., K, P], x [..., N*N] → [..., K, N*N]."""
        c = self.coefficients(values).to(x.dtype).to(x.device)
        return c @ self.orbit_stack(x)

    def mean_eigenvalue(self, values: Tensor) -> Tensor:
        """tr f(C) / N² for each spectrum in ``values`` [..., P]."""
        return self.coefficients(values) @ self.fixed_points / self.dim

    def matrix(self) -> Tensor:
        """C as a dense [N², N²] matrix (tests and small checks only)."""
        eye = torch.eye(self.dim, dtype=torch.float64)
        return eye[self.orbit_index[1]]
