"""Pose evaluation figures: metrics against w, and the paper's Figure 5 panel."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from invdiff.viz.skeleton import draw_keypoints, draw_skeleton_3d

_PANELS = (("pixel_alignment_error", "pixel alignment error (/ image size)"),
           ("mpjpe_mm", "MPJPE (mm); dashed: min of K"),
           ("diversity_mm", "diversity: mean pairwise MPJPE (mm)"),
           ("joint_limit_violation", "joints outside anatomical limits"))


def metrics_vs_weight(result: dict, protocols: tuple[str, ...], archs: list[str], weights: list[float]):
    fig, axes = plt.subplots(1, len(_PANELS), figsize=(4.2 * len(_PANELS), 3.6))
    styles = {"val": "-", "paper": ":"}
    for ax, (key, label) in zip(axes, _PANELS):
        for arch, colour in zip(archs, ("tab:orange", "tab:blue", "tab:green")):
            for protocol in protocols:
                rows = [result[protocol][arch][f"w={float(w)}"] for w in weights]
                ax.plot(weights, [r[key] for r in rows], styles.get(protocol, "-"), marker="o", color=colour,
                        label=f"{arch} ({protocol})")
                if key == "mpjpe_mm":
                    ax.plot(weights, [r["min_of_k_mpjpe_mm"] for r in rows], "--", color=colour, alpha=0.5)
        ax.set_xlabel("guidance weight w")
        ax.set_title(label, fontsize=9)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    return fig


def figure5_panel(input_keypoints: np.ndarray, gt_joints: np.ndarray | None, samples: dict[str, tuple],
                  image_size: int, camera_position: np.ndarray, names: list[str], title: str):
    """Rows: inputs. Columns: input keypoints | for each setting (e.g. "w=2"): the K samples projected over the
    keypoints and in 3D | ground truth in 3D (when given). ``samples[label] = (keypoints [n, K, 25, 2], joints
    [n, K, 24, 3])``."""
    weights = list(samples)
    rows, cols = len(input_keypoints), 1 + 2 * len(weights) + (gt_joints is not None)
    fig = plt.figure(figsize=(2.1 * cols, 2.3 * rows))

    def view(ax, centre):
        direction = camera_position - centre
        ax.view_init(elev=np.degrees(np.arctan2(direction[2], np.hypot(*direction[:2]))),
                     azim=np.degrees(np.arctan2(direction[1], direction[0])) + 60)

    for r in range(rows):
        ax = fig.add_subplot(rows, cols, r * cols + 1)
        draw_keypoints(ax, input_keypoints[r], image_size)
        ax.set_ylabel(names[r], fontsize=7)
        if r == 0:
            ax.set_title("input keypoints", fontsize=8)
        for c, w in enumerate(weights):
            keypoints, joints = samples[w]
            centre = gt_joints[r][0] if gt_joints is not None else joints[r, 0, 0]
            ax2 = fig.add_subplot(rows, cols, r * cols + 2 + 2 * c)
            draw_keypoints(ax2, input_keypoints[r], image_size, colour="0.6")
            for k in range(keypoints.shape[1]):
                draw_keypoints(ax2, keypoints[r, k], image_size, colour="tab:purple", alpha=0.35, frame=False)
            ax3 = fig.add_subplot(rows, cols, r * cols + 3 + 2 * c, projection="3d")
            for k in range(joints.shape[1]):
                draw_skeleton_3d(ax3, joints[r, k], colour="tab:purple", alpha=0.35, centre=centre)
            view(ax3, centre)
            if r == 0:
                ax2.set_title(f"{w}: projected", fontsize=8)
                ax3.set_title(f"{w}: 3D (side view)", fontsize=8)
        if gt_joints is None:
            continue
        ax4 = fig.add_subplot(rows, cols, r * cols + cols, projection="3d")
        draw_skeleton_3d(ax4, gt_joints[r])
        view(ax4, gt_joints[r][0])
        if r == 0:
            ax4.set_title("ground truth (3D)", fontsize=8)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return fig


def metrics_csv(result: dict, protocols: tuple[str, ...], archs: list[str], weights: list[float],
                keys: tuple[str, ...]) -> str:
    lines = ["protocol,arch,w," + ",".join(keys)]
    for protocol in protocols:
        for arch in archs:
            for w in weights:
                row = result[protocol][arch][f"w={float(w)}"]
                lines.append(f"{protocol},{arch},{w:g}," + ",".join(f"{row[k]:.6g}" for k in keys))
    return "\n".join(lines) + "\n"


def error_vs_compute(rows: dict[str, dict], title: str):
    """Alignment error and MPJPE of every method against its seconds per sample."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for ax, key, label in ((axes[0], "pixel_alignment_error", "pixel alignment error"),
                           (axes[1], "mpjpe_mm", "MPJPE (mm)")):
        for name, row in rows.items():
            marker = "o" if name.startswith("cfg w=") else "s"
            ax.scatter(row["seconds_per_sample"], row[key], marker=marker, s=40)
            ax.annotate(name, (row["seconds_per_sample"], row[key]), fontsize=7, xytext=(4, 3),
                        textcoords="offset points")
        ax.set_xscale("log")
        ax.set_xlabel("seconds per sample (log)")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return fig
