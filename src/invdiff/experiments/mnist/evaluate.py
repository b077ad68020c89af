"""MNIST guidance sweep: FID (classifier features, vs the held-out test split), class accuracy and diversity per w.

Every FID here uses the same number of images, so ``real_fid_floor`` (real train images vs test) is the value a
perfect generator would reach at that sample size.
"""
from __future__ import annotations

import logging
import time

import numpy as np
import torch

from invdiff.config import Params
from invdiff.diffusion import network_evaluations
from invdiff.diffusion.module import ConditionalDiffusion
from invdiff.errors import ConfigError
from invdiff.experiments.mnist import data as mnist
from invdiff.experiments.mnist.classifier import LeNet, feature_extractor, predict
from invdiff.experiments.mnist.task import sample_digits
from invdiff.metrics.fid import ReferenceFid, mean_pairwise_distance

log = logging.getLogger("invdiff")
METRIC_KEYS = ("fid", "accuracy", "diversity")


def class_diversity(features: np.ndarray, labels: np.ndarray) -> float:
    """Mean over classes of the mean pairwise feature distance within the class."""
    return float(np.mean([mean_pairwise_distance(features[labels == c]) for c in np.unique(labels)]))


def per_class_subset(labels: np.ndarray, k: int, seed: int) -> np.ndarray:
    """k indices per class (the real-data twin of the generated set), class-major, deterministic in ``seed``."""
    rng = np.random.default_rng(seed)
    picks = []
    for c in range(10):
        members = np.flatnonzero(labels == c)
        if len(members) < k:
            raise ConfigError(f"mnist_cfg.eval.samples_per_class: {k} exceeds the {len(members)} training images "
                              f"of class {c}")
        picks.append(rng.choice(members, size=k, replace=False))
    return np.concatenate(picks)


def evaluate(params: Params, module: ConditionalDiffusion, classifier: LeNet):
    """Returns (metrics JSON dict, {w: uint8 samples [10*k, 28, 28] class-major})."""
    cfg = params.mnist_cfg.eval
    test_images, test_labels = mnist.load_split("test")
    train_images, train_labels = mnist.load_split("train")
    reference = ReferenceFid(feature_extractor(classifier), mnist.to_model_space(test_images), "the MNIST test split")
    labels = torch.arange(10).repeat_interleave(cfg.samples_per_class)
    floor_idx = per_class_subset(train_labels, cfg.samples_per_class, params.seed)
    floor_features = reference.features(mnist.to_model_space(train_images[floor_idx]))
    out: dict = {}
    samples: dict[float, np.ndarray] = {}
    for w in cfg.guidance_weights:
        start = time.perf_counter()
        x = sample_digits(module, labels, w, cfg.sampler, torch.Generator().manual_seed(params.seed),
                          progress=True).samples
        seconds = time.perf_counter() - start
        x = x.clamp(-1, 1)
        features, logits = predict(classifier, x)
        features = features.numpy()
        row = {"fid": reference.score_features(features),
               "accuracy": float((logits.argmax(-1) == labels).float().mean()),
               "diversity": class_diversity(features, labels.numpy()),
               "seconds": round(seconds, 2)}
        log.info("w=%g %s", w, {k: round(v, 4) for k, v in row.items()})
        out[f"w={float(w)}"] = row
        samples[w] = mnist.to_pixels(x)
    _, test_logits = predict(classifier, mnist.to_model_space(test_images))
    out["real_fid_floor"] = reference.score_features(floor_features)
    out["real_diversity"] = class_diversity(floor_features, train_labels[floor_idx])
    out["classifier_accuracy"] = float((test_logits.argmax(-1).numpy() == test_labels).mean())
    out["samples_per_class"] = cfg.samples_per_class
    out["sampler"] = {"name": cfg.sampler.name,
                      "steps": network_evaluations(cfg.sampler, params.mnist_cfg.diffusion.timesteps)}
    out["data_source"] = "real"
    return out, samples


def mlflow_children(params: Params, metrics: dict) -> dict[str, tuple[dict, dict]]:
    """One child run per guidance weight, with the JSON's keys."""
    cfg = params.mnist_cfg.eval
    return {f"w={w:g}": ({"w": w, "sampler": cfg.sampler.name},
                         {k: metrics[f"w={float(w)}"][k] for k in (*METRIC_KEYS, "seconds")})
            for w in cfg.guidance_weights}
