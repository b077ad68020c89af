"""Rotation conversions, batched over any leading dims, differentiable, device-agnostic.

One 6D convention (Zhou et al. 2019, "On the Continuity of Rotation Representations"): the first two
*columns* of R, ``x6d = concat(R[..., :, 0], R[..., :, 1])``; back to R by Gram–Schmidt. pytorch3d uses rows
and VPoser interleaves; never mix them with this one.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

_SMALL = 1e-6


def _skew(v: torch.Tensor) -> torch.Tensor:
    """(..., 3) -> (..., 3, 3) with skew(v) @ u = v x u."""
    zero = torch.zeros_like(v[..., 0])
    x, y, z = v.unbind(-1)
    return torch.stack([zero, -z, y, z, zero, -x, -y, x, zero], dim=-1).reshape(*v.shape[:-1], 3, 3)


def axis_angle_to_matrix(axis_angle: torch.Tensor) -> torch.Tensor:
    """Rodrigues: (..., 3) rotation vectors (radians) -> (..., 3, 3).

    Uses sin(θ)/θ and (1 − cos θ)/θ² with their Taylor series near 0, so the zero rotation has finite gradients.
    """
    theta2 = (axis_angle * axis_angle).sum(-1, keepdim=True)[..., None]
    small = theta2 < _SMALL
    theta2_safe = torch.where(small, torch.ones_like(theta2), theta2)
    theta = theta2_safe.sqrt()
    a = torch.where(small, 1 - theta2 / 6, torch.sin(theta) / theta)
    b = torch.where(small, 0.5 - theta2 / 24, (1 - torch.cos(theta)) / theta2_safe)
    k = _skew(axis_angle)
    eye = torch.eye(3, dtype=axis_angle.dtype, device=axis_angle.device)
    return eye + a * k + b * (k @ k)


def matrix_to_axis_angle(matrix: torch.Tensor) -> torch.Tensor:
    """(..., 3, 3) -> (..., 3) rotation vectors with angle in [0, π].

    Via the quaternion (Shepperd's method picks the best-conditioned component), so angles near π are exact.
    """
    quat = matrix_to_quaternion(matrix)
    quat = torch.where(quat[..., :1] < 0, -quat, quat)
    w, xyz = quat[..., :1], quat[..., 1:]
    sin_half = xyz.norm(dim=-1, keepdim=True)
    angle = 2 * torch.atan2(sin_half, w)
    small = sin_half < _SMALL
    scale = torch.where(small, 2 / w.clamp_min(_SMALL), angle / torch.where(small, torch.ones_like(sin_half), sin_half))
    return xyz * scale


def matrix_to_quaternion(matrix: torch.Tensor) -> torch.Tensor:
    """(..., 3, 3) -> (..., 4) unit quaternions (w, x, y, z), sign arbitrary."""
    m = matrix
    m00, m11, m22 = m[..., 0, 0], m[..., 1, 1], m[..., 2, 2]
    # four candidate 4·q_i·q; the one with the largest |q_i| is numerically stable
    candidates = torch.stack([
        torch.stack([1 + m00 + m11 + m22, m[..., 2, 1] - m[..., 1, 2], m[..., 0, 2] - m[..., 2, 0],
                     m[..., 1, 0] - m[..., 0, 1]], -1),
        torch.stack([m[..., 2, 1] - m[..., 1, 2], 1 + m00 - m11 - m22, m[..., 1, 0] + m[..., 0, 1],
                     m[..., 0, 2] + m[..., 2, 0]], -1),
        torch.stack([m[..., 0, 2] - m[..., 2, 0], m[..., 1, 0] + m[..., 0, 1], 1 - m00 + m11 - m22,
                     m[..., 2, 1] + m[..., 1, 2]], -1),
        torch.stack([m[..., 1, 0] - m[..., 0, 1], m[..., 0, 2] + m[..., 2, 0], m[..., 2, 1] + m[..., 1, 2],
                     1 - m00 - m11 + m22], -1),
    ], dim=-2)
    diag = torch.stack([1 + m00 + m11 + m22, 1 + m00 - m11 - m22, 1 - m00 + m11 - m22, 1 - m00 - m11 + m22], -1)
    best = diag.argmax(-1)
    chosen = torch.gather(candidates, -2, best[..., None, None].expand(*best.shape, 1, 4)).squeeze(-2)
    return F.normalize(chosen, dim=-1)


def matrix_to_rotation_6d(matrix: torch.Tensor) -> torch.Tensor:
    """(..., 3, 3) -> (..., 6): first column then second column."""
    return torch.cat([matrix[..., :, 0], matrix[..., :, 1]], dim=-1)


def rotation_6d_to_matrix(x6d: torch.Tensor) -> torch.Tensor:
    """(..., 6) -> (..., 3, 3) by Gram–Schmidt on the two columns; any non-degenerate input gives a rotation."""
    a1, a2 = x6d[..., :3], x6d[..., 3:]
    b1 = F.normalize(a1, dim=-1)
    b2 = F.normalize(a2 - (b1 * a2).sum(-1, keepdim=True) * b1, dim=-1)
    b3 = torch.cross(b1, b2, dim=-1)
    return torch.stack([b1, b2, b3], dim=-1)


def axis_angle_to_rotation_6d(axis_angle: torch.Tensor) -> torch.Tensor:
    return matrix_to_rotation_6d(axis_angle_to_matrix(axis_angle))


def rotation_6d_to_axis_angle(x6d: torch.Tensor) -> torch.Tensor:
    return matrix_to_axis_angle(rotation_6d_to_matrix(x6d))


def _axis_rotation(angle: torch.Tensor, axis: int) -> torch.Tensor:
    c, s = torch.cos(angle), torch.sin(angle)
    one, zero = torch.ones_like(angle), torch.zeros_like(angle)
    if axis == 0:
        rows = [one, zero, zero, zero, c, -s, zero, s, c]
    elif axis == 1:
        rows = [c, zero, s, zero, one, zero, -s, zero, c]
    else:
        rows = [c, -s, zero, s, c, zero, zero, zero, one]
    return torch.stack(rows, -1).reshape(*angle.shape, 3, 3)


_AXES = {"X": 0, "Y": 1, "Z": 2}


def _order(order: str) -> tuple[int, int, int]:
    letters = order.upper()
    if len(letters) != 3 or set(letters) != set(_AXES):
        raise ValueError(f"Euler order must be a permutation of 'XYZ' (Tait–Bryan), got {order!r}")
    return _AXES[letters[0]], _AXES[letters[1]], _AXES[letters[2]]


def euler_to_matrix(angles: torch.Tensor, order: str) -> torch.Tensor:
    """Intrinsic Euler angles (..., 3), radians -> R = R_i(a) R_j(b) R_k(c) for ``order = "ijk"``.

    Upper-case orders match scipy's intrinsic convention (``Rotation.from_euler("XZY", ...)``).
    """
    i, j, k = _order(order)
    return (_axis_rotation(angles[..., 0], i) @ _axis_rotation(angles[..., 1], j)
            @ _axis_rotation(angles[..., 2], k))


def matrix_to_euler(matrix: torch.Tensor, order: str) -> torch.Tensor:
    """Inverse of :func:`euler_to_matrix`, middle angle in [−π/2, π/2] (unique away from gimbal lock)."""
    i, j, k = _order(order)
    sign = 1.0 if (i, j, k) in ((0, 1, 2), (1, 2, 0), (2, 0, 1)) else -1.0
    middle = torch.asin((sign * matrix[..., i, k]).clamp(-1.0, 1.0))
    first = torch.atan2(-sign * matrix[..., j, k], matrix[..., k, k])
    last = torch.atan2(-sign * matrix[..., i, j], matrix[..., i, i])
    return torch.stack([first, middle, last], dim=-1)
