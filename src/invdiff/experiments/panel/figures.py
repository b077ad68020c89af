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


MODEL_COLOURS = {"node": "tab:blue", "meode": "tab:orange", "igo": "tab:green"}


def rotmnist_predictions(truth: np.ndarray, predictions: dict[str, np.ndarray], interp_steps: int, title: str):
    """The paper's Figure 4 for rotating MNIST: per sequence a row of the truth, then one per model; a black line
    where extrapolation starts. truth [n, T, 28, 28] and predictions in [0, 1]."""
    n, steps = truth.shape[:2]
    rows = []
    for i in range(n):
        rows.append((f"#{i} true", truth[i]))
        rows += [(f"#{i} {kind}", pred[i]) for kind, pred in predictions.items()]
    fig, axes = plt.subplots(len(rows), steps, figsize=(0.5 * steps, 0.52 * len(rows) + 0.5), squeeze=False)
    for r, (label, frames) in enumerate(rows):
        for t in range(steps):
            ax = axes[r, t]
            ax.imshow(frames[t], cmap="gray", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            if t == 0:
                ax.set_ylabel(label, fontsize=6, rotation=0, ha="right", va="center")
            if r == 0:
                ax.set_title(f"t={t}", fontsize=6)
    fig.tight_layout(h_pad=0.1, w_pad=0.05)
    x = 0.5 * (axes[0, interp_steps - 1].get_position().x1 + axes[0, interp_steps].get_position().x0)
    fig.add_artist(plt.Line2D([x, x], [0.0, 0.97], color="black", lw=2, transform=fig.transFigure))
    fig.suptitle(title, fontsize=8, y=1.0)
    return fig


def hopper_predictions(truth: np.ndarray, predictions: dict[str, np.ndarray], interp_steps: int, seconds: float,
                       title: str):
    """The paper's Figure 4 for the hopper, as curves: one test trajectory's 14 standardised state dimensions,
    truth (black) and each model; a black line where extrapolation starts."""
    t = np.arange(truth.shape[0]) * seconds
    fig, axes = plt.subplots(2, 7, figsize=(15, 4.2), sharex=True)
    for d in range(14):
        ax = axes[d // 7, d % 7]
        ax.plot(t, truth[:, d], "k.-", lw=1.5, label="true")
        for kind, pred in predictions.items():
            ax.plot(t, pred[:, d], ".-", lw=1, color=MODEL_COLOURS.get(kind), label=kind)
        ax.axvline(t[interp_steps - 1] + seconds / 2, color="black", lw=1.5)
        ax.set_title(f"{STATE_NAMES[d % 7]} {'position' if d < 7 else 'velocity'}", fontsize=7)
        ax.tick_params(labelsize=6)
    for ax in axes[1]:
        ax.set_xlabel("seconds", fontsize=7)
    axes[0, 0].legend(fontsize=6)
    fig.suptitle(title, fontsize=8)
    fig.tight_layout()
    return fig


def mse_bars(metrics: dict, datasets: tuple[str, ...], title: str):
    """Interpolation and extrapolation MSE per model (mean ± sd over training seeds), references as lines."""
    fig, axes = plt.subplots(len(datasets), 2, figsize=(8, 3 * len(datasets)), squeeze=False)
    styles = {"linear": ("black", "--"), "persistence": ("grey", ":"), "train_mean": ("brown", "-.")}
    for r, dataset in enumerate(datasets):
        result = metrics[dataset]
        kinds = [k for k in ("node", "meode", "igo") if k in result]
        for c, window in enumerate(("interp", "extrap")):
            ax = axes[r, c]
            values = [result[k][f"{window}_mse"] for k in kinds]
            errors = [result[k][f"{window}_mse_sd"] for k in kinds]
            ax.bar(kinds, values, yerr=errors, color=[MODEL_COLOURS[k] for k in kinds], capsize=4)
            for name, ref in result["references"].items():
                if f"{window}_mse" in ref:
                    colour, style = styles[name]
                    ax.axhline(ref[f"{window}_mse"], color=colour, ls=style, label=name)
            ax.set_yscale("log")
            ax.set_title(f"{dataset}: {window}olation MSE ({len(result['seeds'])} seeds)", fontsize=8)
            ax.legend(fontsize=6)
            ax.tick_params(labelsize=7)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return fig
