"""Keypoints from any image framing, with joints missing, mapped into the frame the pose models were trained in.

The models were trained with one camera: the root (BODY_25 ``mid_hip``) projects to a fixed pixel ``p0`` and the
body stands at a fixed distance. A detector's keypoints come from another framing -- shifted, scaled (a person
nearer or farther), some joints missing. Under weak perspective that framing is ``user = a (c − p0) + r`` of the
canonical keypoints ``c``: scale ``a`` and the root's pixel ``r`` (the image stays upright).

* ``r`` is the input's mid-hip; when it is missing, where the root of the training poses that fit the present
  joints best (by a similarity each) lands, refined by analysis by synthesis: sample poses at a grid of candidate
  roots and keep the one whose samples reproduce the input best;
* ``a`` is read off the keypoints' shape. The models know one body (SMPL, betas = 0) at one distance, so the
  size of its image follows from its pose: a ridge regression, quadratic in the keypoints normalised for
  translation and scale, of the training keypoints' log size (:class:`SizeRegression`). On the re-framed
  validation inputs (eval_pose's ``val_reframed``): 0.42 % mean scale error against 1.16 % for the search it
  replaced (sampling at a grid of scales, keeping the one whose samples reproduce the input best). It matters: a
  1 % scale error costs the MLP 11-14 % MPJPE (``benchmarks/pose_reframing.py``);
* missing joints are filled with their conditional mean given the present ones under a Gaussian fitted to the
  training keypoints (4.2 px from the truth on the re-framed validation inputs, against 13.7 px for the mean of the
  8 training poses nearest on the present joints, the fill it replaced). A model trained with keypoint dropout is
  also told which joints are missing (its mask tokens) and ignores the filled values. Either way the mid-hip counts
  as present: the framing pins it to the canonical root.

Alignment is measured in the user's frame over the present joints only, and reported divided by ``a`` (pixels of
the training camera), the units of the validation split's numbers.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Callable

import torch
from torch import Tensor

from invdiff.experiments.pose.data.skeleton import BODY25_NAMES

MID_HIP = BODY25_NAMES.index("mid_hip")


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


def shape_and_size(keypoints: Tensor) -> tuple[Tensor, Tensor]:
    """Keypoints [N, 25, 2] -> (their shape: centred on the centroid and divided by the size, [N, 50]; log size: the
    root mean square distance from the centroid, [N]), in float64."""
    centred = keypoints.double() - keypoints.double().mean(1, keepdim=True)
    size = centred.pow(2).sum((-1, -2)).div(keypoints.shape[1]).sqrt().clamp(min=1e-9)
    return (centred / size[:, None, None]).flatten(1), size.log()


def quadratic_features(shape: Tensor) -> Tensor:
    """[N, D] -> [N, D + D(D+1)/2]: the entries and their pairwise products."""
    i, j = torch.triu_indices(shape.shape[1], shape.shape[1])
    return torch.cat([shape, shape[:, i] * shape[:, j]], 1)


@dataclass
class SizeRegression:
    """Ridge regression of log size on :func:`quadratic_features` of the shape; ``size`` predicts the size in the
    frame the regression was fitted in."""

    mean_features: Tensor
    mean_log_size: Tensor
    weights: Tensor

    @classmethod
    def fit(cls, keypoints: Tensor, ridge: float, chunk: int = 4096) -> "SizeRegression":
        """``ridge`` is relative: the penalty is ``ridge × len(keypoints)``. The Gram matrix is summed in chunks
        (the features of 20K poses would take a quarter of a GB at once)."""
        shape, log_size = shape_and_size(keypoints)
        starts = range(0, len(shape), chunk)
        mean_features = sum(quadratic_features(shape[s:s + chunk]).sum(0) for s in starts) / len(shape)
        gram = torch.zeros(len(mean_features), len(mean_features), dtype=torch.float64)
        moment = torch.zeros(len(mean_features), dtype=torch.float64)
        for s in starts:
            centred = quadratic_features(shape[s:s + chunk]) - mean_features
            gram += centred.T @ centred
            moment += centred.T @ (log_size[s:s + chunk] - log_size.mean())
        gram += ridge * len(shape) * torch.eye(len(gram), dtype=gram.dtype)
        return cls(mean_features, log_size.mean(), torch.linalg.solve(gram, moment))

    def size(self, keypoints: Tensor) -> Tensor:
        """The predicted size [N] of a body posed as ``keypoints`` [N, 25, 2] (only their shape is used)."""
        shape, _ = shape_and_size(keypoints)
        return (self.mean_log_size + (quadratic_features(shape) - self.mean_features) @ self.weights).exp()


@dataclass
class KeypointPrior:
    """The training keypoints (canonical pixels) [M, 25, 2]: a Gaussian over them to fill gaps with, the size
    regression that reads the scale off, and the nearest poses for a first framing."""

    keypoints: Tensor
    neighbours: int = 8
    # chosen on one seed of the re-framed validation inputs val_reframed scores (not a held-out split):
    # 1e-6 / 1e-7 / 1e-8 gave 0.53 / 0.43 / 0.40 % scale error and MPJPE 31.4 / 31.2 / 31.2 mm
    ridge: float = 1e-7

    def template(self) -> Tensor:
        return self.keypoints.mean(0).float()

    def origin(self) -> Tensor:
        """The canonical root pixel (the training mid-hip never moves)."""
        return self.template()[MID_HIP]

    @cached_property
    def gaussian(self) -> tuple[Tensor, Tensor]:
        flat = self.keypoints.double().flatten(1)
        return flat.mean(0), torch.cov(flat.T)

    @cached_property
    def sizes(self) -> SizeRegression:
        return SizeRegression.fit(self.keypoints, self.ridge)

    def impute(self, canonical: Tensor, present: Tensor) -> Tensor:
        """Missing joints <- their conditional mean given the present ones, μ_m + Σ_mp Σ_pp⁺ (y_p − μ_p); present
        joints unchanged. [N, 25, 2]."""
        mean, covariance = self.gaussian
        flat = canonical.double().flatten(1).clone()
        todo = torch.nonzero(~present.all(1)).flatten()
        if len(todo) == 0:
            return canonical.clone()
        masks, group = torch.unique(present[todo], dim=0, return_inverse=True)
        for g, seen in enumerate(masks):  # one gain per pattern of missing joints
            coordinates = seen.repeat_interleave(2)
            p, m = torch.nonzero(coordinates).flatten(), torch.nonzero(~coordinates).flatten()
            gain = covariance[m][:, p] @ torch.linalg.pinv(covariance[p][:, p], rtol=1e-10)
            rows = todo[group == g]
            flat[rows[:, None], m] = mean[m] + (flat[rows][:, p] - mean[p]) @ gain.T
        return flat.view_as(canonical).to(canonical.dtype)


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


def canonical_input(user: Tensor, present: Tensor, framing: Framing, prior: KeypointPrior) -> Tensor:
    """The input in the canonical frame [N, 25, 2], missing joints from :meth:`KeypointPrior.impute`."""
    canonical = prior.impute(framing.to_canonical(_zero_missing(user, present)), present)
    # the root is where the framing puts it, exactly: the training mid-hip never moves, and the models' keypoint
    # standardisation (std floored at a few pixels) turns any offset there into an input they never saw
    canonical[:, MID_HIP] = framing.origin
    return canonical


SampleFn = Callable[[Tensor, Tensor, int], Tensor]
"""(canonical keypoints [M, 25, 2], present [M, 25], samples per input K) -> the samples' canonical projections
[M, K, 25, 2]. A model trained with keypoint dropout draws from the present keypoints only; one that was not
ignores ``present`` and conditions on the filled keypoints."""


def with_root(present: Tensor) -> Tensor:
    """The keypoints a model is given: the present ones and the mid-hip, which the framing puts at the origin."""
    out = present.clone()
    out[:, MID_HIP] = True
    return out


def reproduction_error(projected: Tensor, target: Tensor, present: Tensor) -> Tensor:
    """Mean |projection − target| over the present joints [M, K] (canonical pixels)."""
    weight = present[:, None, :, None].to(projected.dtype)
    return ((projected - target[:, None]).abs() * weight).sum((-1, -2)) / (2 * weight.sum((-1, -2))).clamp(min=1)


def estimate_scale(user: Tensor, present: Tensor, prior: KeypointPrior, framing: Framing, rounds: int = 2) -> Framing:
    """The framing with the scale the size regression reads off the input's shape (filled where joints are
    missing; the fill depends on the framing, hence a few rounds)."""
    for _ in range(rounds):
        filled = framing.to_user(canonical_input(user, present, framing, prior))
        _, log_size = shape_and_size(filled)
        scale = (log_size.exp() / prior.sizes.size(filled)).to(framing.scale.dtype)
        framing = Framing(scale, framing.root, framing.origin)
    return framing


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


def frame(sample: SampleFn, user: Tensor, present: Tensor, prior: KeypointPrior,
          samples_per_candidate: int = 4) -> tuple[Tensor, Framing]:
    """Each input's framing, and the canonical keypoints to condition the final draw on [N, 25, 2], missing joints
    filled (pass :func:`with_root` of ``present`` as the keypoints it has: a model trained with keypoint dropout
    ignores the filled ones)."""
    framing = initial_framing(user, present, prior)
    framing = search_root(sample, user, present, prior, framing, 3.0, 3, samples_per_candidate)
    framing = estimate_scale(user, present, prior, framing)
    framing = search_root(sample, user, present, prior, framing, 1.0, 2, samples_per_candidate)
    framing = estimate_scale(user, present, prior, framing, rounds=1)
    return canonical_input(user, present, framing, prior), framing


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
