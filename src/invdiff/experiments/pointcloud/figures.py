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
