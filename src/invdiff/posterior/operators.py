"""Linear forward operators ``H`` for ``y = H x + N(0, σ_y² I)``, matrix-free.

An operator maps a batch ``x`` [B, *event_shape] to ``y`` [B, d_y] (flat), and back with the adjoint. Every
posterior sampler needs only three things of it: ``forward`` (H), ``adjoint`` (Hᵀ) and ``solve_gram``, the solve
of (H diag(w) Hᵀ + s I) v = r that ΠGDM, TMPD and the likelihood's proximal step are made of. The base class solves
it by conjugate gradients (exact in at most d_y iterations); operators with a closed form override it.
"""
from __future__ import annotations

import math
from abc import ABC, abstractmethod

import torch
from torch import Tensor


class LinearOperator(ABC):
    """H: R^{event_shape} -> R^{d_y}. Subclasses set ``event_shape`` and ``output_dim`` and implement
    ``forward`` and ``adjoint``; the adjoint must be the exact transpose (checked in tests by ⟨Hx, y⟩ = ⟨x, Hᵀy⟩)."""

    event_shape: tuple[int, ...]
    output_dim: int

    @property
    def input_dim(self) -> int:
        return math.prod(self.event_shape)

    @abstractmethod
    def forward(self, x: Tensor) -> Tensor:
        """H x: [B, *event_shape] -> [B, d_y]."""

    @abstractmethod
    def adjoint(self, y: Tensor) -> Tensor:
        """Hᵀ y: [B, d_y] -> [B, *event_shape]."""

    def __call__(self, x: Tensor) -> Tensor:
        return self.forward(x)

    def solve_gram(self, r: Tensor, weight: Tensor | float, shift: Tensor | float, *, tol: float = 1e-10,
                   max_iter: int | None = None) -> Tensor:
        """v [B, d_y] with (H diag(weight) Hᵀ + shift I) v = r, per row; ``weight`` a scalar or [B, *event_shape]
        (≥ 0), ``shift`` a scalar or [B, 1] (> 0). Batched conjugate gradients (the system is SPD)."""
        apply = lambda v: self.forward(weight * self.adjoint(v)) + shift * v  # noqa: E731
        return conjugate_gradients(apply, r, tol=tol, max_iter=max_iter or self.output_dim + 10)

    def pseudo_inverse(self, y: Tensor, *, tol: float = 1e-10) -> Tensor:
        """H†y = Hᵀ(HHᵀ)⁻¹y, the minimum-norm x with Hx = y (H of full row rank); a tiny shift keeps CG stable."""
        return self.adjoint(self.solve_gram(y, 1.0, 1e-12 * (1 + y.abs().max()), tol=tol))


def conjugate_gradients(apply, rhs: Tensor, *, tol: float, max_iter: int) -> Tensor:
    """Solve A v = rhs row by row for an SPD ``apply`` ([B, n] -> [B, n]) that acts on each row separately."""
    v = torch.zeros_like(rhs)
    residual = rhs.clone()
    direction = residual.clone()
    rr = (residual * residual).sum(-1, keepdim=True)
    stop = tol**2 * (rhs * rhs).sum(-1, keepdim=True).clamp_min(torch.finfo(rhs.dtype).tiny)
    for _ in range(max_iter):
        if bool((rr <= stop).all()):
            break
        a_direction = apply(direction)
        curvature = (direction * a_direction).sum(-1, keepdim=True)
        step = torch.where(rr > stop, rr / curvature.clamp_min(torch.finfo(rhs.dtype).tiny), torch.zeros_like(rr))
        v = v + step * direction
        residual = residual - step * a_direction
        rr_next = (residual * residual).sum(-1, keepdim=True)
        direction = residual + (rr_next / rr.clamp_min(torch.finfo(rhs.dtype).tiny)) * direction
        rr = rr_next
    return v


class MatrixOperator(LinearOperator):
    """A dense H [d_y, d]: the operator of the exact Gaussian tests; solves are exact (Cholesky)."""

    def __init__(self, matrix: Tensor):
        if matrix.ndim != 2:
            raise ValueError(f"MatrixOperator needs a [d_y, d] matrix, got shape {tuple(matrix.shape)}")
        self.matrix = matrix
        self.output_dim, d = matrix.shape
        self.event_shape = (d,)

    def forward(self, x: Tensor) -> Tensor:
        return x.reshape(len(x), -1) @ self.matrix.T.to(x)

    def adjoint(self, y: Tensor) -> Tensor:
        return y @ self.matrix.to(y)

    def solve_gram(self, r, weight, shift, **_):
        h = self.matrix.to(r)
        w = torch.as_tensor(weight, dtype=r.dtype).reshape(-1, self.input_dim) if torch.is_tensor(weight) \
            else torch.full((1, self.input_dim), float(weight), dtype=r.dtype)
        s = torch.as_tensor(shift, dtype=r.dtype).reshape(-1, 1, 1)
        gram = (h[None] * w[:, None, :]) @ h.T[None] + s * torch.eye(self.output_dim, dtype=r.dtype)
        return torch.linalg.solve(gram.expand(len(r), -1, -1), r.unsqueeze(-1)).squeeze(-1)

    def pseudo_inverse(self, y, **_):
        return y @ torch.linalg.pinv(self.matrix.to(y)).T


class SubsampleOperator(LinearOperator):
    """Keeps the entries ``keep`` (flat indices) of x: inpainting, a box or random pixels missing. HHᵀ = I, so the
    Gram solve is a division and H† = Hᵀ."""

    def __init__(self, keep: Tensor, event_shape: tuple[int, ...]):
        keep = torch.as_tensor(keep, dtype=torch.long).flatten()
        d = math.prod(event_shape)
        if keep.numel() == 0 or int(keep.min()) < 0 or int(keep.max()) >= d or keep.unique().numel() != keep.numel():
            raise ValueError(f"SubsampleOperator needs distinct indices in [0, {d}), got {keep.numel()} of them")
        self.keep, self.event_shape, self.output_dim = keep, tuple(event_shape), keep.numel()

    def forward(self, x: Tensor) -> Tensor:
        return x.reshape(len(x), -1)[:, self.keep.to(x.device)]

    def adjoint(self, y: Tensor) -> Tensor:
        out = y.new_zeros(len(y), self.input_dim)
        out[:, self.keep.to(y.device)] = y
        return out.reshape(len(y), *self.event_shape)

    def solve_gram(self, r, weight, shift, **_):
        w = self.forward(weight.expand(len(r), *self.event_shape)) if torch.is_tensor(weight) else weight
        return r / (w + shift)

    def pseudo_inverse(self, y, **_):
        return self.adjoint(y)
