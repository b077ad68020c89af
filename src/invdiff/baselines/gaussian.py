"""The closed-form reference of an image generator: a Gaussian N(μ, S) fitted to training pixels, sampled and
clipped to the pixel range. A trained generator that does not beat it has learned no more than second moments."""
from __future__ import annotations

import torch
from torch import Tensor


class GaussianImages:
    """Full-covariance Gaussian over flattened images; ``sample`` returns images shaped like the fitted ones."""

    def __init__(self, images: Tensor, clip: tuple[float, float] | None = (-1.0, 1.0)):
        flat = images.reshape(len(images), -1).double()
        if len(flat) < 2:
            raise ValueError(f"need at least 2 images to fit a Gaussian, got {len(flat)}")
        self.shape, self.clip = tuple(images.shape[1:]), clip
        self.mean = flat.mean(0)
        centred = flat - self.mean
        values, vectors = torch.linalg.eigh(centred.T @ centred / (len(flat) - 1))
        self.root = vectors * values.clamp_min(0).sqrt()  # S = root rootᵀ, PSD even where S is singular

    def sample(self, n: int, generator: torch.Generator) -> Tensor:
        z = torch.randn(n, self.root.shape[1], generator=generator, dtype=torch.float64)
        x = (self.mean + z @ self.root.T).float().reshape(n, *self.shape)
        return x.clamp(*self.clip) if self.clip is not None else x


class ClassGaussians:
    """One :class:`GaussianImages` per label: ``sample(labels)`` draws each image from its label's Gaussian."""

    def __init__(self, images: Tensor, labels: Tensor, clip: tuple[float, float] | None = (-1.0, 1.0)):
        self.by_label = {int(c): GaussianImages(images[labels == c], clip) for c in labels.unique()}

    def sample(self, labels: Tensor, generator: torch.Generator) -> Tensor:
        first = next(iter(self.by_label.values()))
        out = torch.empty(len(labels), *first.shape)
        for c, gaussian in self.by_label.items():
            where = labels == c
            if where.any():
                out[where] = gaussian.sample(int(where.sum()), generator)
        return out
