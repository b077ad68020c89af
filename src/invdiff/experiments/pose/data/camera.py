"""The fixed pinhole camera of the pose experiments: one ``project()`` used everywhere.

World frame: AMASS's Z-up world. The camera sits at ``centre + offset`` looking at ``centre`` with ``up``
pointing up in the image; pixel coordinates have u to the right and v downward, origin at the top-left
corner, principal point in the middle of an ``image_size``² image. Focal length from the vertical field of
view: ``f = (image_size / 2) / tan(fov / 2)`` (45° on 600 px gives 724.26 px).
"""
from __future__ import annotations

import math

import torch
from torch import nn

from invdiff.errors import ConfigError
from invdiff.experiments.pose.data.config import CameraConfig


def focal_length(image_size: int, fov_deg: float) -> float:
    return (image_size / 2) / math.tan(math.radians(fov_deg) / 2)


def look_at(position: torch.Tensor, target: torch.Tensor, up: torch.Tensor) -> torch.Tensor:
    """World-to-camera rotation (3, 3): rows are the camera's right, down and forward axes in world coordinates."""
    forward = target - position
    if forward.norm() < 1e-9:
        raise ConfigError("camera.offset: the camera cannot sit at the point it looks at")
    forward = forward / forward.norm()
    right = torch.linalg.cross(forward, up)
    if right.norm() < 1e-9:
        raise ConfigError("camera.up: parallel to the viewing direction; choose another up vector")
    right = right / right.norm()
    down = torch.linalg.cross(forward, right)
    return torch.stack([right, down, forward])


def look_at_centres(centres: torch.Tensor, cfg: CameraConfig) -> tuple[torch.Tensor, torch.Tensor]:
    """One camera per centre [N, 3], each at ``centre + cfg.offset`` looking at it: (rotations [N, 3, 3],
    positions [N, 3]), float64 (the training camera is one of them; the authors' evaluation fixes one per
    sequence)."""
    centres = centres.double()
    positions = centres + torch.tensor(cfg.offset, dtype=torch.float64)
    up = torch.tensor(cfg.up, dtype=torch.float64)
    rotations = torch.stack([look_at(p, c, up) for p, c in zip(positions, centres)])
    return rotations, positions


def to_cameras(points: torch.Tensor, rotations: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
    """(N, ..., 3) world points in the frame of camera n of ``rotations`` [N, 3, 3], ``positions`` [N, 3]."""
    lead = (1,) * (points.dim() - 2)
    rotation = rotations.to(points.dtype).reshape(len(rotations), *lead, 3, 3)
    return ((points - positions.to(points.dtype).reshape(len(positions), *lead, 3))[..., None, :] * rotation).sum(-1)


def pixels(cam: torch.Tensor, focal: float, image_size: int) -> torch.Tensor:
    """(..., 3) camera coordinates -> (..., 2) pixels (u, v) of the pinhole. Points behind it are not clipped."""
    return focal * cam[..., :2] / cam[..., 2:3] + image_size / 2


def project_with(points: torch.Tensor, rotations: torch.Tensor, positions: torch.Tensor, cfg: CameraConfig):
    """(N, ..., 3) world points seen by camera n of ``rotations`` [N, 3, 3], ``positions`` [N, 3] -> (N, ..., 2) px."""
    return pixels(to_cameras(points, rotations, positions), focal_length(cfg.image_size, cfg.fov_deg),
                  cfg.image_size)


class Camera(nn.Module):
    def __init__(self, cfg: CameraConfig, centre: torch.Tensor) -> None:
        super().__init__()
        rotations, positions = look_at_centres(torch.as_tensor(centre, dtype=torch.float64)[None], cfg)
        rotation, position = rotations[0], positions[0]
        self.image_size = cfg.image_size
        self.focal = focal_length(cfg.image_size, cfg.fov_deg)
        self.register_buffer("rotation", rotation.float())
        self.register_buffer("position", position.float())

    def to_camera(self, points: torch.Tensor) -> torch.Tensor:
        """(..., 3) world points -> (..., 3) camera coordinates (x right, y down, z depth), metres."""
        return (points - self.position.to(points.dtype)) @ self.rotation.to(points.dtype).T

    def project(self, points: torch.Tensor) -> torch.Tensor:
        """(..., 3) world points -> (..., 2) pixels (u, v). Points behind the camera are not clipped."""
        return pixels(self.to_camera(points), self.focal, self.image_size)
