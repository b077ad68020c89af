"""A synthetic stand-in for AMASS, written in AMASS's own file format (``<Subset>/<subject>/<seq>_poses.npz``).

Sequences come from :mod:`.motion_families` with per-sequence style, small smooth noise on every joint, a uniformly
random heading, and every joint clipped to :data:`.skeleton.JOINT_LIMITS_DEG`.
Train, val and test are separate subsets of disjoint sequences and subjects. Deterministic given the seed.
Labelled ``synthetic`` wherever it is used.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from invdiff.experiments.pose.data.config import SyntheticMotionConfig
from invdiff.experiments.pose.data.motion_families import FAMILIES, Motion
from invdiff.experiments.pose.data.rotations import axis_angle_to_matrix, euler_to_matrix, matrix_to_axis_angle
from invdiff.experiments.pose.data.skeleton import JOINT_LIMITS_DEG, NUM_SMPL_JOINTS

SUBSETS = {"train": "Synthetic_train", "val": "Synthetic_val", "test": "Synthetic_test"}
SEQUENCES_PER_SUBJECT = 5
STANDING_TRANS_Z = 1.17  # pelvis-joint height above the soles of SMPL's rest pose, metres
_NOISE_DEG = {3: 2, 6: 2, 9: 2, 12: 4, 15: 4, 13: 2, 14: 2, 16: 5, 17: 5, 18: 5, 19: 5, 20: 8, 21: 8,
              1: 3, 2: 3, 4: 3, 5: 3, 7: 3, 8: 3, 10: 3, 11: 3}
_LIMIT_MARGIN_DEG = 1.0


def _smooth_noise(t: np.ndarray, rng: np.random.Generator, amplitude: float) -> np.ndarray:
    """(T, 3) sums of two slow sinusoids per axis: posture wobble, not jitter."""
    freqs = rng.uniform(0.1, 0.8, size=(2, 3))
    phases = rng.uniform(0, 2 * np.pi, size=(2, 3))
    amps = amplitude * rng.uniform(0.5, 1.0, size=(2, 3))
    return (amps * np.sin(2 * np.pi * freqs * t[:, None, None] + phases)).sum(axis=1)


def body_axis_angles(motion: Motion, t: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(T, 24, 3) axis-angle for joints 1..23 (the root is filled by :func:`root_axis_angle`)."""
    poses = np.zeros((motion.frames, NUM_SMPL_JOINTS, 3))
    for joint, (order, box) in JOINT_LIMITS_DEG.items():
        if joint in (22, 23):
            continue  # SMPL hands stay identity, as in AMASS-derived SMPL poses
        axes = motion.axes[joint] + _smooth_noise(t, rng, _NOISE_DEG.get(joint, 0))
        euler = np.stack([axes[:, "XYZ".index(a)] for a in order], axis=-1)
        low = np.array([b[0] for b in box]) + _LIMIT_MARGIN_DEG
        high = np.array([b[1] for b in box]) - _LIMIT_MARGIN_DEG
        euler = np.clip(euler, low, high)
        matrices = euler_to_matrix(torch.from_numpy(np.radians(euler)), order)
        poses[:, joint] = matrix_to_axis_angle(matrices).numpy()
    return poses


def root_axis_angle(motion: Motion, t: np.ndarray, heading_deg: float, rng: np.random.Generator) -> np.ndarray:
    """(T, 3): heading about world Z, SMPL's Y-up carried to Z-up, then the body's own lean and sway."""
    frames = motion.frames
    heading = torch.from_numpy(np.radians(heading_deg + motion.yaw))
    zeros = torch.zeros(frames, dtype=torch.float64)
    yaw = euler_to_matrix(torch.stack([zeros, zeros, heading], -1), "XYZ")
    y_up_to_z_up = euler_to_matrix(torch.tensor([np.pi / 2, 0.0, 0.0], dtype=torch.float64), "XYZ")
    roll = rng.uniform(-3, 3) + 2 * np.sin(2 * np.pi * rng.uniform(0.1, 0.4) * t)
    lean = torch.from_numpy(np.radians(np.stack([motion.pitch, zeros.numpy(), roll], -1)))
    matrices = yaw @ y_up_to_z_up @ euler_to_matrix(lean, "XYZ")
    return matrix_to_axis_angle(matrices).numpy()


def translation(motion: Motion, root_aa: np.ndarray, fps: float) -> np.ndarray:
    """Root translation for the file: forward at the motion's speed along the heading (not used downstream)."""
    forward = (axis_angle_to_matrix(torch.from_numpy(root_aa)) @ torch.tensor([0.0, 0.0, 1.0], dtype=torch.float64))
    forward = forward.numpy()
    forward[:, 2] = 0.0
    forward /= np.maximum(np.linalg.norm(forward, axis=1, keepdims=True), 1e-9)
    trans = np.cumsum(forward * motion.speed / fps, axis=0)
    trans[:, 2] = STANDING_TRANS_Z
    return trans


def generate_sequence(family: str, seconds: float, fps: float, rng: np.random.Generator) -> dict:
    """One sequence as the arrays of an AMASS SMPL+H ``*_poses.npz``."""
    frames = max(2, int(round(seconds * fps)))
    t = np.arange(frames) / fps
    speed, amp, phase = rng.uniform(0.8, 1.25), rng.uniform(0.7, 1.2), rng.uniform(0, 2 * np.pi)
    motion = FAMILIES[family](t, rng, speed, amp, phase)
    poses = body_axis_angles(motion, t, rng)
    poses[:, 0] = root_axis_angle(motion, t, rng.uniform(0, 360), rng)
    smplh = np.zeros((frames, 156))
    smplh[:, :66] = poses[:, :22].reshape(frames, -1)
    return {
        "poses": smplh.astype(np.float32),
        "trans": translation(motion, poses[:, 0], fps).astype(np.float32),
        "betas": np.zeros(16, dtype=np.float32),
        "gender": np.array("neutral"),
        "mocap_framerate": np.array(fps),
    }


def write_synthetic_amass(root: str | Path, cfg: SyntheticMotionConfig, seed: int) -> dict[str, str]:
    """Write every split's sequences under ``root``; returns ``{subset: split}``."""
    root = Path(root)
    families = sorted(FAMILIES)
    for split_index, (split, subset) in enumerate(SUBSETS.items()):
        count = getattr(cfg.sequences, split)
        for i in range(count):
            rng = np.random.default_rng([seed, split_index, i])
            family = families[i % len(families)]  # every split sees every family
            subject = f"subject_{i // SEQUENCES_PER_SUBJECT:03d}"
            seconds = rng.uniform(*cfg.seconds)
            arrays = generate_sequence(family, seconds, cfg.fps, rng)
            path = root / subset / subject / f"{family}_{i:04d}_poses.npz"
            path.parent.mkdir(parents=True, exist_ok=True)
            np.savez(path, **arrays)
    return {subset: split for split, subset in SUBSETS.items()}
