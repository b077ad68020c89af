"""Keypoint and skeleton drawing: BODY_25 over the image frame, and SMPL joints in 3D (Z-up)."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from invdiff.experiments.pose.data.skeleton import (
    BODY25_BONES,
    BODY25_LEFT,
    BODY25_RIGHT,
    SMPL_JOINT_NAMES,
    SMPL_PARENTS,
)

LEFT_COLOUR, RIGHT_COLOUR, CENTRE_COLOUR = "tab:blue", "tab:red", "0.3"


def _side_colour(names_or_indices: tuple, left, right) -> str:
    if all(i in left for i in names_or_indices):
        return LEFT_COLOUR
    if all(i in right for i in names_or_indices):
        return RIGHT_COLOUR
    return CENTRE_COLOUR


def draw_keypoints(ax, keypoints: np.ndarray, image_size: int, colour: str | None = None, alpha: float = 1.0,
                   label: str | None = None, frame: bool = True) -> None:
    """BODY_25 keypoints (25, 2) in pixels; v grows downward like an image."""
    for a, b in BODY25_BONES:
        c = colour or _side_colour((a, b), BODY25_LEFT, BODY25_RIGHT)
        ax.plot(keypoints[[a, b], 0], keypoints[[a, b], 1], color=c, lw=1.5, alpha=alpha)
    ax.scatter(keypoints[:, 0], keypoints[:, 1], s=6, color=colour or "k", alpha=alpha, zorder=3, label=label)
    if frame:
        ax.set_xlim(0, image_size)
        ax.set_ylim(image_size, 0)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])


_LEFT_JOINTS = {i for i, n in enumerate(SMPL_JOINT_NAMES) if n.startswith("left")}
_RIGHT_JOINTS = {i for i, n in enumerate(SMPL_JOINT_NAMES) if n.startswith("right")}


def draw_skeleton_3d(ax, joints: np.ndarray, colour: str | None = None, alpha: float = 1.0,
                     centre: np.ndarray | None = None, radius: float = 1.0, labelled: bool = False) -> None:
    """SMPL joints (24, 3), metres, Z-up world, on a 3D axis with equal scale around ``centre``; ``labelled``: axes
    named with metre ticks relative to the centre (else bare)."""
    for child, parent in enumerate(SMPL_PARENTS):
        if parent < 0:
            continue
        c = colour or _side_colour((child,), _LEFT_JOINTS, _RIGHT_JOINTS)
        ax.plot(*joints[[parent, child]].T, color=c, lw=1.5, alpha=alpha)
    centre = joints[0] if centre is None else centre
    for setter, k in ((ax.set_xlim, 0), (ax.set_ylim, 1), (ax.set_zlim, 2)):
        setter(centre[k] - radius, centre[k] + radius)
    ax.set_box_aspect((1, 1, 1))
    if not labelled:
        ax.set_xticklabels([])
        ax.set_yticklabels([])
        ax.set_zticklabels([])
        return
    ticks = np.array([-1.0, 0.0, 1.0]) * radius
    for axis, name, k in ((ax.xaxis, "x (m)", 0), (ax.yaxis, "y (m)", 1), (ax.zaxis, "z up (m)", 2)):
        axis.set_ticks(centre[k] + ticks)
        axis.set_ticklabels([f"{t:+.0f}" if t else "0" for t in ticks], fontsize=6)
        axis.set_label_text(name, fontsize=6)
        axis.labelpad = -8


def data_frames_figure(keypoints: np.ndarray, joints: np.ndarray, titles: list[str], image_size: int,
                       camera_position: np.ndarray, suptitle: str):
    """Top row: keypoints as the camera sees them; bottom: the 3D skeleton seen from the camera's side."""
    cols = len(keypoints)
    fig = plt.figure(figsize=(2.6 * cols, 5.6))
    for i in range(cols):
        ax = fig.add_subplot(2, cols, i + 1)
        draw_keypoints(ax, keypoints[i], image_size)
        ax.set_title(titles[i], fontsize=8)
        ax3 = fig.add_subplot(2, cols, cols + i + 1, projection="3d")
        draw_skeleton_3d(ax3, joints[i])
        direction = camera_position - joints[i][0]
        ax3.view_init(elev=np.degrees(np.arctan2(direction[2], np.hypot(*direction[:2]))),
                      azim=np.degrees(np.arctan2(direction[1], direction[0])))
    fig.suptitle(suptitle, fontsize=9)
    fig.tight_layout()
    return fig


def keypoint_density_figure(keypoints: np.ndarray, image_size: int, title: str):
    """Where the keypoints of a split fall in the image (log density); the frame must contain the body."""
    fig, ax = plt.subplots(figsize=(4, 4))
    flat = keypoints.reshape(-1, 2)
    ax.hist2d(flat[:, 0], flat[:, 1], bins=60, range=[[0, image_size], [0, image_size]], cmap="magma",
              norm="log")
    ax.set_xlim(0, image_size)
    ax.set_ylim(image_size, 0)
    ax.set_aspect("equal")
    ax.set_title(title, fontsize=9)
    ax.set_xlabel("u (px)")
    ax.set_ylabel("v (px)")
    fig.tight_layout()
    return fig
