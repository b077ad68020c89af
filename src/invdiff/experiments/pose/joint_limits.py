"""Anatomical plausibility: which joints of a pose fall outside :data:`.data.skeleton.JOINT_LIMITS_DEG`."""
from __future__ import annotations

import math

import torch

from invdiff.experiments.pose.data.rotations import matrix_to_euler
from invdiff.experiments.pose.data.skeleton import JOINT_LIMITS_DEG

LIMITED_JOINTS = tuple(sorted(JOINT_LIMITS_DEG))  # every joint but the free root


def joint_limit_violations(rotmats: torch.Tensor, tolerance_deg: float = 0.5) -> torch.Tensor:
    """(..., 24, 3, 3) local joint rotations -> (..., 23) bool, True where a joint leaves its limits."""
    out = []
    for joint in LIMITED_JOINTS:
        order, box = JOINT_LIMITS_DEG[joint]
        euler = matrix_to_euler(rotmats[..., joint, :, :], order)
        low = torch.tensor([math.radians(b[0] - tolerance_deg) for b in box], dtype=euler.dtype, device=euler.device)
        high = torch.tensor([math.radians(b[1] + tolerance_deg) for b in box], dtype=euler.dtype,
                            device=euler.device)
        out.append(((euler < low) | (euler > high)).any(-1))
    return torch.stack(out, dim=-1)


def joint_limit_violation(rotmats: torch.Tensor, tolerance_deg: float = 0.5) -> float:
    """Fraction of (pose, joint) pairs outside the limits."""
    return joint_limit_violations(rotmats, tolerance_deg).float().mean().item()
