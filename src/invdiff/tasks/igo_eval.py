"""IGO evaluation: for each α, FID of samples from the full score model and from the intermediate generator alone.

Both paths are sampled with the same start noise (seeded by ``seed``) so differences between α are paired.
The full model integrates from t = 1; the intermediate generator E_τ∘s_τ∘D_τ has only seen τ = t/2 ≤ 1/2, so it
integrates its own range, from τ = 1/2, starting from the Gaussian with the exact moments of that marginal. At
α = 1 the intermediate path receives no gradient (random E_τ, D_τ), so it is not sampled (``null`` in the JSON).
FID is measured in the MNIST classifier's feature space against the held-out test split; ``real_fid_floor`` is
the same statistic for as many real training images, the value a perfect generator would reach.
"""
from __future__ import annotations

import logging
import time

import numpy as np
import torch

from invdiff.config import IgoEvalConfig, Params
from invdiff.data import mnist
from invdiff.errors import ConfigError
from invdiff.metrics.fid import fid
from invdiff.nets.lenet import LeNet
from invdiff.sde import CatMapSDE
from invdiff.sde.samplers import prior_sample, probability_flow_ode, reverse_sde
from invdiff.tasks.classifier import predict
from invdiff.tasks.igo import IgoScoreModel, alpha_label

log = logging.getLogger("invdiff")
METRIC_KEYS = ("fid", "fid_intermediate", "nfe", "nfe_intermediate")
INTERMEDIATE_T_START = 0.5  # τ = t/2 with t ≤ 1


def data_moments(images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(mean [d], factor F [d, d] with F Fᵀ = covariance) of images [N, 1, H, W], in float64."""
    flat = images.reshape(len(images), -1).double()
    values, vectors = torch.linalg.eigh(torch.cov(flat.T))
    return flat.mean(0), vectors * values.clamp(min=0).sqrt()


def generate(module: IgoScoreModel, path: str, moments, cfg: IgoEvalConfig, seed: int) -> tuple[torch.Tensor, int]:
    """``cfg.num_samples`` images [N, 1, 28, 28] from the ``"full"`` or ``"intermediate"`` path, and the NFE."""
    score_fn = module.score if path == "full" else module.intermediate_score
    t_start = 1.0 if path == "full" else INTERMEDIATE_T_START
    generator = torch.Generator().manual_seed(seed)
    x_init = prior_sample(module.sde, *moments, cfg.num_samples, generator, t=t_start)
    desc = f"alpha={alpha_label(module.hparams.alpha)} {path}"
    sampler = cfg.sampler
    if sampler.name == "ode":
        return probability_flow_ode(score_fn, module.sde, x_init, rtol=sampler.rtol, atol=sampler.atol,
                                    batch_size=cfg.batch_size, t_start=t_start, desc=desc)
    return reverse_sde(score_fn, module.sde, x_init, sampler.steps, generator, batch_size=cfg.batch_size,
                       t_start=t_start, desc=desc)


def check_sample_size(cfg: IgoEvalConfig, num_test: int, feature_dim: int) -> None:
    if cfg.num_samples <= feature_dim:
        raise ConfigError(f"igo.eval.num_samples ({cfg.num_samples}) must exceed the classifier's feature_dim "
                          f"({feature_dim}) for a full-rank FID covariance")
    if num_test <= feature_dim:
        raise ConfigError(f"the MNIST test split has only {num_test} images; FID needs more than {feature_dim}")


def evaluate(params: Params, modules: dict[float, IgoScoreModel], classifier: LeNet):
    """Returns (metrics dict, {α: {"full": uint8 [N,28,28], "intermediate": uint8 or None}})."""
    cfg = params.igo.eval
    train_images = mnist.to_model_space(mnist.load_split(mnist.RAW_DIR, "train")[0])
    test_images = mnist.to_model_space(mnist.load_split(mnist.RAW_DIR, "test")[0])
    if cfg.num_samples > len(train_images):
        raise ConfigError(f"igo.eval.num_samples ({cfg.num_samples}) exceeds the {len(train_images)} training "
                          "images the real-data floor is drawn from")
    test_features = predict(classifier, test_images)[0].numpy()
    check_sample_size(cfg, len(test_images), test_features.shape[1])
    moments = data_moments(train_images)

    def score(x: torch.Tensor) -> float:
        return fid(predict(classifier, x.clamp(-1, 1))[0].numpy(), test_features)

    metrics: dict = {}
    samples: dict[float, dict[str, np.ndarray | None]] = {}
    for alpha, module in modules.items():
        row: dict[str, float | int | None] = {}
        shown: dict[str, np.ndarray | None] = {"full": None, "intermediate": None}
        for path, suffix in (("full", ""), ("intermediate", "_intermediate")):
            if path == "intermediate" and alpha >= 1:
                row["fid" + suffix] = row["nfe" + suffix] = row["seconds" + suffix] = None
                continue
            start = time.perf_counter()
            x, nfe = generate(module, path, moments, cfg, params.seed)
            row["fid" + suffix], row["nfe" + suffix] = score(x), nfe
            row["seconds" + suffix] = round(time.perf_counter() - start, 1)
            shown[path] = mnist.to_pixels(x.clamp(-1, 1))
        log.info("alpha=%s %s", alpha_label(alpha), row)
        metrics[f"alpha={alpha_label(alpha)}"] = row
        samples[alpha] = shown
    floor_idx = np.random.default_rng(params.seed).choice(len(train_images), cfg.num_samples, replace=False)
    metrics["real_fid_floor"] = score(train_images[floor_idx])
    metrics["num_samples"] = cfg.num_samples
    metrics["sampler"] = cfg.sampler.model_dump()
    metrics["data_source"] = "real"
    return metrics, samples


def write_plots(folder, params: Params, metrics: dict, samples: dict[float, dict], sde: CatMapSDE,
                trajectory_digit: torch.Tensor):
    """Sample grids per α and path, FID vs α (+ CSV), and one digit's forward trajectory; returns the figures."""
    from invdiff.io import save_figure, write_text
    from invdiff.viz.grids import image_grid
    from invdiff.viz.igo import fid_vs_alpha, trajectory_strip

    figures = {}
    for alpha, paths in samples.items():
        for path, images in paths.items():
            if images is None:
                continue
            shown = images[:64]
            name = "samples" if path == "full" else "samples_intermediate"
            what = "full model" if path == "full" else "intermediate generator"
            figures[f"{name}_alpha{alpha_label(alpha)}.png"] = image_grid(
                shown, rows=8, title=f"IGO α = {alpha:g}: {what} (PF-ODE)" if params.igo.eval.sampler.name == "ode"
                else f"IGO α = {alpha:g}: {what} (reverse SDE)")
    alphas = list(samples)
    rows = [metrics[f"alpha={alpha_label(a)}"] for a in alphas]
    figures["fid_vs_alpha.png"] = fid_vs_alpha(alphas, [r["fid"] for r in rows], [r["fid_intermediate"] for r in rows],
                                               metrics["real_fid_floor"])
    figures["forward_trajectory.png"] = trajectory_strip(sde, trajectory_digit, seed=params.seed)
    for name, fig in figures.items():
        save_figure(fig, f"{folder}/{name}")

    def cell(value) -> str:
        return "" if value is None else f"{value:.6g}"

    write_text(f"{folder}/fid_vs_alpha.csv", "alpha," + ",".join(METRIC_KEYS) + "\n" + "".join(
        f"{a}," + ",".join(cell(r[k]) for k in METRIC_KEYS) + "\n" for a, r in zip(alphas, rows)))
    return figures
