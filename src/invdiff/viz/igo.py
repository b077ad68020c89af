"""IGO figures: one digit's forward trajectory under the cat-map SDE, and FID against α (Nunez et al., Fig. 2c)."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch

from invdiff.sde import CatMapSDE, euler_maruyama
from invdiff.viz.curves import metric_vs_weight


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


def fid_vs_alpha(alphas: list[float], fid_full: list[float], fid_intermediate: list[float | None], floor: float):
    inter = [(a, f) for a, f in zip(alphas, fid_intermediate) if f is not None]
    series = {"full model s": (alphas, fid_full)}
    if inter:
        series["intermediate generator E∘s∘D"] = ([a for a, _ in inter], [f for _, f in inter])
    fig = metric_vs_weight(series, {"real data floor": floor}, "FID (classifier features)", "IGO on MNIST: FID vs α")
    ax = fig.axes[0]
    ax.set_xlabel("α (weight of the full-path loss; 1 = plain score model)")
    ax.set_xticks(np.asarray(alphas, dtype=float))
    return fig
