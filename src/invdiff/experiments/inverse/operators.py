"""The image operators of the ``inverse`` experiment, on [B, C, H, W] images in [−1, 1]:

* ``denoise``: H = I;
* ``box``: a centred ``size`` × ``size`` square missing (inpainting);
* ``random``: a fraction ``missing`` of the pixels missing, the same pixels for every image (fixed ``seed``);
* ``blur``: a normalised ``kernel`` × ``kernel`` Gaussian of width ``width`` px, circular boundary (MNIST's
  border is black, so wrapping around changes nothing in the data and makes H diagonal in Fourier space);
* ``pool``: average pooling by ``factor`` (super-resolution ×factor).

Masks keep pixels (HHᵀ = I, H† = Hᵀ). Pooling averages disjoint blocks, so H diag(w) Hᵀ is diagonal and its
solve is exact. Blur is full rank but ill-conditioned: its Gram solve is an FFT division (conjugate gradients only for
per-pixel weights), and its H† is the Tikhonov one, Hᵀ(HHᵀ + δI)⁻¹ with δ = ``PINV_SHIFT`` (the exact inverse
amplifies the noise without bound).
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

from invdiff.posterior.operators import LinearOperator, SubsampleOperator

PINV_SHIFT = 1e-3
OPERATORS = ("denoise", "box", "random", "blur", "pool")


def identity(image_shape: tuple[int, ...]) -> SubsampleOperator:
    return SubsampleOperator(torch.arange(math.prod(image_shape)), image_shape)


def centre_box(image_shape: tuple[int, ...], size: int) -> SubsampleOperator:
    channels, height, width = image_shape
    if not 0 < size < min(height, width):
        raise ValueError(f"box size must be in (0, {min(height, width)}) for a {height}×{width} image, got {size}")
    missing = torch.zeros(channels, height, width, dtype=torch.bool)
    top, left = (height - size) // 2, (width - size) // 2
    missing[:, top:top + size, left:left + size] = True
    return SubsampleOperator(torch.nonzero(~missing.flatten()).flatten(), image_shape)


def random_pixels(image_shape: tuple[int, ...], missing: float, seed: int) -> SubsampleOperator:
    if not 0 < missing < 1:
        raise ValueError(f"the missing fraction must be in (0, 1), got {missing}")
    d = math.prod(image_shape)
    order = torch.randperm(d, generator=torch.Generator().manual_seed(seed))
    return SubsampleOperator(order[: d - round(missing * d)].sort().values, image_shape)


class GaussianBlur(LinearOperator):
    """Circular convolution with a normalised Gaussian: diagonal in the 2-D Fourier basis (the kernel's transform
    K̂ is real, the kernel being symmetric), so HHᵀ solves and H† are exact elementwise divisions."""

    def __init__(self, image_shape: tuple[int, ...], kernel: int, width: float):
        if kernel < 1 or kernel % 2 == 0 or not width > 0:
            raise ValueError(f"blur needs an odd kernel size >= 1 and a width > 0, got {kernel}, {width}")
        channels, height, width_px = image_shape
        if kernel > min(height, width_px):
            raise ValueError(f"blur kernel {kernel} is larger than the {height}×{width_px} image")
        offsets = torch.arange(kernel, dtype=torch.float64) - kernel // 2
        profile = torch.exp(-offsets**2 / (2 * width**2))
        weights = torch.outer(profile, profile)
        padded = torch.zeros(height, width_px, dtype=torch.float64)
        padded[:kernel, :kernel] = weights / weights.sum()
        padded = torch.roll(padded, (-(kernel // 2), -(kernel // 2)), dims=(0, 1))  # centre at pixel (0, 0)
        self.spectrum = torch.fft.rfft2(padded).real  # [H, W//2+1]; the imaginary part is round-off
        self.event_shape, self.output_dim = tuple(image_shape), math.prod(image_shape)

    def _filter(self, flat: Tensor, gain: Tensor) -> Tensor:
        images = flat.reshape(len(flat), *self.event_shape)
        out = torch.fft.irfft2(torch.fft.rfft2(images) * gain.to(images.dtype), s=self.event_shape[-2:])
        return out.to(flat.dtype)

    def forward(self, x: Tensor) -> Tensor:
        return self._filter(x, self.spectrum).reshape(len(x), -1)

    def adjoint(self, y: Tensor) -> Tensor:
        return self._filter(y, self.spectrum)  # a real symmetric kernel: Hᵀ = H

    def solve_gram(self, r, weight, shift, **kwargs):
        if torch.is_tensor(weight) and weight.numel() > 1:
            return super().solve_gram(r, weight, shift, **kwargs)  # per-pixel weights are not Fourier-diagonal
        shift = shift.reshape(-1, 1, 1, 1) if torch.is_tensor(shift) else shift
        return self._filter(r, 1 / (weight * self.spectrum**2 + shift)).reshape(len(r), -1)

    def pseudo_inverse(self, y: Tensor, **_) -> Tensor:
        return self._filter(y, self.spectrum / (self.spectrum**2 + PINV_SHIFT))


class AveragePool(LinearOperator):
    def __init__(self, image_shape: tuple[int, ...], factor: int):
        channels, height, width = image_shape
        if factor < 2 or height % factor or width % factor:
            raise ValueError(f"pool factor must be >= 2 and divide the {height}×{width} image, got {factor}")
        self.event_shape, self.factor = tuple(image_shape), factor
        self.output_dim = channels * (height // factor) * (width // factor)

    def forward(self, x: Tensor) -> Tensor:
        return F.avg_pool2d(x.reshape(len(x), *self.event_shape), self.factor).reshape(len(x), -1)

    def adjoint(self, y: Tensor) -> Tensor:
        channels, height, width = self.event_shape
        low = y.reshape(len(y), channels, height // self.factor, width // self.factor)
        return F.interpolate(low, scale_factor=self.factor, mode="nearest") / self.factor**2

    def solve_gram(self, r, weight, shift, **_):
        # (H diag(w) Hᵀ)_jj = Σ_{i in block j} w_i / k⁴ = avgpool(w)_j / k²
        if torch.is_tensor(weight):
            diagonal = self.forward(weight.expand(len(r), *self.event_shape)) / self.factor**2
        else:
            diagonal = weight / self.factor**2
        return r / (diagonal + shift)

    def pseudo_inverse(self, y, **_):
        return self.adjoint(y) * self.factor**2


def make_operator(name: str, image_shape: tuple[int, ...], **settings) -> LinearOperator:
    """The operator ``name`` (one of :data:`OPERATORS`) with its settings (see the module docstring)."""
    builders = {
        "denoise": lambda: identity(image_shape),
        "box": lambda size=12: centre_box(image_shape, size),
        "random": lambda missing=0.7, seed=0: random_pixels(image_shape, missing, seed),
        "blur": lambda kernel=9, width=2.0: GaussianBlur(image_shape, kernel, width),
        "pool": lambda factor=2: AveragePool(image_shape, factor),
    }
    if name not in builders:
        raise ValueError(f"unknown operator {name!r}; choose one of {', '.join(OPERATORS)}")
    try:
        return builders[name](**settings)
    except TypeError as error:
        raise ValueError(f"operator {name!r}: {error}") from None
