"""Pose evaluation figures: metrics against w, the paper's Figure 5 panel, error against compute; and the glue
that writes eval_pose's and baselines_pose's figures (+ the CSV for ``dvc plots``)."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch

from invdiff.config import Params
from invdiff.experiments.pose.data.figures import draw_keypoints, draw_skeleton_3d
from invdiff.experiments.pose.data.forward_model import PoseForwardModel
from invdiff.experiments.pose.joint_limits import joint_limit_violations
from invdiff.experiments.pose.metrics import METRIC_KEYS
from invdiff.experiments.pose.scoring import EvalInputs
from invdiff.io import save_figure, write_csv

_PANELS = (("pixel_alignment_error", "pixel alignment error (/ image size)"),
           ("mpjpe_mm", "MPJPE (mm); dashed: min of K"),
           ("diversity_mm", "diversity: mean pairwise MPJPE (mm)"),
           ("joint_limit_violation", "joints outside anatomical limits"))


def metrics_vs_weight(result: dict, protocols: tuple[str, ...], archs: list[str], weights: list[float]):
    """Each metric against w (mean ± sd over the paired seeds) per architecture and protocol; the val
    linear-Gaussian reference (samples, and its mean) as grey horizontal lines."""
    fig, axes = plt.subplots(1, len(_PANELS), figsize=(4.2 * len(_PANELS), 3.6))
    styles = {"val": "-", "paper": ":"}
    for ax, (key, label) in zip(axes, _PANELS):
        for arch, colour in zip(archs, ("tab:orange", "tab:blue", "tab:green")):
            for protocol in protocols:
                rows = [result[protocol][arch][f"w={float(w)}"] for w in weights]
                ax.errorbar(weights, [r[key] for r in rows], yerr=[r.get(f"{key}_sd", 0.0) for r in rows],
                            linestyle=styles.get(protocol, "-"), marker="o", color=colour, capsize=3,
                            label=f"{arch} ({protocol})")
                if key == "mpjpe_mm":
                    ax.plot(weights, [r["min_of_k_mpjpe_mm"] for r in rows], "--", color=colour, alpha=0.5)
        for name, style in (("linear_gaussian", "--"), ("linear_gaussian_mean", ":")):
            if name in result.get("val", {}):
                ax.axhline(result["val"][name][key], color="gray", linestyle=style, label=f"{name} (val)")
        ax.set_xlabel("guidance weight w")
        ax.set_title(label, fontsize=9)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    return fig


def figure5_panel(input_keypoints: np.ndarray, gt_joints: np.ndarray | None, samples: dict[str, tuple],
                  image_size: int, camera_position: np.ndarray, names: list[str], title: str,
                  labelled_axes: bool = False):
    """Rows: inputs. Columns: input keypoints | for each setting (e.g. "w=2"): the K samples projected over the
    keypoints and in 3D | ground truth in 3D (when given). ``samples[label] = (keypoints [n, K, 25, 2], joints
    [n, K, 24, 3])``; ``labelled_axes``: 3D axes named, in metres from the root."""
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
                draw_skeleton_3d(ax3, joints[r, k], colour="tab:purple", alpha=0.35, centre=centre,
                                 labelled=labelled_axes)
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


def write_eval_plots(folder, params: Params, result: dict, samples: dict, inputs: dict[str, EvalInputs],
                     forward: PoseForwardModel) -> dict:
    """eval_pose: metrics_vs_w.{png,csv} and one Figure-5 panel per architecture (val inputs)."""
    cfg = params.pose.eval
    protocols = tuple(inputs)
    archs = list(result["params"])
    weights = [float(w) for w in cfg.guidance_weights]
    figures = {"metrics_vs_w.png": metrics_vs_weight(result, protocols, archs, weights)}
    rows = [[protocol, name, None, *(result[protocol][name][k] for k in METRIC_KEYS)]
            for protocol in protocols for name in ("linear_gaussian", "linear_gaussian_mean")]
    rows += [[protocol, arch, w, *(result[protocol][arch][f"w={w}"][k] for k in METRIC_KEYS)]
             for protocol in protocols for arch in archs for w in weights]
    write_csv(folder / "metrics_vs_w.csv", ["protocol", "method", "w", *METRIC_KEYS], rows)
    val = inputs["val"]
    pick = np.unique(np.linspace(0, len(val.names) - 1, min(cfg.figure_inputs, len(val.names))).round().astype(int))
    for arch in archs:
        panel = {f"w={w:g}": tuple(t[pick].numpy() for t in samples[("val", arch, w)]) for w in weights}
        figures[f"figure5_{arch}.png"] = figure5_panel(
            val.keypoints[pick].numpy(), val.joints3d[pick].numpy(), panel, params.camera.image_size,
            forward.camera.position.numpy(), [val.names[i] for i in pick],
            f"{arch}: {cfg.samples_per_input} samples per input (val, data: {result['data_source']})")
    for name, fig in figures.items():
        save_figure(fig, folder / name)  # closed for pyplot, still drawable for MLflow
    return figures


def write_baseline_plots(folder, params: Params, rows: dict, samples: dict, inputs: EvalInputs,
                         forward: PoseForwardModel, data_source: str) -> dict:
    """baselines_pose: error_vs_compute.png and gradient_descent_vs_cfg.png (where descent fits keypoints with
    odd poses)."""
    figures = {"error_vs_compute.png": error_vs_compute(rows, f"pose baselines on val (data: {data_source})")}
    # the inputs where descent violates joint limits most: the failure mode the learned prior avoids
    with torch.no_grad():
        bad = joint_limit_violations(forward.rotations(samples["gradient_descent"])).float().mean((1, 2))
    pick = np.sort(bad.argsort(descending=True)[:params.pose.eval.figure_inputs].numpy())
    w_last = f" w={params.pose.eval.guidance_weights[-1]:g}"
    reference = next(name for name in rows if name.startswith("cfg ") and name.endswith(w_last))
    panel = {}
    for name in ("gradient_descent", reference):
        with torch.no_grad():
            out = forward.pose(samples[name][pick])
        panel[name] = (out.keypoints.numpy(), out.joints.numpy())
    figures["gradient_descent_vs_cfg.png"] = figure5_panel(
        inputs.keypoints[pick].numpy(), inputs.joints3d[pick].numpy(), panel, params.camera.image_size,
        forward.camera.position.numpy(), [inputs.names[i] for i in pick],
        f"inputs where gradient descent breaks joint limits most: descent vs {reference}")
    for name, fig in figures.items():
        save_figure(fig, folder / name)
    return figures
