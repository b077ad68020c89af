"""How well samples x cover an exact level set {x : f(x) = y*} of a 2-D function on a box.

The level set is extracted numerically: marching squares (contourpy) on a fine grid, resampled uniformly by arc
length, then each point is projected onto the exact level set by Newton steps along the gradient.
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


def level_set_points(f: Function, lower, upper, level: float, n: int, grid: int = 801) -> np.ndarray:
    """``n`` points spread uniformly by arc length over the level set of ``f`` inside the box: [n, 2].

    Raises ValueError if ``level`` does not occur on the box.
    """
    import contourpy

    xs = np.linspace(lower[0], upper[0], grid)
    ys = np.linspace(lower[1], upper[1], grid)
    gx, gy = np.meshgrid(xs, ys)
    z = f(torch.as_tensor(np.stack([gx, gy], -1), dtype=torch.float64)).numpy()
    lines = [line for line in contourpy.contour_generator(xs, ys, z).lines(level) if len(line) >= 2]
    if not lines:
        raise ValueError(f"level {level} does not occur on the box {lower}..{upper} (f spans "
                         f"[{z.min():.4g}, {z.max():.4g}] there)")
    seg_lengths = [np.linalg.norm(np.diff(line, axis=0), axis=1) for line in lines]
    offsets = np.cumsum([0.0] + [s.sum() for s in seg_lengths])
    positions = (np.arange(n) + 0.5) / n * offsets[-1]
    points = np.empty((n, 2))
    for k, pos in enumerate(positions):
        i = min(np.searchsorted(offsets, pos, side="right") - 1, len(lines) - 1)
        cum = np.concatenate([[0.0], np.cumsum(seg_lengths[i])])
        local = pos - offsets[i]
        j = min(np.searchsorted(cum, local, side="right") - 1, len(cum) - 2)
        frac = (local - cum[j]) / max(cum[j + 1] - cum[j], 1e-15)
        points[k] = lines[i][j] + frac * (lines[i][j + 1] - lines[i][j])
    refined = _newton_onto_level(f, points, level)
    return np.clip(refined, lower, upper)


def wasserstein1(a: np.ndarray, b: np.ndarray) -> float:
    """Exact 1-Wasserstein distance between two equal-size uniform point clouds (optimal assignment)."""
    if len(a) != len(b):
        raise ValueError(f"wasserstein1 needs equal sizes, got {len(a)} and {len(b)}")
    cost = cdist(a, b)
    rows, cols = linear_sum_assignment(cost)
    return float(cost[rows, cols].mean())


def level_set_scores(samples: np.ndarray, f: Function, level: float, f_range: float, lower, upper,
                     reference: np.ndarray) -> dict[str, float]:
    """residual: mean |f(x) - y*| / range(f); in_domain: fraction inside the box; coverage: W1 to the level set.

    ``reference`` holds as many level-set points as there are samples (see :func:`level_set_points`).
    """
    samples = np.asarray(samples, dtype=np.float64)
    finite = np.isfinite(samples).all(-1)
    values = f(torch.as_tensor(samples[finite])).numpy()
    inside = np.all((samples >= np.asarray(lower)) & (samples <= np.asarray(upper)), axis=-1)
    residual = np.abs(values - level).mean() / f_range if finite.any() else float("inf")
    coverage = wasserstein1(samples, reference) if finite.all() else float("inf")
    return {"residual": float(residual), "in_domain": float(inside.mean()), "coverage": coverage}
