"""MNIST guidance sweep: FID (classifier features, vs the held-out test split), class accuracy, diversity and the
share of dark pixels per w, beside a closed-form reference and the real-data floor scored by the same code.

- Every w draws paired seeds (seed i's start noise is the same for every w and for the reference); rows are
  mean ± sd over seeds.
- ``gaussian_reference``: per class N(μ_c, S_c) fitted to the training pixels, clipped to [-1, 1], the same
  number of samples per class. A generator that does not beat it has learned no more than second moments.
- ``real_fid_floor``: as many real training images per class as there are samples, over ``floor_draws`` draws:
  the FID a perfect generator would reach at that sample size, with its sampling noise.
- ``diversity`` (mean within-class feature distance) is reported with ``diversity_gap`` = |div − div_real|:
  higher diversity is not better, closer to the data's is.
- ``dark_fraction``: share of pixels below −0.9 (MNIST's black background), against the data's.
"""
from __future__ import annotations

import logging
import time

import numpy as np
import torch

from invdiff.baselines.gaussian import ClassGaussians
from invdiff.config import Params
from invdiff.diffusion import network_evaluations
from invdiff.diffusion.module import ConditionalDiffusion
from invdiff.errors import ConfigError
from invdiff.experiments.mnist import data as mnist
from invdiff.experiments.mnist.classifier import LeNet, feature_extractor, predict
from invdiff.experiments.mnist.task import sample_digits
from invdiff.headline import best_over_w, rounded
from invdiff.metrics.fid import ReferenceFid, mean_pairwise_distance
from invdiff.seeds import paired_generator, summarize

log = logging.getLogger("invdiff")
METRIC_KEYS = ("fid", "accuracy", "diversity", "diversity_gap", "dark_fraction")
DARK = -0.9
GAUSSIAN = "gaussian_reference"


def class_diversity(features: np.ndarray, labels: np.ndarray) -> float:
    """Mean over classes of the mean pairwise feature distance within the class."""
    return float(np.mean([mean_pairwise_distance(features[labels == c]) for c in np.unique(labels)]))


def dark_fraction(x: torch.Tensor) -> float:
    return float((x < DARK).float().mean())


def per_class_subset(labels: np.ndarray, k: int, seed: int, key: str = "mnist_cfg.eval.samples_per_class",
                     split: str = "training") -> np.ndarray:
    """k indices per class (the real-data twin of the generated set), class-major, deterministic in ``seed``;
    too few images of a class is an error naming the params ``key`` that asked for them."""
    rng = np.random.default_rng(seed)
    picks = []
    for c in range(10):
        members = np.flatnonzero(labels == c)
        if len(members) < k:
            raise ConfigError(f"{key}: {k} per class exceeds the {len(members)} {split} images of class {c}")
        picks.append(rng.choice(members, size=k, replace=False))
    return np.concatenate(picks)


class Scorer:
    """Scores a class-major image set [10·k, 1, 28, 28] in [-1, 1] against the test split."""

    def __init__(self, classifier: LeNet, labels: torch.Tensor):
        test_images, _ = mnist.load_split("test")
        self.classifier, self.labels = classifier, labels
        self.reference = ReferenceFid(feature_extractor(classifier), mnist.to_model_space(test_images),
                                      "the MNIST test split")
        self.real_diversity: float | None = None

    def __call__(self, x: torch.Tensor) -> dict[str, float]:
        x = x.clamp(-1, 1)
        features, logits = predict(self.classifier, x)
        features = features.numpy()
        diversity = class_diversity(features, self.labels.numpy())
        row = {"fid": self.reference.score_features(features),
               "accuracy": float((logits.argmax(-1) == self.labels).float().mean()),
               "diversity": diversity, "dark_fraction": dark_fraction(x)}
        if self.real_diversity is not None:
            row["diversity_gap"] = abs(diversity - self.real_diversity)
        return row


def real_floor(params: Params, scorer: Scorer, k: int, train_images: np.ndarray,
               train_labels: np.ndarray) -> dict[str, float]:
    """FID etc. of ``floor_draws`` real class-balanced training sets; sets the scorer's ``real_diversity``."""
    rows = [scorer(mnist.to_model_space(train_images[per_class_subset(train_labels, k, params.seed + draw)]))
            for draw in range(params.mnist_cfg.eval.floor_draws)]
    floor = summarize(rows)
    scorer.real_diversity = floor["diversity"]
    return floor


def evaluate(params: Params, module: ConditionalDiffusion, classifier: LeNet):
    """Returns (metrics JSON dict, {w: uint8 samples [10*k, 28, 28] class-major} of the first seed)."""
    cfg = params.mnist_cfg.eval
    k = cfg.samples_per_class
    labels = torch.arange(10).repeat_interleave(k)
    scorer = Scorer(classifier, labels)
    train_images, train_labels = mnist.load_split("train")
    floor = real_floor(params, scorer, k, train_images, train_labels)
    gaussians = ClassGaussians(mnist.to_model_space(train_images), torch.from_numpy(train_labels))
    out: dict = {GAUSSIAN: summarize([{**scorer(gaussians.sample(labels, paired_generator(params.seed, s))),
                                       "seconds": 0.0} for s in range(cfg.seeds)])}
    samples: dict[float, np.ndarray] = {}
    for w in cfg.guidance_weights:
        rows = []
        for seed in range(cfg.seeds):
            start = time.perf_counter()
            x = sample_digits(module, labels, w, cfg.sampler, paired_generator(params.seed, seed),
                              progress=True).samples
            rows.append({**scorer(x), "seconds": round(time.perf_counter() - start, 2)})
            if seed == 0:
                samples[w] = mnist.to_pixels(x)
        out[f"w={float(w)}"] = summarize(rows)
        log.info("w=%g %s", w, {key: out[f"w={float(w)}"][key] for key in METRIC_KEYS})
    test_images, test_labels = mnist.load_split("test")
    _, test_logits = predict(classifier, mnist.to_model_space(test_images))
    out["real_fid_floor"], out["real_fid_floor_sd"] = floor["fid"], floor["fid_sd"]
    out["real_diversity"], out["real_dark_fraction"] = floor["diversity"], floor["dark_fraction"]
    out["classifier_accuracy"] = float((test_logits.argmax(-1).numpy() == test_labels).mean())
    out["samples_per_class"] = k
    out["seeds"], out["floor_draws"] = cfg.seeds, cfg.floor_draws
    out["sampler"] = {"name": cfg.sampler.name,
                      "steps": network_evaluations(cfg.sampler, params.mnist_cfg.diffusion.timesteps)}
    out["data_source"] = "real"
    return out, samples


def mlflow_children(params: Params, metrics: dict) -> dict[str, tuple[dict, dict]]:
    """One child run per guidance weight and one for the Gaussian reference, with the JSON's keys."""
    cfg = params.mnist_cfg.eval
    children = {f"w={w:g}": ({"w": w, "sampler": cfg.sampler.name, "seeds": cfg.seeds}, metrics[f"w={float(w)}"])
                for w in cfg.guidance_weights}
    children[GAUSSIAN] = ({"method": GAUSSIAN, "seeds": cfg.seeds}, metrics[GAUSSIAN])
    return children


def headline(metrics: dict) -> dict:
    """The DDPM at its best guidance weight by FID, the Gaussian reference and the real-data floor."""
    w, row = best_over_w(metrics, "fid")
    return rounded({"fid": row["fid"], "w": w, "fid_ref": metrics["gaussian_reference"]["fid"],
                    "fid_floor": metrics["real_fid_floor"]})
