"""IGO evaluation: for each α, FID of samples from the full score model and from the intermediate generator alone.

Both paths are sampled with the same start noise per sampling seed, so differences between α are paired.
The full model integrates from t = 1; the intermediate generator E_τ∘s_τ∘D_τ has only seen τ = t/2 ≤ 1/2, so it
integrates its own range, from τ = 1/2, starting from the Gaussian with the exact moments of that marginal. At
α = 1 the intermediate path receives no gradient (random E_τ, D_τ), so it is not sampled (``null`` in the JSON).
FID is measured in the MNIST classifier's feature space against the held-out test split; ``real_fid_floor`` is
the same statistic for as many real training images, the value a perfect generator would reach, and
``gaussian_reference`` that of N(μ, S) fitted to the training pixels: a model that does not beat it has learned no
more than second moments. ``confident`` is the fraction of samples the same classifier assigns to one digit with
probability ≥ 0.9 (do they read as digits?), scored for the reference and the floor too.

α listed in ``igo.training_seeds`` were also trained with further seeds; each is sampled like the first (the same
paired start noise) and the row adds ``*_over_training_seeds``: mean ± sd over training seeds of the per-seed FID
(itself a mean over sampling seeds), the spread a retraining would show.
"""
from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np
import torch

from invdiff.baselines.gaussian import GaussianImages
from invdiff.config import Params
from invdiff.errors import ConfigError, MissingInputError
from invdiff.experiments.igo import task as igo
from invdiff.experiments.igo.config import IgoEvalConfig
from invdiff.experiments.igo.prior import data_moments, prior_sample
from invdiff.experiments.igo.task import IgoScoreModel, alpha_label, extra_training_seeds, models_folder, seed_folder
from invdiff.experiments.mnist import data as mnist
from invdiff.experiments.mnist.classifier import LeNet, confident_fraction, feature_extractor
from invdiff.headline import rounded
from invdiff.metrics.fid import ReferenceFid
from invdiff.sampling import SamplerResult
from invdiff.sde import probability_flow_ode, reverse_sde
from invdiff.seeds import paired_generator, summarize

log = logging.getLogger("invdiff")
METRIC_KEYS = ("fid", "fid_sd", "fid_intermediate", "fid_intermediate_sd", "nfe", "nfe_intermediate")
GAUSSIAN = "gaussian_reference"
INTERMEDIATE_T_START = 0.5  # τ = t/2 with t ≤ 1
TRAJECTORY_SAMPLES = 6  # samples whose reverse trajectory the first α's full-path run records for the figure


def _checkpoints(alphas: list[float]) -> dict[float, Path]:
    """The checkpoint of every alpha in igo.alphas, found by the alpha stored in it (folder spellings may vary)."""
    folder = models_folder()
    found = {}
    for path in sorted(folder.glob("*/model.ckpt")):
        alpha = torch.load(path, map_location="cpu", weights_only=False)["hyper_parameters"]["alpha"]
        found[float(alpha)] = path
    missing = [a for a in alphas if float(a) not in found]
    if missing:
        raise MissingInputError(f"no trained IGO model under {folder}/ for igo.alphas {missing}; train them with "
                                "`dvc repro train_igo`")
    return {float(a): found[float(a)] for a in alphas}


def trained_models(alphas: list[float]) -> dict[float, IgoScoreModel]:
    return {alpha: igo.load(path) for alpha, path in _checkpoints(alphas).items()}


def retrained_models(params: Params) -> dict[float, dict[int, IgoScoreModel]]:
    """{α: {training seed: model}} for the further training seeds of ``igo.training_seeds``."""
    out = {}
    for alpha, path in _checkpoints(params.igo.alphas).items():
        seeds = extra_training_seeds(params, alpha)
        if seeds:
            out[alpha] = {seed: igo.load(seed_folder(path.parent, seed) / "model.ckpt") for seed in seeds}
    return out


def generate(module: IgoScoreModel, path: str, moments, cfg: IgoEvalConfig, generator: torch.Generator,
             callback=None) -> SamplerResult:
    """``cfg.num_samples`` images [N, 1, 28, 28] from the ``"full"`` or ``"intermediate"`` path, and the NFE."""
    score_fn = module.score if path == "full" else module.intermediate_score
    t_start = 1.0 if path == "full" else INTERMEDIATE_T_START
    x_init = prior_sample(module.sde, *moments, cfg.num_samples, generator, t=t_start)
    desc = f"alpha={alpha_label(module.hparams.alpha)} {path}"
    sampler = cfg.sampler
    if sampler.name == "ode":
        return probability_flow_ode(score_fn, module.sde, x_init, rtol=sampler.rtol, atol=sampler.atol,
                                    batch_size=cfg.batch_size, t_start=t_start, callback=callback, progress=True,
                                    desc=desc)
    return reverse_sde(score_fn, module.sde, x_init, steps=sampler.steps, generator=generator,
                       batch_size=cfg.batch_size, t_start=t_start, callback=callback, progress=True, desc=desc)


def check_sample_size(cfg: IgoEvalConfig, num_train: int, num_test: int, feature_dim: int) -> None:
    if cfg.num_samples > num_train:
        raise ConfigError(f"igo.eval.num_samples ({cfg.num_samples}) exceeds the {num_train} training "
                          "images the real-data floor is drawn from")
    if cfg.num_samples <= feature_dim:
        raise ConfigError(f"igo.eval.num_samples ({cfg.num_samples}) must exceed the classifier's feature_dim "
                          f"({feature_dim}) for a full-rank FID covariance")
    if num_test <= feature_dim:
        raise ConfigError(f"the MNIST test split has only {num_test} images; FID needs more than {feature_dim}")


def _over_training_seeds(summary: dict) -> dict:
    """``fid`` → ``fid_over_training_seeds``, ``fid_sd`` → ``fid_over_training_seeds_sd``."""
    return {f"{key.removesuffix('_sd')}_over_training_seeds{'_sd' if key.endswith('_sd') else ''}": value
            for key, value in summary.items()}


def _paths(alpha: float) -> tuple[str, ...]:
    return ("full",) if alpha >= 1 else ("full", "intermediate")


class _Sampler:
    """Samples and scores one model's paths, seed by seed, against one FID reference (shared by every α)."""

    def __init__(self, params: Params, classifier: LeNet, train_images: torch.Tensor, test_images: torch.Tensor):
        self.cfg, self.seed, self.classifier = params.igo.eval, params.seed, classifier
        self.reference = ReferenceFid(feature_extractor(classifier), test_images, "the MNIST test split")
        self.moments = data_moments(train_images)
        self.snapshots: list[tuple[float, np.ndarray]] = []  # the first α's full-path trajectory

    def score(self, x: torch.Tensor, suffix: str = "") -> dict[str, float]:
        return {"fid" + suffix: self.reference(x),
                "confident" + suffix: round(confident_fraction(self.classifier, x), 4)}

    def _record(self, t: float, x: torch.Tensor) -> None:
        self.snapshots.append((t, x[:TRAJECTORY_SAMPLES, 0].numpy().copy()))

    def rows(self, module: IgoScoreModel, alpha: float, shown: dict | None = None) -> list[dict]:
        """One row per sampling seed; ``shown`` receives the first seed's images per path."""
        rows = []
        for seed in range(self.cfg.seeds):
            row = {}
            for path in _paths(alpha):
                suffix = "" if path == "full" else "_intermediate"
                start = time.perf_counter()
                x, nfe = generate(module, path, self.moments, self.cfg, paired_generator(self.seed, seed),
                                  callback=None if self.snapshots or shown is None else self._record)
                row.update(self.score(x, suffix))
                row["nfe" + suffix] = nfe
                row["seconds" + suffix] = round(time.perf_counter() - start, 1)
                if seed == 0 and shown is not None:
                    shown[path] = mnist.to_pixels(x.clamp(-1, 1))
            rows.append(row)
        return rows


def _alpha_summary(rows: list[dict], alpha: float) -> dict:
    summary = summarize(rows)
    if alpha >= 1:  # the intermediate path is untrained at α = 1: not sampled
        summary.update({f"{key}_intermediate{sd}": None for key in ("fid", "confident", "nfe", "seconds")
                        for sd in ("", "_sd")})
    return summary


def _add_paired_differences(metrics: dict, per_seed: dict[float, list[float]]) -> None:
    """``fid_minus_alpha1``: each α < 1 minus the α = 1 model, paired by sampling seed."""
    if 1.0 not in per_seed:
        return
    for alpha in per_seed:
        if alpha < 1:
            metrics[f"alpha={alpha_label(alpha)}"].update(summarize(
                [{"fid_minus_alpha1": a - b} for a, b in zip(per_seed[alpha], per_seed[1.0])]))


def _add_training_seed_rows(metrics: dict, by_training_seed: dict[float, dict[int, dict[str, float]]]) -> None:
    """``*_by_training_seed`` lists and ``*_over_training_seeds`` mean ± sd (paired with α = 1 where both ran)."""
    for alpha, seeds in by_training_seed.items():
        row = metrics[f"alpha={alpha_label(alpha)}"]
        row["training_seeds"] = list(seeds)
        for key in next(iter(seeds.values())):
            row[f"{key}_by_training_seed"] = [values[key] for values in seeds.values()]
        row.update(_over_training_seeds(summarize(list(seeds.values()))))
        shared = [s for s in seeds if s in by_training_seed.get(1.0, {})] if alpha < 1 else []
        if shared:  # paired by training seed: the same initialisation and batch order at both α
            row.update(_over_training_seeds(summarize(
                [{"fid_minus_alpha1": seeds[s]["fid"] - by_training_seed[1.0][s]["fid"]} for s in shared])))


def _add_floor(metrics: dict, sampler: _Sampler, train_images: torch.Tensor, params: Params) -> None:
    cfg = params.igo.eval
    floor = summarize([sampler.score(train_images[torch.randperm(len(train_images),
                                                                 generator=paired_generator(params.seed, s))
                                                  [:cfg.num_samples]]) for s in range(cfg.seeds)])
    metrics["real_fid_floor"], metrics["real_fid_floor_sd"] = floor["fid"], floor["fid_sd"]
    metrics["real_confident"], metrics["real_confident_sd"] = floor["confident"], floor["confident_sd"]
    metrics.update(num_samples=cfg.num_samples, seeds=cfg.seeds, sampler=cfg.sampler.model_dump(), data_source="real")


def evaluate(params: Params, modules: dict[float, IgoScoreModel], classifier: LeNet,
             retrained: dict[float, dict[int, IgoScoreModel]] | None = None):
    """Returns (metrics dict, {α: {"full": uint8 [N,28,28], "intermediate": uint8 or None}} of the first seed, the
    reverse trajectory of a few samples of the first α's full path [(t, images [n, 28, 28])]).

    Every row is mean ± sd over ``igo.eval.seeds`` paired sampling seeds (seed i starts every α and path from the
    same noise); ``fid_minus_alpha1`` is the paired difference to the α = 1 model, seed by seed. ``retrained``
    (:func:`retrained_models`) adds the ``*_over_training_seeds`` keys."""
    cfg = params.igo.eval
    train_images = mnist.to_model_space(mnist.load_split("train")[0])
    test_images = mnist.to_model_space(mnist.load_split("test")[0])
    check_sample_size(cfg, len(train_images), len(test_images), classifier.features[-1].out_features)
    sampler = _Sampler(params, classifier, train_images, test_images)
    gaussian = GaussianImages(train_images)
    metrics: dict = {GAUSSIAN: summarize([sampler.score(gaussian.sample(cfg.num_samples,
                                                                        paired_generator(params.seed, s)))
                                          for s in range(cfg.seeds)])}
    samples: dict[float, dict[str, np.ndarray | None]] = {}
    per_seed: dict[float, list[float]] = {}
    by_training_seed: dict[float, dict[int, dict[str, float]]] = {}
    for alpha, module in modules.items():
        shown: dict[str, np.ndarray | None] = {"full": None, "intermediate": None}
        rows = sampler.rows(module, alpha, shown)
        per_seed[alpha] = [row["fid"] for row in rows]
        summary = _alpha_summary(rows, alpha)
        log.info("alpha=%s %s", alpha_label(alpha), summary)
        metrics[f"alpha={alpha_label(alpha)}"] = summary
        samples[alpha] = shown
        if alpha in (retrained or {}):
            fids = [key for key in summary if key.startswith("fid") and not key.endswith("_sd")
                    and summary[key] is not None]
            by_training_seed[alpha] = {params.seed: {key: summary[key] for key in fids}}
            for train_seed, other in retrained[alpha].items():
                over = summarize(sampler.rows(other, alpha))
                log.info("alpha=%s, training seed %d: %s", alpha_label(alpha), train_seed, over)
                by_training_seed[alpha][train_seed] = {key: over[key] for key in fids}
    _add_paired_differences(metrics, per_seed)
    _add_training_seed_rows(metrics, by_training_seed)
    _add_floor(metrics, sampler, train_images, params)
    return metrics, samples, sampler.snapshots


def mlflow_children(params: Params, metrics: dict) -> dict[str, tuple[dict, dict]]:
    """One child run per α with the JSON's keys (the intermediate path's are absent at α = 1), and the Gaussian
    reference's."""
    children = {GAUSSIAN: ({"method": GAUSSIAN}, metrics[GAUSSIAN])}
    for alpha in params.igo.alphas:
        children[f"alpha={alpha:g}"] = ({"alpha": alpha, "sampler": params.igo.eval.sampler.name},
                                         metrics[f"alpha={alpha_label(alpha)}"])
    return children


def headline(metrics: dict) -> dict:
    """FID of the plain score model (alpha = 1), the alpha with the lowest FID, the Gaussian reference, the floor."""
    rows = {float(k.split("=", 1)[1]): v for k, v in metrics.items() if k.startswith("alpha=")}
    return rounded({"fid": rows[1.0]["fid"] if 1.0 in rows else None,
                    "alpha_best": min(rows, key=lambda a: rows[a]["fid"]),
                    "fid_ref": metrics["gaussian_reference"]["fid"], "fid_floor": metrics["real_fid_floor"]})
