"""IGO figures: one digit's forward trajectory under the cat-map SDE, the sampler's reverse trajectory, sample
grids, and FID against α (Mishra et al., Fig. 2c) with its CSV for ``dvc plots``."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch

from invdiff.config import Params
from invdiff.experiments.igo.cat_map_sde import CatMapSDE, euler_maruyama
from invdiff.experiments.igo.evaluate import GAUSSIAN, METRIC_KEYS
from invdiff.experiments.igo.task import alpha_label
from invdiff.io import save_figure, write_csv
from invdiff.viz.curves import metric_vs_weight
from invdiff.viz.grids import image_grid


def trajectory_strip(sde: CatMapSDE, x0: torch.Tensor, t: float = 1.0, fractions=(0.1, 0.25, 0.75),
                     seed: int = 0):
    """Top: one Euler–Maruyama trajectory of ``x0`` [1, 1, N, N] (x₀, iterates, x_τ at t/2, x_t); bottom: the
    conditional mean M x₀ of the same iterates (the cat-map mixing the noise hides). Iterates are shown on
    their own ±3·std colour scale, means on the data's [-1, 1]."""
    steps = sde.em_steps
    marks = sorted({0, steps // 2, steps, *(int(round(f * steps)) for f in fractions)})
    times = torch.full((1,), t, dtype=torch.float64)
    iterates = euler_maruyama(sde, x0.double(), times, keep=marks, generator=torch.Generator().manual_seed(seed))
    fig, axes = plt.subplots(2, len(marks), figsize=(1.6 * len(marks), 3.6))
    for col, step in enumerate(marks):
        mean_spec, var_spec = sde.em_moments(times, step) if step else (None, None)
        mean = x0.double() if step == 0 else sde.apply(mean_spec, x0.double())
        std = 0.0 if step == 0 else float(var_spec.mean().sqrt())
        label = {0: "$x_0$", steps // 2: f"$x_\\tau$, τ={t / 2:g}", steps: f"$x_t$, t={t:g}"}.get(
            step, f"t={t * step / steps:.3g}")
        limit = max(1.0, 3 * std)
        axes[0, col].imshow(iterates[step][0, 0].numpy(), cmap="gray", vmin=-limit, vmax=limit)
        axes[0, col].set_title(f"{label}\nnoise std {std:.2g}", fontsize=8)
        axes[1, col].imshow(mean[0, 0].numpy(), cmap="gray", vmin=-1, vmax=1)
        for ax in axes[:, col]:
            ax.set_xticks([])
            ax.set_yticks([])
    axes[0, 0].set_ylabel("EM iterate", fontsize=8)
    axes[1, 0].set_ylabel("mean $M x_0$", fontsize=8)
    fig.suptitle(f"forward cat-map SDE: κ={sde.kappa:g}, σ={sde.sigma:g}, J={steps} Euler–Maruyama steps", fontsize=9)
    fig.tight_layout()
    return fig


def fid_vs_alpha(alphas: list[float], rows: list[dict], reference: tuple[float, float], floor: tuple[float, float],
                 seeds: int):
    """FID ± sd over paired seeds of both paths against α, with the Gaussian reference and the floor as bands."""
    inter = [(a, r) for a, r in zip(alphas, rows) if r["fid_intermediate"] is not None]
    series = {"full model s": (alphas, [r["fid"] for r in rows], [r["fid_sd"] for r in rows])}
    if inter:
        series["intermediate generator E∘s∘D"] = ([a for a, _ in inter], [r["fid_intermediate"] for _, r in inter],
                                                  [r["fid_intermediate_sd"] for _, r in inter])
    fig = metric_vs_weight(series, {"Gaussian N(μ, S) reference": reference, "real data floor": floor},
                           "FID (classifier features)", f"IGO on MNIST: FID vs α (± sd, {seeds} paired seeds)")
    ax = fig.axes[0]
    for suffix, colour, label in (("", "C0", "full model, every training seed"),
                                  ("_intermediate", "C1", "intermediate, every training seed")):
        points = [(a, fid) for a, r in zip(alphas, rows) for fid in r.get(f"fid{suffix}_by_training_seed") or []]
        if points:
            ax.scatter(*zip(*points), marker="x", s=30, color=colour, zorder=4, label=label)
    if any(r.get("training_seeds") for r in rows):
        ax.legend(fontsize=7)
    ax.set_xlabel("α (weight of the full-path loss; 1 = plain score model)")
    ax.set_xticks(np.asarray(alphas, dtype=float))
    return fig


def reverse_trajectory(snapshots: list[tuple[float, np.ndarray]], columns: int = 8, title: str = ""):
    """Rows: samples; columns: the sampler's state at ``columns`` times from t_start to t_min (each on its own
    ±3·std scale). ``snapshots``: (t, images [n, 28, 28]) as the sampler's step callback saw them."""
    pick = np.unique(np.linspace(0, len(snapshots) - 1, columns).round().astype(int))
    rows = snapshots[0][1].shape[0]
    fig, axes = plt.subplots(rows, len(pick), figsize=(1.2 * len(pick), 1.2 * rows), squeeze=False)
    for col, index in enumerate(pick):
        t, images = snapshots[index]
        limit = max(1.0, 3 * float(images.std()))
        for row in range(rows):
            ax = axes[row, col]
            ax.imshow(images[row], cmap="gray", vmin=-limit, vmax=limit)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[0, col].set_title(f"t={t:.3g}", fontsize=7)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return fig


def write_plots(folder, params: Params, metrics: dict, samples: dict[float, dict], sde: CatMapSDE,
                trajectory_digit: torch.Tensor, snapshots: list[tuple[float, np.ndarray]] | None = None) -> dict:
    """Sample grids per α and path, FID vs α (+ CSV), one digit's forward trajectory and (when recorded) the
    sampler's reverse trajectory; returns the figures."""
    sampler = "PF-ODE" if params.igo.eval.sampler.name == "ode" else "reverse SDE"
    figures = {}
    for alpha, paths in samples.items():
        for path, images in paths.items():
            if images is None:
                continue
            name = "samples" if path == "full" else "samples_intermediate"
            what = "full model" if path == "full" else "intermediate generator"
            row, suffix = metrics[f"alpha={alpha_label(alpha)}"], "" if path == "full" else "_intermediate"
            figures[f"{name}_alpha{alpha_label(alpha)}.png"] = image_grid(
                images[:64], rows=8, title=f"IGO α = {alpha:g}: {what} ({sampler})\nFID {row['fid' + suffix]:.0f}, "
                                           f"{row['confident' + suffix]:.0%} read as digits (data "
                                           f"{metrics['real_confident']:.0%})")
    alphas = list(samples)
    rows = [metrics[f"alpha={alpha_label(a)}"] for a in alphas]
    figures["fid_vs_alpha.png"] = fid_vs_alpha(
        alphas, rows, (metrics[GAUSSIAN]["fid"], metrics[GAUSSIAN]["fid_sd"]),
        (metrics["real_fid_floor"], metrics["real_fid_floor_sd"]), metrics["seeds"])
    figures["forward_trajectory.png"] = trajectory_strip(sde, trajectory_digit, seed=params.seed)
    if snapshots:
        figures["reverse_trajectory.png"] = reverse_trajectory(
            snapshots, title=f"{sampler} from t = {snapshots[0][0]:g} (α = {alphas[0]:g}, full model): the sampler's "
                             "states as its step callback saw them")
    for name, fig in figures.items():
        save_figure(fig, f"{folder}/{name}")
    write_csv(f"{folder}/fid_vs_alpha.csv", ["alpha", *METRIC_KEYS],
              ([a, *(r[k] for k in METRIC_KEYS)] for a, r in zip(alphas, rows)))
    return figures
