"""Pictures of point clouds: a noisy / denoised / clean row per method, as 3D scatters."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def clouds_row(clouds: dict[str, np.ndarray], title: str, scores: dict[str, str] | None = None, max_points=4000):
    """One 3D panel per cloud (same view, equal axes fitted to the last cloud -- the clean one), at most
    ``max_points`` drawn each."""
    ref = list(clouds.values())[-1]
    centre = 0.5 * (ref.min(0) + ref.max(0))
    half = 0.5 * float((ref.max(0) - ref.min(0)).max()) * 1.05
    fig = plt.figure(figsize=(3.6 * len(clouds), 3.8))
    for i, (label, cloud) in enumerate(clouds.items()):
        ax = fig.add_subplot(1, len(clouds), i + 1, projection="3d")
        shown = cloud[np.linspace(0, len(cloud) - 1, min(max_points, len(cloud))).astype(int)]
        ax.scatter(shown[:, 0], shown[:, 1], shown[:, 2], s=0.6, c=shown[:, 2], cmap="viridis", linewidths=0)
        for axis, setter in enumerate((ax.set_xlim, ax.set_ylim, ax.set_zlim)):
            setter(centre[axis] - half, centre[axis] + half)
        ax.set_box_aspect((1, 1, 1))
        ax.view_init(elev=20, azim=-60)
        ax.set_axis_off()
        ax.set_title(label + (f"\n{scores[label]}" if scores and label in scores else ""), fontsize=8)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return fig


def weight_curves(curves: dict[int, list[dict]], title: str):
    """Figure 5b: cosine similarity and Euclidean distance of E_t vs E_tau and D_t vs D_tau over fine-tuning steps,
    one line per seed."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    for ax, measure in zip(axes, ("cosine", "euclidean")):
        for tag, colour in (("E", "tab:blue"), ("D", "tab:red")):
            for i, (seed, records) in enumerate(sorted(curves.items())):
                steps = [r["step"] for r in records]
                ax.plot(steps, [r[f"{measure}_{tag}"] for r in records], color=colour, lw=1, alpha=0.8,
                        label=f"{tag}_t vs {tag}_tau" if i == 0 else None)
        ax.set_xlabel("fine-tuning step")
        ax.set_ylabel("cosine similarity" if measure == "cosine" else "Euclidean distance")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title + f" ({len(curves)} seeds)", fontsize=9)
    fig.tight_layout()
    return fig


def table_bars(results: dict, title: str):
    """CD and P2M per method at every setting, mean +- sd over meshes (one panel per metric and setting)."""
    settings = list(results)
    fig, axes = plt.subplots(2, len(settings), figsize=(4.2 * len(settings), 6.4), squeeze=False)
    for j, key in enumerate(settings):
        rows = results[key]["rows"]
        names = list(rows)
        for i, metric in enumerate(("cd", "p2m")):
            ax = axes[i, j]
            ax.bar(range(len(names)), [rows[m][metric] for m in names], yerr=[rows[m][f"{metric}_sd"] for m in names],
                   color=["0.6" if m == "noisy" else "tab:blue" if m in ("bilateral", "jet") else "tab:orange"
                          for m in names], capsize=2)
            ax.set_xticks(range(len(names)), names, rotation=40, fontsize=7, ha="right")
            n, level = key.split("/")
            ax.set_title(f"{metric.upper()} x 1e4, {n} points, {float(level):.0%} noise", fontsize=8)
            ax.grid(axis="y", alpha=0.3)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return fig
