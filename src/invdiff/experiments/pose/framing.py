"""Keypoints from any image framing, with joints missing, mapped into the frame the pose models were trained in.

The models were trained with one camera: the root (BODY_25 ``mid_hip``) projects to a fixed pixel ``p0`` and the
body stands at a fixed distance. A detector's keypoints come from another framing -- shifted, scaled (a person
nearer or farther), some joints missing. Under weak perspective that framing is ``user = a (c − p0) + r`` of the
canonical keypoints ``c``: scale ``a`` and the root's pixel ``r`` (the image stays upright).

* ``r`` is the input's mid-hip; when it is missing, where the root of the training poses that fit the present
  joints best (by a similarity each) lands;
* ``a`` cannot be read off one view: a crouching child and a far adult project alike. It is found by analysis by
  synthesis: sample poses for the input canonicalised at a grid of scales around the mean-pose fit and keep the
  scale whose samples reproduce the input best (a body of fixed bone lengths explains its keypoints at one scale
  only; measured on the validation split, the true scale wins for 91 of 96 inputs on a ±25 % grid); the grid is
  centred on the average scale of the best-fitting training poses;
* a model trained with keypoint dropout is told which joints are missing (its mask tokens) and draws from the
  present ones alone; for one trained on complete keypoints, missing joints are filled from the training poses
  nearest on the present joints, then replaced by the samples' own projection of them for the final draw. Either
  way the mid-hip counts as present: the framing pins it to the canonical root.

Alignment is measured in the user's frame over the present joints only, and reported divided by ``a`` (pixels of
the training camera), the units of the validation split's numbers.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import Tensor

from invdiff.experiments.pose.data.skeleton import BODY25_NAMES

MID_HIP = BODY25_NAMES.index("mid_hip")
COARSE = torch.exp(torch.linspace(-0.12, 0.12, 7))  # ±13 % around the nearest training poses' scale, 4 % steps
FINE = torch.exp(torch.linspace(-0.02, 0.02, 5))    # then ±2 %, 1 % steps


@dataclass
class Framing:
    """``user = scale (canonical − origin) + root`` per input: scale [N], root [N, 2]; origin [2] is the canonical
    root pixel."""

    scale: Tensor
    root: Tensor
    origin: Tensor

    def to_user(self, canonical: Tensor) -> Tensor:
        """Canonical keypoints [N, ..., 25, 2] -> the user's pixels."""
        lead = (-1,) + (1,) * (canonical.dim() - 2)
        return (canonical - self.origin) * self.scale.view(*lead, 1) + self.root.view(*lead, 2)

    def to_canonical(self, user: Tensor) -> Tensor:
        lead = (-1,) + (1,) * (user.dim() - 2)
        return (user - self.root.view(*lead, 2)) / self.scale.view(*lead, 1) + self.origin

    def rescaled(self, factor: Tensor) -> "Framing":
        return Framing(self.scale * factor, self.root, self.origin)


@dataclass
class KeypointPrior:
    """The training keypoints (canonical pixels) [M, 25, 2]: their mean pose, and neighbours to fill gaps with."""

    keypoints: Tensor
    neighbours: int = 8

    def template(self) -> Tensor:
        return self.keypoints.mean(0).float()

    def origin(self) -> Tensor:
        """The canonical root pixel (the training mid-hip never moves)."""
        return self.template()[MID_HIP]

    def impute(self, canonical: Tensor, present: Tensor) -> Tensor:
        """Missing joints <- their mean over the training poses nearest on the present joints; present joints
        unchanged. [N, 25, 2]."""
        out = canonical.clone()
        bank = self.keypoints.to(canonical)
        for i in torch.nonzero(~present.all(1)).flatten().tolist():
            seen = present[i]
            distance = ((bank[:, seen] - canonical[i, seen]) ** 2).sum((-1, -2))
            nearest = distance.topk(self.neighbours, largest=False).indices
            out[i, ~seen] = bank[nearest][:, ~seen].mean(0)
        return out


def nearest_framings(user: Tensor, present: Tensor, bank: Tensor, neighbours: int) -> Framing:
    """Fit every training pose to each input by a least-squares similarity over its present joints
    (``user ≈ a · pose + b``) and average (a, where the pose's root lands) over the ``neighbours`` best fits."""
    origin = bank[0, MID_HIP]
    scales, roots = [], []
    for i in range(len(user)):
        seen = present[i]
        t = bank[:, seen]                                  # [M, P, 2]
        u = user[i, seen]                                  # [P, 2]
        dt, du = t - t.mean(1, keepdim=True), u - u.mean(0)
        cross, norm = (dt * du).sum((1, 2)), (dt * dt).sum((1, 2)).clamp(min=1e-12)
        residual = (du * du).sum() - cross ** 2 / norm
        best = residual.topk(neighbours, largest=False).indices
        a = cross[best] / norm[best]
        b = u.mean(0) - a[:, None] * t[best].mean(1)
        scales.append(a.mean())
        roots.append((a[:, None] * origin + b).mean(0))
    return Framing(torch.stack(scales), torch.stack(roots), origin)


def initial_framing(user: Tensor, present: Tensor, prior: KeypointPrior) -> Framing:
    """The training poses that fit the input best by a similarity give its scale and, when the input has no
    mid-hip, the root; an input's own mid-hip is its root."""
    framing = nearest_framings(user, present, prior.keypoints.to(user), prior.neighbours)
    root = torch.where(present[:, MID_HIP, None], user[:, MID_HIP], framing.root)
    return Framing(framing.scale, root, framing.origin)


def _zero_missing(user: Tensor, present: Tensor) -> Tensor:
    return torch.where(present[..., None], user, torch.zeros_like(user))


def canonical_input(user: Tensor, present: Tensor, framing: Framing, prior: KeypointPrior,
                    fill: Tensor | None = None) -> Tensor:
    """The input in the canonical frame [N, 25, 2]; missing joints from ``fill`` (canonical) or the nearest
    training poses."""
    canonical = framing.to_canonical(_zero_missing(user, present))
    canonical = torch.where(present[..., None], canonical, fill) if fill is not None else \
        prior.impute(canonical, present)
    # the root is where the framing puts it, exactly: the training mid-hip never moves, and the models' keypoint
    # standardisation (std floored at a few pixels) turns any offset there into an input they never saw
    canonical[:, MID_HIP] = framing.origin
    return canonical


SampleFn = Callable[[Tensor, Tensor, int], Tensor]
"""(canonical keypoints [M, 25, 2], present [M, 25], samples per input K) -> the samples' canonical projections
[M, K, 25, 2]. A model trained with keypoint dropout draws from the present keypoints only; one that was not
ignores ``present`` (its missing keypoints were filled in)."""


def with_root(present: Tensor) -> Tensor:
    """The keypoints a model is given: the present ones and the mid-hip, which the framing puts at the origin."""
    out = present.clone()
    out[:, MID_HIP] = True
    return out


def reproduction_error(projected: Tensor, target: Tensor, present: Tensor) -> Tensor:
    """Mean |projection − target| over the present joints [M, K] (canonical pixels)."""
    weight = present[:, None, :, None].to(projected.dtype)
    return ((projected - target[:, None]).abs() * weight).sum((-1, -2)) / (2 * weight.sum((-1, -2))).clamp(min=1)


def search_scale(sample: SampleFn, user: Tensor, present: Tensor, prior: KeypointPrior, framing: Framing,
                 factors: Tensor, samples_per_scale: int) -> Framing:
    """The framing, rescaled by the factor whose samples reproduce the input best (one batched draw)."""
    n, g = len(user), len(factors)
    scales = (framing.scale[:, None] * factors.to(user)[None]).reshape(-1)
    tiled = Framing(scales, framing.root.repeat_interleave(g, 0), framing.origin)
    users, mask = user.repeat_interleave(g, 0), present.repeat_interleave(g, 0)
    canonical = canonical_input(users, mask, tiled, prior)
    # errors in the user's units (canonical error x scale): comparable across candidate scales
    error = reproduction_error(sample(canonical, with_root(mask), samples_per_scale), canonical, mask).mean(1) * scales
    best = error.view(n, g).argmin(1)
    return framing.rescaled(factors.to(user)[best])


def search_root(sample: SampleFn, user: Tensor, present: Tensor, prior: KeypointPrior, framing: Framing,
                step: float, half_width: int, samples_per_offset: int) -> Framing:
    """For inputs without a mid-hip: the root moved on a (2 half_width + 1)² grid of ``step`` canonical pixels,
    kept where the samples reproduce the input best."""
    todo = torch.nonzero(~present[:, MID_HIP]).flatten()
    if len(todo) == 0:
        return framing
    ticks = torch.arange(-half_width, half_width + 1, dtype=user.dtype) * step
    offsets = torch.cartesian_prod(ticks, ticks)                                  # [G, 2]
    g = len(offsets)
    scale = framing.scale[todo].repeat_interleave(g)
    roots = framing.root[todo].repeat_interleave(g, 0) + offsets.repeat(len(todo), 1) * scale[:, None]
    tiled = Framing(scale, roots, framing.origin)
    users, mask = user[todo].repeat_interleave(g, 0), present[todo].repeat_interleave(g, 0)
    canonical = canonical_input(users, mask, tiled, prior)
    error = reproduction_error(sample(canonical, with_root(mask), samples_per_offset), canonical, mask).mean(1)
    best = error.view(len(todo), g).argmin(1)
    root = framing.root.clone()
    root[todo] = roots.view(len(todo), g, 2)[torch.arange(len(todo)), best]
    return Framing(framing.scale, root, framing.origin)


def frame(sample: SampleFn, user: Tensor, present: Tensor, prior: KeypointPrior, fill_missing: bool = True,
          samples_per_candidate: int = 4, fill_rounds: int = 1) -> tuple[Tensor, Framing]:
    """Each input's framing, and the canonical keypoints to condition the final draw on [N, 25, 2] (with
    :func:`with_root` of ``present`` as the keypoints it has). ``fill_missing``: the model was trained on complete
    keypoints only, so the missing ones are replaced by its samples' projection of them."""
    framing = initial_framing(user, present, prior)
    framing = search_root(sample, user, present, prior, framing, 3.0, 3, samples_per_candidate)
    framing = search_scale(sample, user, present, prior, framing, COARSE, samples_per_candidate)
    framing = search_root(sample, user, present, prior, framing, 1.0, 2, samples_per_candidate)
    framing = search_scale(sample, user, present, prior, framing, FINE, samples_per_candidate)
    canonical = canonical_input(user, present, framing, prior)
    for _ in range(fill_rounds if fill_missing and not present.all() else 0):
        # the missing joints where the model's own samples put them
        canonical = canonical_input(user, present, framing, prior,
                                    fill=sample(canonical, with_root(present), samples_per_candidate).mean(1))
    return canonical, framing


def identity(n: int, image_size: int) -> Framing:
    """The params camera's own frame (``--framing camera``)."""
    centre = torch.full((2,), image_size / 2)
    return Framing(torch.ones(n), centre.expand(n, 2).clone(), centre)


def outlying_joints(user: Tensor, predicted: Tensor, present: Tensor, scale: Tensor,
                    limit_px: float = 40.0) -> list[int]:
    """Present joints of one input [25, 2] farther than ``limit_px`` training-camera pixels from every sample's
    projection [K, 25, 2]: likely detector errors."""
    nearest = ((predicted - user).norm(dim=-1) / scale).min(0).values
    return [int(k) for k in torch.nonzero(present & (nearest > limit_px)).flatten()]


def masked_alignment(user: Tensor, predicted_user: Tensor, present: Tensor, framing: Framing,
                     image_size: int) -> Tensor:
    """Per sample [N, K]: mean |y − ŷ| over the present joints and both coordinates, in training-camera pixels
    (user pixels / scale) divided by the image size -- the validation metric's units."""
    error = reproduction_error(predicted_user, user, present) / framing.scale[:, None]
    return error / image_size
