"""Generic curves: a metric against the guidance weight, with baselines as horizontal references."""
from __future__ import annotations

import matplotlib.pyplot as plt


def metric_vs_weight(series: dict[str, tuple], baselines: dict[str, float | tuple[float, float]], ylabel: str,
                     title: str = "", log_y: bool = False):
    """``series``: name -> (weights, values) or (weights, values, sds), drawn as lines with error bars;
    ``baselines``: name -> value or (value, sd), dashed lines with a ±sd band."""
    fig, ax = plt.subplots(figsize=(5, 3.6))
    for name, (ws, values, *sds) in series.items():
        ax.errorbar(ws, values, yerr=sds[0] if sds else None, marker="o", capsize=3, label=name)
    for (name, value), style, colour in zip(baselines.items(), ["--", ":", "-."] * 4, ["gray", "C3", "C2", "C4"] * 3):
        value, sd = value if isinstance(value, tuple) else (value, 0.0)
        ax.axhline(value, linestyle=style, color=colour, label=name)
        if sd:
            ax.axhspan(value - sd, value + sd, color=colour, alpha=0.15, lw=0)
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
