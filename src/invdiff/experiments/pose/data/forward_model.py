"""The pose forward model f(x): 6D joint rotations -> BODY_25 keypoints in pixels.

The one implementation that preprocessing, metrics, baselines and the CLI share:
``x6d (..., 144) -> rotation matrices -> SMPL (smplx buffers, betas = 0) -> BODY_25 -> camera``.
Batched over any leading dims, differentiable, and a plain ``nn.Module`` so ``.to(device)`` moves it.
:meth:`PoseForwardModel.pose` returns every intermediate a caller scores (rotations, joints, keypoints) from
one pass.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from invdiff.experiments.pose.data.body_model import BodyKeypoints, body_model_info, load_body_model
from invdiff.experiments.pose.data.camera import Camera
from invdiff.experiments.pose.data.config import CameraConfig
from invdiff.experiments.pose.data.rotations import rotation_6d_to_matrix
from invdiff.experiments.pose.data.skeleton import NUM_BODY25, NUM_SMPL_JOINTS

POSE_DIM = 6 * NUM_SMPL_JOINTS  # 144: the 6D representation of the 24 SMPL joint rotations


@dataclass
class PoseOutput:
    """Everything f computes on the way, for poses of shape (..., 144)."""

    rotations: torch.Tensor  # (..., 24, 3, 3) local joint rotations
    joints: torch.Tensor     # (..., 24, 3) SMPL joints, metres, Z-up world
    body25: torch.Tensor     # (..., 25, 3) BODY_25 points, metres
    keypoints: torch.Tensor  # (..., 25, 2) BODY_25 keypoints, pixels


class PoseForwardModel(nn.Module):
    def __init__(self, body: BodyKeypoints, camera_cfg: CameraConfig, data_source: str = "synthetic") -> None:
        super().__init__()
        self.body = body
        # the root joint is the one point every root rotation leaves in place: the body's fixed centre
        self.camera = Camera(camera_cfg, body.rest_joints[0].double())
        self.image_size = camera_cfg.image_size
        self.data_source = data_source

    def rotations(self, x6d: torch.Tensor) -> torch.Tensor:
        if x6d.shape[-1] != POSE_DIM:
            raise ValueError(f"expected poses (..., {POSE_DIM}) in 6D, got shape {tuple(x6d.shape)}")
        return rotation_6d_to_matrix(x6d.reshape(*x6d.shape[:-1], NUM_SMPL_JOINTS, 6))

    def pose(self, x6d: torch.Tensor) -> PoseOutput:
        """(..., 144) -> rotations, joints, BODY_25 points and their pixels, from one pass."""
        lead = x6d.shape[:-1]
        rotations = self.rotations(x6d)
        joints, body25 = self.body(rotations.reshape(-1, NUM_SMPL_JOINTS, 3, 3))
        body25 = body25.reshape(*lead, NUM_BODY25, 3)
        return PoseOutput(rotations, joints.reshape(*lead, NUM_SMPL_JOINTS, 3), body25, self.camera.project(body25))

    def joints_and_body25(self, x6d: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(..., 144) -> SMPL joints (..., 24, 3) and BODY_25 points (..., 25, 3), metres, Z-up world."""
        out = self.pose(x6d)
        return out.joints, out.body25

    def forward(self, x6d: torch.Tensor) -> torch.Tensor:
        """(..., 144) -> BODY_25 keypoints (..., 25, 2) in pixels."""
        return self.pose(x6d).keypoints


def load_forward_model(camera_cfg: CameraConfig, model_dir: str | Path | None = None) -> PoseForwardModel:
    """The forward model on the prepared body model (default: the project's ``data/raw/body_model``)."""
    info = body_model_info(model_dir)
    body = BodyKeypoints(load_body_model(info.path))
    return PoseForwardModel(body, camera_cfg, info.data_source)


def keypoints_to_unit(keypoints_px: torch.Tensor, image_size: int) -> torch.Tensor:
    """Pixels -> [-1, 1] (what networks see)."""
    return keypoints_px / (image_size / 2) - 1


def keypoints_to_pixels(keypoints_unit: torch.Tensor, image_size: int) -> torch.Tensor:
    return (keypoints_unit + 1) * (image_size / 2)
