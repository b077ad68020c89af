"""The negative Branin landscape with exact target contours and each method's samples (paper's Figure 2)."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from invdiff.data import branin


def _landscape(ax, targets, grid: int = 300):
    xs = np.linspace(branin.LOWER[0], branin.UPPER[0], grid)
    ys = np.linspace(branin.LOWER[1], branin.UPPER[1], grid)
    gx, gy = np.meshgrid(xs, ys)
    z = branin.negative_branin(np.stack([gx, gy], -1))
    ax.contourf(gx, gy, z, levels=30, cmap="Greys_r", alpha=0.6)
    ax.contour(gx, gy, z, levels=sorted(targets), colors="k", linewidths=0.8, linestyles="--")
    ax.set_xlim(branin.LOWER[0] - 0.5, branin.UPPER[0] + 0.5)
    ax.set_ylim(branin.LOWER[1] - 0.5, branin.UPPER[1] + 0.5)
    ax.set_aspect("equal")


def samples_panels(panels: dict[str, np.ndarray], targets: list[float], max_points: int = 256):
    """``panels``: title -> samples [n_targets, n, 2]; one panel each, colour = target level."""
    n = len(panels)
    cols = min(n, 3)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 4.2 * rows), squeeze=False)
    colors = plt.cm.plasma(np.linspace(0.05, 0.9, len(targets)))
    for ax, (title, samples) in zip(axes.flat, panels.items()):
        _landscape(ax, targets)
        for k, level in enumerate(targets):
            pts = samples[k, :max_points]
            ax.scatter(pts[:, 0], pts[:, 1], s=4, color=colors[k], label=f"y*={level:g}", alpha=0.8)
        ax.set_title(title)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7, loc="upper right", markerscale=2)
    fig.suptitle("samples on the level sets of -Branin (dashed: exact contours)")
    fig.tight_layout()
    return fig
