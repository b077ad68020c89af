"""The pose forward model f(x): 6D joint rotations -> BODY_25 keypoints in pixels.

The one implementation that preprocessing, metrics, baselines and the CLI share:
``x6d (..., 144) -> rotation matrices -> SMPL (smplx buffers, betas = 0) -> BODY_25 -> camera``.
Batched over any leading dims, differentiable, and a plain ``nn.Module`` so ``.to(device)`` moves it.
"""
from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from invdiff.config import CameraConfig
from invdiff.data.body_model import MODEL_DIR, BodyKeypoints, body_model_info, load_body_model
from invdiff.data.camera import Camera
from invdiff.data.rotations import rotation_6d_to_matrix
from invdiff.data.skeleton import NUM_SMPL_JOINTS

POSE_DIM = 6 * NUM_SMPL_JOINTS


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

    def joints_and_body25(self, x6d: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(..., 144) -> SMPL joints (..., 24, 3) and BODY_25 points (..., 25, 3), metres, Z-up world."""
        lead = x6d.shape[:-1]
        rotmats = self.rotations(x6d).reshape(-1, NUM_SMPL_JOINTS, 3, 3)
        joints, body25 = self.body(rotmats)
        return joints.reshape(*lead, NUM_SMPL_JOINTS, 3), body25.reshape(*lead, -1, 3)

    def joints3d(self, x6d: torch.Tensor) -> torch.Tensor:
        return self.joints_and_body25(x6d)[0]

    def forward(self, x6d: torch.Tensor) -> torch.Tensor:
        """(..., 144) -> BODY_25 keypoints (..., 25, 2) in pixels."""
        return self.camera.project(self.joints_and_body25(x6d)[1])


def load_forward_model(camera_cfg: CameraConfig, model_dir: str | Path = MODEL_DIR) -> PoseForwardModel:
    info = body_model_info(model_dir)
    body = BodyKeypoints(load_body_model(info.path))
    return PoseForwardModel(body, camera_cfg, info.data_source)


def keypoints_to_unit(keypoints_px: torch.Tensor, image_size: int) -> torch.Tensor:
    """Pixels -> [-1, 1] (what networks see)."""
    return keypoints_px / (image_size / 2) - 1


def keypoints_to_pixels(keypoints_unit: torch.Tensor, image_size: int) -> torch.Tensor:
    return (keypoints_unit + 1) * (image_size / 2)
