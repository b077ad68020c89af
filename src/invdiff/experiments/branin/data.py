"""The negative Branin function on its standard domain (section 4 of the learned-optimizer paper).

f(x1, x2) = -a (x2 - b x1^2 + c x1 - r)^2 - s (1 - t) cos(x1) - s,
a = 1, b = 5.1/(4 pi^2), c = 5/pi, r = 6, s = 10, t = 1/(8 pi); x1 in [-5, 10], x2 in [0, 15].
Three global maxima of value -5/(4 pi) at (-pi, 12.275), (pi, 2.275), (9.42478, 2.475).
"""
from __future__ import annotations

import math

import numpy as np
import torch

A, B, C, R, S, T = 1.0, 5.1 / (4 * math.pi**2), 5 / math.pi, 6.0, 10.0, 1 / (8 * math.pi)
LOWER = (-5.0, 0.0)
UPPER = (10.0, 15.0)
F_MAX = -5 / (4 * math.pi)
MAXIMA = ((-math.pi, 12.275), (math.pi, 2.275), (3 * math.pi, 2.475))


def negative_branin(x):
    """x [..., 2] (numpy or torch) -> f(x) [...]."""
    x1, x2 = x[..., 0], x[..., 1]
    cos = torch.cos if isinstance(x, torch.Tensor) else np.cos
    return -A * (x2 - B * x1**2 + C * x1 - R) ** 2 - S * (1 - T) * cos(x1) - S


# The minimum over the box sits at the corner (-5, 0) (checked against a dense grid in the tests).
F_MIN = float(negative_branin(np.array([-5.0, 0.0])))
F_RANGE = F_MAX - F_MIN


def sample_domain(n: int, generator: torch.Generator) -> torch.Tensor:
    """x ~ U([-5, 10] x [0, 15]), shape [n, 2]."""
    lo, hi = torch.tensor(LOWER), torch.tensor(UPPER)
    return lo + (hi - lo) * torch.rand(n, 2, generator=generator)


def make_dataset(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(x [n, 2], y = f(x) [n]): uniform inputs and their exact function values (synthetic by construction)."""
    x = sample_domain(n, torch.Generator().manual_seed(seed))
    return x, negative_branin(x)


def in_domain(x) -> np.ndarray:
    x = np.asarray(x)
    return np.all((x >= np.array(LOWER)) & (x <= np.array(UPPER)), axis=-1)
