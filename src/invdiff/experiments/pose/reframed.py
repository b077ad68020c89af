"""The ``val_reframed`` row of eval_pose: the validation inputs as a detector in another image would report them.

Each input is re-framed at random -- its keypoints scaled by 0.6-1.4 about the image centre and shifted by up to
±100 px (a person nearer or farther, elsewhere in the picture) with 0-3 keypoints dropped -- then sampled through
:func:`.framing.frame` (scale and root estimated by analysis by synthesis, missing joints filled) with each
architecture at its best validation w. Alignment is scored over the present joints in training-camera pixels
(user pixels / estimated scale), MPJPE root-aligned as always; ``ratio_<metric>`` is the paired ratio to the
un-reframed ``val`` cell of the same seed, the number the framing must keep near 1.
"""
from __future__ import annotations

import torch

from invdiff.experiments.pose import framing
from invdiff.experiments.pose.data.forward_model import PoseForwardModel, keypoints_to_unit
from invdiff.experiments.pose.joint_limits import joint_limit_violation
from invdiff.experiments.pose.metrics import diversity_mm, per_sample_mpjpe_mm
from invdiff.experiments.pose.scoring import EvalInputs
from invdiff.experiments.pose.task import sample_poses

SCALES = (0.6, 1.4)
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


@torch.no_grad()
def score_reframed(module, forward: PoseForwardModel, inputs: EvalInputs, prior: framing.KeypointPrior, w: float,
                   k: int, sampler_cfg, generator: torch.Generator, batch_size: int) -> dict[str, float]:
    """One seed of the row: re-frame the inputs, frame and sample them, score."""
    size = forward.image_size
    user, present, true_scale, _ = reframe(inputs.keypoints, size, generator)

    def project(canonical: torch.Tensor, num: int) -> torch.Tensor:
        x6d = sample_poses(module, keypoints_to_unit(canonical, size), num, w, sampler_cfg, generator,
                           batch_size=batch_size).samples
        return forward(x6d)

    canonical, frame = framing.frame(project, user, present, prior)
    x6d = sample_poses(module, keypoints_to_unit(canonical, size), k, w, sampler_cfg, generator,
                       batch_size=batch_size).samples
    out = forward.pose(x6d)
    alignment = framing.masked_alignment(user, frame.to_user(out.keypoints), present, frame, size)
    mpjpe = per_sample_mpjpe_mm(inputs.joints3d, out.joints)
    return {"pixel_alignment_error": alignment.mean().item(), "mpjpe_mm": mpjpe.mean().item(),
            "min_of_k_mpjpe_mm": mpjpe.min(dim=1).values.mean().item(), "diversity_mm": diversity_mm(out.joints),
            "joint_limit_violation": joint_limit_violation(out.rotations),
            "scale_error": (frame.scale / true_scale - 1).abs().mean().item(),
            "missing_keypoints": (~present).sum(1).float().mean().item()}
