"""Rotating MNIST (the IGO paper, Section 4.2): a real digit, rotated by a random start angle, turning by a fixed
random angle every step.

Sequence ``i`` shows digit ``d_i`` at angles ``θ0_i + t·Δ_i``, t = 0..T−1, with ``θ0 ~ U[−π/2, π/2]`` and
``Δ ~ U[−π/4, π/4]`` (the paper's ranges). A frame is the digit rotated about the image centre by bilinear
resampling (pixels outside the digit's image are 0), counter-clockwise for a positive angle as displayed (row 0 at
the top); rotations by multiples of π/2 land pixel centres on pixel centres, so they are exact.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F


def rotate(images: torch.Tensor, angles: torch.Tensor) -> torch.Tensor:
    """Images [N, H, W] (float) rotated counter-clockwise by ``angles`` [N] radians about their centres."""
    cos, sin = torch.cos(angles), torch.sin(angles)
    # grid_sample maps each output pixel to where it is read from: the inverse rotation. In (x right, y down)
    # coordinates a counter-clockwise turn on screen is a clockwise one in the maths convention.
    theta = torch.stack([torch.stack([cos, -sin, torch.zeros_like(cos)], -1),
                         torch.stack([sin, cos, torch.zeros_like(cos)], -1)], 1)
    grid = F.affine_grid(theta.to(images.dtype), [len(images), 1, *images.shape[1:]], align_corners=False)
    return F.grid_sample(images[:, None], grid, mode="bilinear", padding_mode="zeros", align_corners=False)[:, 0]


def make_sequences(digits: np.ndarray, n: int, steps: int, start_range: float, step_range: float,
                   rng: np.random.Generator) -> dict[str, np.ndarray]:
    """``n`` sequences of ``steps`` frames from ``digits`` (uint8 [M, 28, 28]): frames uint8 [n, steps, 28, 28]
    and what made them (digit index, start angle, angle per step)."""
    index = rng.integers(0, len(digits), size=n)
    start = rng.uniform(-start_range, start_range, size=n)
    step = rng.uniform(-step_range, step_range, size=n)
    images = torch.from_numpy(digits[index]).double()
    angles = torch.from_numpy(start[:, None] + step[:, None] * np.arange(steps)[None])      # [n, T]
    frames = rotate(images.repeat_interleave(steps, 0), angles.reshape(-1)).reshape(n, steps, *digits.shape[1:])
    return {"frames": frames.round().clamp(0, 255).to(torch.uint8).numpy(), "digit": index.astype(np.int64),
            "start_angle": start.astype(np.float32), "step_angle": step.astype(np.float32)}

