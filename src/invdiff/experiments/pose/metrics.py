"""Pose metrics over K samples per input.

Shapes: ``keypoints_true`` [N, 25, 2] and ``keypoints_pred`` [N, K, 25, 2] in pixels; ``joints_true``
[N, 24, 3] and ``joints_pred`` [N, K, 24, 3] in metres. Joints are root-aligned (pelvis subtracted) for MPJPE.
"""
from __future__ import annotations

import torch

from invdiff.experiments.pose.joint_limits import joint_limit_violation


def keypoint_abs_errors(keypoints_true: torch.Tensor, keypoints_pred: torch.Tensor, image_size: int) -> torch.Tensor:
    """|y − f(x̂)| / image_size for every coordinate: [N, K, 25, 2]."""
    return (keypoints_pred - keypoints_true[:, None]).abs() / image_size


def pixel_alignment_error(keypoints_true, keypoints_pred, image_size: int) -> float:
    """The paper's metric: mean over samples, keypoints and both coordinates of |y − f(x̂)| / image_size."""
    return keypoint_abs_errors(keypoints_true, keypoints_pred, image_size).mean().item()


def trimmed_mean(values: torch.Tensor, keep: float = 0.98) -> float:
    """Mean of the lowest ``keep`` fraction of ``values`` (the authors' robust alignment error)."""
    flat = values.flatten().sort().values
    count = max(1, int(round(keep * flat.numel())))
    return flat[:count].mean().item()


def root_aligned(joints: torch.Tensor) -> torch.Tensor:
    return joints - joints[..., :1, :]


def per_sample_mpjpe_mm(joints_true: torch.Tensor, joints_pred: torch.Tensor) -> torch.Tensor:
    """[N, K]: mean joint distance (mm) of each sample to its input's ground truth, root-aligned."""
    diff = root_aligned(joints_pred) - root_aligned(joints_true)[:, None]
    return 1000 * diff.norm(dim=-1).mean(-1)


def diversity_mm(joints_pred: torch.Tensor) -> float:
    """Mean pairwise MPJPE (mm) between the K samples of an input, averaged over inputs (K >= 2)."""
    aligned = root_aligned(joints_pred)
    k = aligned.shape[1]
    if k < 2:
        raise ValueError("diversity needs at least two samples per input")
    pair = (aligned[:, :, None] - aligned[:, None, :]).norm(dim=-1).mean(-1)  # [N, K, K]
    return (1000 * pair.sum((1, 2)) / (k * (k - 1))).mean().item()


def pose_metrics(keypoints_true, keypoints_pred, joints_true, joints_pred, rotmats_pred,
                 image_size: int) -> dict[str, float]:
    """Every metric of eval_pose for one (protocol, method, w) cell."""
    errors = keypoint_abs_errors(keypoints_true, keypoints_pred, image_size)
    mpjpe = per_sample_mpjpe_mm(joints_true, joints_pred)
    per_input = errors.mean((1, 2, 3))
    return {
        "pixel_alignment_error": errors.mean().item(),
        "pixel_alignment_error_p95": torch.quantile(per_input, 0.95).item(),
        "pixel_alignment_error_trim98": trimmed_mean(errors, 0.98),
        "mpjpe_mm": mpjpe.mean().item(),
        "min_of_k_mpjpe_mm": mpjpe.min(dim=1).values.mean().item(),
        "diversity_mm": diversity_mm(joints_pred),
        "joint_limit_violation": joint_limit_violation(rotmats_pred),
    }


METRIC_KEYS = ("pixel_alignment_error", "pixel_alignment_error_p95", "pixel_alignment_error_trim98", "mpjpe_mm",
               "min_of_k_mpjpe_mm", "diversity_mm", "joint_limit_violation")
