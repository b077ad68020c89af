"""Image grids."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np


def image_grid(images: np.ndarray, rows: int, title: str = "", row_labels: list[str] | None = None):
    """``images`` uint8 [rows * cols, H, W], row-major -> one figure."""
    cols = len(images) // rows
    h, w = images.shape[1:]
    canvas = np.full((rows * (h + 2), cols * (w + 2)), 128, dtype=np.uint8)  # grey separators
    for k, img in enumerate(images[: rows * cols]):
        r, c = divmod(k, cols)
        canvas[r * (h + 2) + 1: r * (h + 2) + 1 + h, c * (w + 2) + 1: c * (w + 2) + 1 + w] = img
    fig, ax = plt.subplots(figsize=(max(3, cols * 0.45), max(3, rows * 0.45)))
    ax.imshow(canvas, cmap="gray", vmin=0, vmax=255)
    ax.set_xticks([])
    ax.set_yticks([(h + 2) * (r + 0.5) for r in range(rows)] if row_labels else [])
    if row_labels:
        ax.set_yticklabels(row_labels)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig
