"""The ``val_reframed`` row of eval_pose: the validation inputs as a detector in another image would report them.

Each input is re-framed at random -- its keypoints scaled by 0.6-1.4 about the image centre and shifted by up to
±100 px (a person nearer or farther, elsewhere in the picture) with 0-3 keypoints dropped -- then sampled through
:func:`.framing.frame` (the scale read off the keypoints' shape, a missing root found by analysis by synthesis,
missing joints filled by their Gaussian conditional mean and, for a model trained with keypoint dropout, masked)
with the architecture ``sample-pose`` uses by default, at its best validation w. Alignment is scored over the
present joints in training-camera pixels (user pixels / estimated scale), MPJPE root-aligned as always;
``ratio_<metric>`` is the paired ratio to the un-reframed ``val`` cell of the same seed, the number the framing
must keep near 1. ``refined_<metric>``: the same samples after ``pose.baselines.refine`` descent steps toward the
present keypoints in the estimated frame (compare with the ``cfg <arch> w=<w> + refine`` row of baselines_pose,
the un-reframed inputs).

The reference row ``linear_gaussian`` is the closed-form conditional given the *true* framing and only the present
keypoints (the missing ones marginalised exactly, :meth:`.reference.LinearGaussian.given`): its scores are the
bar a learned model must beat on these inputs, and its ratios what the missing keypoints alone cost the
closed-form model when the framing is known (a weaker model than the learned ones, so not a bound on them).
"""
from __future__ import annotations

import torch

from invdiff.experiments.pose import framing
from invdiff.experiments.pose.data.forward_model import PoseForwardModel
from invdiff.experiments.pose.joint_limits import joint_limit_violation
from invdiff.experiments.pose.metrics import diversity_mm, per_sample_mpjpe_mm
from invdiff.experiments.pose.reference import LinearGaussian
from invdiff.experiments.pose.refine import refine
from invdiff.experiments.pose.scoring import EvalInputs
from invdiff.experiments.pose.task import keypoint_sampler

SCALES = (0.6, 1.4)
REFINED_KEYS = ("pixel_alignment_error", "mpjpe_mm", "min_of_k_mpjpe_mm", "joint_limit_violation")
MAX_SHIFT_PX = 100.0
MAX_MISSING = 3


def reframe(keypoints: torch.Tensor, image_size: int, generator: torch.Generator):
    """Keypoints [N, 25, 2] in another framing: (user keypoints, present [N, 25], scale [N], shift [N, 2])."""
    n = len(keypoints)
    scale = SCALES[0] + (SCALES[1] - SCALES[0]) * torch.rand(n, generator=generator)
    centre = image_size / 2
    shift = (2 * torch.rand(n, 2, generator=generator) - 1) * MAX_SHIFT_PX + (1 - scale[:, None]) * centre
    user = keypoints * scale[:, None, None] + shift[:, None]
    present = torch.ones(n, keypoints.shape[1], dtype=torch.bool)
    for i in range(n):
        dropped = int(torch.randint(0, MAX_MISSING + 1, (1,), generator=generator))
        present[i, torch.randperm(keypoints.shape[1], generator=generator)[:dropped]] = False
    return user, present, scale, shift


def _row(forward: PoseForwardModel, inputs: EvalInputs, user, present, true_scale, frame, x6d) -> dict[str, float]:
    out = forward.pose(x6d)
    alignment = framing.masked_alignment(user, frame.to_user(out.keypoints), present, frame, forward.image_size)
    mpjpe = per_sample_mpjpe_mm(inputs.joints3d, out.joints)
    return {"pixel_alignment_error": alignment.mean().item(), "mpjpe_mm": mpjpe.mean().item(),
            "min_of_k_mpjpe_mm": mpjpe.min(dim=1).values.mean().item(), "diversity_mm": diversity_mm(out.joints),
            "joint_limit_violation": joint_limit_violation(out.rotations),
            "scale_error": (frame.scale / true_scale - 1).abs().mean().item(),
            "missing_keypoints": (~present).sum(1).float().mean().item()}


@torch.no_grad()
def score_reframed_reference(reference: LinearGaussian, forward: PoseForwardModel, inputs: EvalInputs, k: int,
                             generator: torch.Generator) -> dict[str, float]:
    """One seed of the reference row: the same re-framing draw, the true framing, missing keypoints marginalised."""
    size = forward.image_size
    user, present, true_scale, shift = reframe(inputs.keypoints, size, generator)
    centre = torch.full((2,), size / 2)
    truth = framing.Framing(true_scale, centre * true_scale[:, None] + shift, centre)  # user = a (c − centre) + root
    canonical = truth.to_canonical(torch.where(present[..., None], user, torch.zeros(1)))
    x6d = reference.sample_with_missing(canonical, present, k, generator)
    return _row(forward, inputs, user, present, true_scale, truth, x6d)


@torch.no_grad()
def score_reframed(module, forward: PoseForwardModel, inputs: EvalInputs, prior: framing.KeypointPrior, w: float,
                   k: int, sampler_cfg, generator: torch.Generator, batch_size: int,
                   refine_cfg=None) -> dict[str, float]:
    """One seed of the row: re-frame the inputs, frame and sample them, score; with ``refine_cfg`` also the same
    samples after :func:`.refine.refine` toward the present keypoints in the estimated frame (``refined_<key>``)."""
    size = forward.image_size
    user, present, true_scale, _ = reframe(inputs.keypoints, size, generator)

    draw = keypoint_sampler(module, w, sampler_cfg, generator, size, batch_size)
    canonical, frame = framing.frame(lambda c, p, num: forward(draw(c, p, num)), user, present, prior)
    x6d = draw(canonical, framing.with_root(present), k)
    row = _row(forward, inputs, user, present, true_scale, frame, x6d)
    if refine_cfg is not None:
        x6d = refine(forward, x6d, frame.to_canonical(user), present, refine_cfg.steps, refine_cfg.lr)
        after = _row(forward, inputs, user, present, true_scale, frame, x6d)
        row.update({f"refined_{key}": after[key] for key in REFINED_KEYS})
    return row
