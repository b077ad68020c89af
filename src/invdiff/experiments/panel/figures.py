"""Pictures of the panel data: rotating-MNIST sequences, hopper state trajectories."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

STATE_NAMES = ("rootx", "rootz", "rooty", "waist", "hip", "knee", "ankle")


def rotmnist_sequences(frames: np.ndarray, labels: np.ndarray, title: str):
    """Rows: sequences [n, T, 28, 28]; columns: time."""
    n, steps = frames.shape[:2]
    fig, axes = plt.subplots(n, steps, figsize=(0.55 * steps, 0.6 * n + 0.4), squeeze=False)
    for i in range(n):
        for t in range(steps):
            ax = axes[i, t]
            ax.imshow(frames[i, t], cmap="gray", vmin=0, vmax=255)
            ax.set_xticks([])
            ax.set_yticks([])
            if t == 0:
                ax.set_ylabel(f"digit {labels[i]}", fontsize=6)
            if i == 0:
                ax.set_title(f"t={t}", fontsize=6)
    fig.suptitle(title, fontsize=8)
    fig.tight_layout()
    return fig


def hopper_trajectories(states: np.ndarray, seconds: float, title: str):
    """Positions and velocities [n, T, 14] of a few trajectories against time."""
    t = np.arange(states.shape[1]) * seconds
    fig, axes = plt.subplots(2, 7, figsize=(14, 4), sharex=True)
    for d in range(14):
        ax = axes[d // 7, d % 7]
        ax.plot(t, states[:, :, d].T, lw=0.8, alpha=0.8)
        ax.set_title(f"{STATE_NAMES[d % 7]} {'position' if d < 7 else 'velocity'}", fontsize=7)
        ax.tick_params(labelsize=6)
    for ax in axes[1]:
        ax.set_xlabel("seconds", fontsize=7)
    fig.suptitle(title, fontsize=8)
    fig.tight_layout()
    return fig
