"""Figures of the inverse experiment: per operator a grid (truth | H†y | Gaussian posterior | each method), the
Pareto figure (PSNR vs network evaluations per sample) and the calibration figure (90 % / 50 % coverage)."""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from invdiff.io import save_figure, write_csv
from invdiff.viz.grids import image_grid


def sample_grid(name: str, images: dict[str, np.ndarray], per_class: int):
    order = ["truth", "pinv", "gaussian_posterior", *[k for k in images if k.startswith("optimizer")],
             *[k for k in images if k not in ("truth", "pinv", "gaussian_posterior") and not k.startswith("optimizer")]]
    picks = np.arange(0, len(images["truth"]), per_class)
    stack = np.concatenate([images[k][picks] for k in order])
    return image_grid(stack, len(order), f"{name}: one test digit per class (first seed)", row_labels=order)


def pareto_figure(operators: dict):
    names = list(operators)
    fig, axes = plt.subplots(1, len(names), figsize=(3.6 * len(names), 3.4), squeeze=False)
    for ax, name in zip(axes[0], names):
        for method, points in operators[name]["pareto"].items():
            ok = [p for p in points if p["status"] == "ok" and p["psnr"] is not None]
            if ok:
                ax.plot([p["nfe"] for p in ok], [p["psnr"] for p in ok], marker="o", label=method)
        gauss = operators[name]["rows"]["gaussian_posterior"]
        ax.axhline(gauss["psnr"], color="k", ls="--", lw=1, label="Gaussian posterior")
        ax.set_xscale("log")
        ax.set_title(name)
        ax.set_xlabel("network evaluations per sample")
    axes[0][0].set_ylabel("PSNR of samples (dB)")
    axes[0][-1].legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig


def calibration_figure(operators: dict, nominal: dict):
    names = list(operators)
    fig, axes = plt.subplots(1, len(names), figsize=(3.6 * len(names), 3.4), squeeze=False, sharey=True)
    for ax, name in zip(axes[0], names):
        rows = {m: r for m, r in operators[name]["rows"].items() if r.get("status") == "ok" and "coverage90" in r}
        labels = list(rows)
        at = np.arange(len(labels))
        ax.bar(at - 0.2, [rows[m]["coverage90"] for m in labels], 0.4, label="90 % interval")
        ax.bar(at + 0.2, [rows[m]["coverage50"] for m in labels], 0.4, label="50 % interval")
        ax.axhline(nominal["coverage90"], color="C0", ls="--", lw=1)
        ax.axhline(nominal["coverage50"], color="C1", ls="--", lw=1)
        ax.set_xticks(at, labels, rotation=70, fontsize=7)
        ax.set_title(f"{name}: unobserved pixels")
    axes[0][0].set_ylabel("coverage of the truth")
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    return fig


def write_plots(folder: Path, metrics: dict, samples: dict, per_class: int) -> dict:
    figures = {f"samples_{name}.png": sample_grid(name, images, per_class) for name, images in samples.items()}
    figures["pareto.png"] = pareto_figure(metrics["operators"])
    figures["calibration.png"] = calibration_figure(metrics["operators"], metrics["calibration"]["nominal"])
    for name, fig in figures.items():
        save_figure(fig, folder / name)
    rows = [(op, method, p["steps"], p["nfe"], p["vjps"], p["psnr"], p["fid"], p["status"])
            for op, entry in metrics["operators"].items() for method, points in entry["pareto"].items()
            for p in points]
    write_csv(folder / "pareto.csv", ["operator", "method", "steps", "nfe", "vjps", "psnr", "fid", "status"], rows)
    return figures
