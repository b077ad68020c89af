"""Branin figures: the landscape with exact target contours and each method's samples (paper's Figure 2),
residual / coverage against w, and the per-target CSV tables for ``dvc plots``."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from invdiff.config import Params
from invdiff.experiments.branin import data as branin
from invdiff.experiments.branin.evaluate import EXACT, METRIC_KEYS, MethodResult, split_label
from invdiff.io import save_figure, write_csv
from invdiff.viz.curves import metric_vs_weight


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


def write_plots(folder, params: Params, results: dict[str, MethodResult], targets) -> dict[str, object]:
    """Samples panels, residual/coverage vs w with seed sd (PNG) and the per-target table (CSV) into ``folder``."""
    figures = {"samples.png": samples_panels({k: r.samples for k, r in results.items()}, targets)}
    summaries = {label: r.summary() for label, r in results.items()}
    ddpm = {label: s for label, s in summaries.items() if split_label(label)[0] == "ddpm"}
    ws = [split_label(label)[1] for label in ddpm]
    for key, log_y in (("residual", True), ("coverage", False)):
        others = [name for name in (EXACT, "gradient_descent", "mcmc") if not (log_y and name == EXACT)]
        figures[f"{key}_vs_w.png"] = metric_vs_weight(
            {"ddpm": (ws, [s[key] for s in ddpm.values()], [s[f"{key}_sd"] for s in ddpm.values()])},
            {name: (summaries[name][key], summaries[name][f"{key}_sd"]) for name in others},
            ylabel=key, title=f"Branin: {key} (mean over {len(targets)} targets, ± sd over "
                              f"{params.branin.eval.seeds} seeds)", log_y=log_y)
    for name, fig in figures.items():
        save_figure(fig, f"{folder}/{name}")
    per_target = []
    for label, result in results.items():
        method, w = split_label(label)
        per_target += [[method, w, level, *(row[k] for k in METRIC_KEYS)]
                       for level, row in zip(targets, result.per_target())]
    write_csv(f"{folder}/per_target.csv", ["method", "w", "target", *METRIC_KEYS], per_target)
    write_csv(f"{folder}/ddpm_vs_w.csv", ["w", *METRIC_KEYS, *(f"{k}_sd" for k in METRIC_KEYS)],
              ([w, *(s[k] for k in METRIC_KEYS), *(s[f"{k}_sd"] for k in METRIC_KEYS)]
               for w, s in zip(ws, ddpm.values())))
    return figures
