"""Level sets {x : f(x) = y*} of a 2-D function on a box: points on them, exact samples of p(x | f(x) = y*) for
x uniform on the box, and how well samples cover that conditional.

For x uniform on the box, the coarea formula gives the conditional on a level set the density ∝ 1 / |∇f(x)|
with respect to arc length: the set is crossed faster where f is steep, so fewer x land there. The level set is
extracted numerically (marching squares via contourpy on a fine grid); points are placed along it by their
cumulative measure (arc length, or arc length / |∇f|), then projected onto the exact level set by Newton steps
along the gradient.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import torch
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist

Function = Callable[[torch.Tensor], torch.Tensor]


def _newton_onto_level(f: Function, points: np.ndarray, level: float, iters: int = 8) -> np.ndarray:
    x = torch.as_tensor(points, dtype=torch.float64)
    for _ in range(iters):
        x = x.detach().requires_grad_(True)
        value = f(x)
        (grad,) = torch.autograd.grad(value.sum(), x)
        step = (value - level)[:, None] * grad / (grad * grad).sum(-1, keepdim=True).clamp_min(1e-12)
        x = x - step
    return x.detach().numpy()


def gradient_norm(f: Function, points: np.ndarray) -> np.ndarray:
    x = torch.as_tensor(points, dtype=torch.float64).requires_grad_(True)
    (grad,) = torch.autograd.grad(f(x).sum(), x)
    return grad.norm(dim=-1).numpy()


def _contour(f: Function, lower, upper, level: float, grid: int) -> list[np.ndarray]:
    import contourpy

    xs = np.linspace(lower[0], upper[0], grid)
    ys = np.linspace(lower[1], upper[1], grid)
    gx, gy = np.meshgrid(xs, ys)
    z = f(torch.as_tensor(np.stack([gx, gy], -1), dtype=torch.float64)).numpy()
    lines = [line for line in contourpy.contour_generator(xs, ys, z).lines(level) if len(line) >= 2]
    if not lines:
        raise ValueError(f"level {level} does not occur on the box {lower}..{upper} (f spans "
                         f"[{z.min():.4g}, {z.max():.4g}] there)")
    return lines


def _place(f: Function, lower, upper, level: float, quantiles: np.ndarray, conditional: bool,
           grid: int) -> np.ndarray:
    """Points at the given quantiles (in [0, 1)) of the level set's measure: arc length, or arc length / |∇f|."""
    segments = np.concatenate([np.stack([line[:-1], line[1:]], 1) for line in _contour(f, lower, upper, level,
                                                                                          grid)])
    measure = np.linalg.norm(segments[:, 1] - segments[:, 0], axis=-1)
    if conditional:
        measure = measure / np.maximum(gradient_norm(f, segments.mean(1)), 1e-12)
    cumulative = np.concatenate([[0.0], np.cumsum(measure)])
    position = quantiles * cumulative[-1]
    index = np.clip(np.searchsorted(cumulative, position, side="right") - 1, 0, len(segments) - 1)
    fraction = ((position - cumulative[index]) / np.maximum(measure[index], 1e-300))[:, None]
    points = segments[index, 0] + fraction * (segments[index, 1] - segments[index, 0])
    return np.clip(_newton_onto_level(f, points, level), lower, upper)


def _evenly(n: int) -> np.ndarray:
    return (np.arange(n) + 0.5) / n


def level_set_points(f: Function, lower, upper, level: float, n: int, grid: int = 801) -> np.ndarray:
    """``n`` points spread evenly by arc length over the level set of ``f`` inside the box: [n, 2].

    Raises ValueError if ``level`` does not occur on the box.
    """
    return _place(f, lower, upper, level, _evenly(n), conditional=False, grid=grid)


def conditional_points(f: Function, lower, upper, level: float, n: int, grid: int = 801) -> np.ndarray:
    """``n`` points at the evenly spaced quantiles of p(x | f(x) = level) for x uniform on the box: [n, 2]. The
    deterministic stand-in for the conditional that :func:`level_set_scores` compares samples with."""
    return _place(f, lower, upper, level, _evenly(n), conditional=True, grid=grid)


def exact_conditional_samples(f: Function, lower, upper, level: float, n: int, generator: torch.Generator,
                              grid: int = 801) -> np.ndarray:
    """``n`` independent exact samples of p(x | f(x) = level) for x uniform on the box: [n, 2]."""
    quantiles = torch.rand(n, generator=generator, dtype=torch.float64).numpy()
    return _place(f, lower, upper, level, quantiles, conditional=True, grid=grid)


def band_rejection_samples(f: Function, lower, upper, level: float, n: int, band: float,
                           generator: torch.Generator, batch: int = 1 << 18) -> np.ndarray:
    """x uniform on the box, kept when |f(x) − level| < ``band``: exact for p(x | |f − level| < band), which
    tends to p(x | f = level) as the band shrinks. An independent check of :func:`exact_conditional_samples`."""
    lo, hi = torch.tensor(lower, dtype=torch.float64), torch.tensor(upper, dtype=torch.float64)
    kept: list[torch.Tensor] = []
    count, tries = 0, 0
    while count < n:
        x = lo + (hi - lo) * torch.rand(batch, 2, generator=generator, dtype=torch.float64)
        hit = x[(f(x) - level).abs() < band]
        kept.append(hit)
        count += len(hit)
        tries += 1
        if tries > 1000 and count == 0:
            raise ValueError(f"no x with |f − {level}| < {band} in {tries * batch} uniform draws")
    return torch.cat(kept)[:n].numpy()


def wasserstein1(a: np.ndarray, b: np.ndarray) -> float:
    """Exact 1-Wasserstein distance between two equal-size uniform point clouds (optimal assignment)."""
    if len(a) != len(b):
        raise ValueError(f"wasserstein1 needs equal sizes, got {len(a)} and {len(b)}")
    cost = cdist(a, b)
    rows, cols = linear_sum_assignment(cost)
    return float(cost[rows, cols].mean())


def level_set_scores(samples: np.ndarray, f: Function, level: float, f_range: float, lower, upper,
                     reference: np.ndarray) -> dict[str, float]:
    """residual: mean |f(x) - y*| / range(f); in_domain: fraction inside the box; coverage: W1 to ``reference``.

    ``reference`` holds as many points as there are samples: :func:`conditional_points` for the conditional of x
    uniform on the box (what an exact sampler is scored against).
    """
    samples = np.asarray(samples, dtype=np.float64)
    finite = np.isfinite(samples).all(-1)
    values = f(torch.as_tensor(samples[finite])).numpy()
    inside = np.all((samples >= np.asarray(lower)) & (samples <= np.asarray(upper)), axis=-1)
    residual = np.abs(values - level).mean() / f_range if finite.any() else float("inf")
    coverage = wasserstein1(samples, reference) if finite.all() else float("inf")
    return {"residual": float(residual), "in_domain": float(inside.mean()), "coverage": coverage}
