"""``sample-pose --refine N``: N descent steps through the forward model on top of the learned samples.

A sample of the conditional model is a plausible pose that roughly fits its keypoints; a few Adam steps on the
misfit over the *present* keypoints (in the training camera's frame, where the framing put them) tighten the fit.
The steps start from the sample and are few, so the pose stays near what the model proposed -- early stopping is
the regulariser; the joint-limit violations before and after show what the fit cost in plausibility. The 6D
result is projected back onto rotations.
"""
from __future__ import annotations

import torch
from torch import Tensor

from invdiff.baselines import multi_start_descent
from invdiff.experiments.pose.data.forward_model import PoseForwardModel
from invdiff.experiments.pose.data.rotations import matrix_to_rotation_6d, rotation_6d_to_matrix


def refine(forward: PoseForwardModel, x6d: Tensor, target: Tensor, present: Tensor, steps: int,
           lr: float) -> Tensor:
    """Samples x6d [N, K, 144] for canonical keypoints ``target`` [N, 25, 2] with ``present`` [N, 25] -> x6d after
    ``steps`` Adam steps on Σ_present ‖(f(x) − y) / image_size‖²."""
    n, k, d = x6d.shape
    goal = target.repeat_interleave(k, 0)
    weight = present.repeat_interleave(k, 0)[..., None].to(x6d.dtype)

    def misfit(x: Tensor) -> Tensor:
        return (((forward(x) - goal) / forward.image_size) ** 2 * weight).sum((-1, -2))

    with torch.enable_grad():
        x, _ = multi_start_descent(misfit, x6d.reshape(n * k, d), steps, lr)
    rotations = rotation_6d_to_matrix(x.reshape(n * k, -1, 6))
    return matrix_to_rotation_6d(rotations).reshape(n, k, d)
