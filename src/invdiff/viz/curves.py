"""Generic curves: a metric against the guidance weight, with baselines as horizontal references."""
from __future__ import annotations

import matplotlib.pyplot as plt


def metric_vs_weight(series: dict[str, tuple[list[float], list[float]]], baselines: dict[str, float], ylabel: str,
                     title: str = "", log_y: bool = False):
    """``series``: name -> (weights, values) drawn as lines; ``baselines``: name -> value as dashed lines."""
    fig, ax = plt.subplots(figsize=(5, 3.6))
    for name, (ws, values) in series.items():
        ax.plot(ws, values, marker="o", label=name)
    for (name, value), style in zip(baselines.items(), ["--", ":", "-."] * 4):
        ax.axhline(value, linestyle=style, color="gray", label=name)
    ax.set_xlabel("guidance weight w")
    ax.set_ylabel(ylabel)
    if log_y:
        ax.set_yscale("log")
    if title:
        ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def loss_curve(steps: list[int], losses: list[float], title: str = "training loss"):
    fig, ax = plt.subplots(figsize=(5, 3.2))
    ax.plot(steps, losses, lw=1)
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_yscale("log")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig
