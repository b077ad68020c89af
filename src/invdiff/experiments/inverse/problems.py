"""The inverse problems of the experiment: y = H x + σ_y ε on [-1, 1] digits, one ``Problem`` per named operator,
and the splits of the digits (the tuning split is carved out of the training digits and trains nothing).

The learned optimizer sees an observation as an image-shaped condition [B, 3, 28, 28]: channel 0 is H†y (clamped
to ±``BACKPROJECTION_CLAMP``: the Tikhonov deblur amplifies noise), channel 1 the visibility HᵀH1 / max (the mask
of the inpainting operators, constant otherwise), channel 2 the operator's index (the network's "class").
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from invdiff.config import Params
from invdiff.errors import ConfigError
from invdiff.experiments.inverse.operators import make_operator
from invdiff.experiments.mnist import data as mnist
from invdiff.posterior.likelihood import GaussianLikelihood
from invdiff.posterior.operators import LinearOperator

IMAGE_SHAPE = (1, 28, 28)
BACKPROJECTION_CLAMP = 3.0


@dataclass(frozen=True)
class Problem:
    name: str
    index: int
    operator: LinearOperator
    sigma_y: float

    def observe(self, x: Tensor, generator: torch.Generator) -> Tensor:
        """y [B, d_y] = H x + σ_y ε."""
        clean = self.operator.forward(x)
        return clean + self.sigma_y * torch.randn(clean.shape, generator=generator, dtype=clean.dtype)

    def likelihood(self, y: Tensor) -> GaussianLikelihood:
        return GaussianLikelihood(self.operator, y, self.sigma_y)

    def back_project(self, y: Tensor) -> Tensor:
        """H†y [B, 1, 28, 28] (the reference row "H†y" clips it to the data range)."""
        return self.operator.pseudo_inverse(y).reshape(len(y), *IMAGE_SHAPE)

    def visibility(self) -> Tensor:
        seen = self.operator.adjoint(self.operator.forward(torch.ones(1, *IMAGE_SHAPE))).reshape(IMAGE_SHAPE)
        return seen / seen.max()

    def unobserved(self) -> Tensor:
        """[1, 28, 28] bool: the pixels calibration is scored on (the masked-out ones; all for non-mask operators)."""
        seen = self.visibility()
        return seen < 0.5 if bool((seen < 0.5).any()) and bool((seen == 1).any()) else torch.ones_like(seen, dtype=bool)

    def condition(self, y: Tensor) -> Tensor:
        """The learned optimizer's condition [B, 3, 28, 28] (module docstring)."""
        b = len(y)
        back = self.back_project(y).clamp(-BACKPROJECTION_CLAMP, BACKPROJECTION_CLAMP)
        seen = self.visibility().expand(b, *IMAGE_SHAPE)
        index = torch.full((b, *IMAGE_SHAPE), float(self.index))
        return torch.cat([back, seen, index], dim=1)


def problems(params: Params) -> list[Problem]:
    """One problem per entry of ``inverse.operators``, indexed in their order."""
    cfg = params.inverse
    out = []
    for index, (name, spec) in enumerate(cfg.operators.items()):
        try:
            op = make_operator(spec.kind, IMAGE_SHAPE, **spec.settings())
        except ValueError as error:
            raise ConfigError(f"inverse.operators.{name}: {error}") from None
        out.append(Problem(name, index, op, cfg.sigma_y))
    return out


def training_split(params: Params) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """{"train": ..., "tuning": ...}: the training digits split by a seeded permutation (``tuning_fraction``)."""
    images, labels = mnist.load_split("train")
    order = np.random.default_rng(params.seed).permutation(len(labels))
    n_tune = round(params.inverse.tuning_fraction * len(labels))
    tune, train = order[:n_tune], order[n_tune:]
    return {"train": (images[train], labels[train]), "tuning": (images[tune], labels[tune])}


def training_pairs(params: Params, generator: torch.Generator) -> tuple[Tensor, Tensor]:
    """(x [N·pairs, 1, 28, 28], condition [N·pairs, 3, 28, 28]): each training digit ``pairs_per_image`` times,
    each time under a uniformly drawn operator with fresh noise."""
    images, _ = training_split(params)["train"]
    x = mnist.to_model_space(images).repeat(params.inverse.pairs_per_image, 1, 1, 1)
    chosen = torch.randint(len(params.inverse.operators), (len(x),), generator=generator)
    cond = torch.empty(len(x), 3, *IMAGE_SHAPE[1:])
    for problem in problems(params):
        rows = torch.nonzero(chosen == problem.index).flatten()
        if len(rows):
            cond[rows] = problem.condition(problem.observe(x[rows], generator))
    return x, cond
