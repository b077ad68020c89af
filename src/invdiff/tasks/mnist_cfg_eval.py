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
from invdiff.data import mnist
from invdiff.diffusion import network_evaluations
from invdiff.errors import ConfigError
from invdiff.metrics.fid import fid, mean_pairwise_distance
from invdiff.nets.lenet import LeNet
from invdiff.tasks.classifier import predict
from invdiff.tasks.diffusion_module import ConditionalDiffusion
from invdiff.tasks.mnist_cfg import sample_digits

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
    test_images, test_labels = mnist.load_split(mnist.RAW_DIR, "test")
    train_images, train_labels = mnist.load_split(mnist.RAW_DIR, "train")
    test_features, test_logits = predict(classifier, mnist.to_model_space(test_images))
    test_features = test_features.numpy()
    labels = torch.arange(10).repeat_interleave(cfg.samples_per_class)
    floor_idx = per_class_subset(train_labels, cfg.samples_per_class, params.seed)
    floor_features, _ = predict(classifier, mnist.to_model_space(train_images[floor_idx]))
    out: dict = {}
    samples: dict[float, np.ndarray] = {}
    for w in cfg.guidance_weights:
        start = time.perf_counter()
        x = sample_digits(module, labels, w, cfg.sampler, torch.Generator().manual_seed(params.seed), progress=True)
        seconds = time.perf_counter() - start
        x = x.clamp(-1, 1)
        features, logits = predict(classifier, x)
        features = features.numpy()
        row = {"fid": fid(features, test_features),
               "accuracy": float((logits.argmax(-1) == labels).float().mean()),
               "diversity": class_diversity(features, labels.numpy()),
               "seconds": round(seconds, 2)}
        log.info("w=%g %s", w, {k: round(v, 4) for k, v in row.items()})
        out[f"w={float(w)}"] = row
        samples[w] = mnist.to_pixels(x)
    out["real_fid_floor"] = fid(floor_features.numpy(), test_features)
    out["real_diversity"] = class_diversity(floor_features.numpy(), train_labels[floor_idx])
    out["classifier_accuracy"] = float((test_logits.argmax(-1).numpy() == test_labels).mean())
    out["samples_per_class"] = cfg.samples_per_class
    out["sampler"] = {"name": cfg.sampler.name,
                      "steps": network_evaluations(cfg.sampler, params.mnist_cfg.diffusion.timesteps)}
    out["data_source"] = "real"
    return out, samples


def write_plots(folder, metrics: dict, samples: dict[float, np.ndarray], k: int) -> dict[str, object]:
    from invdiff.io import save_figure, write_text
    from invdiff.viz.curves import metric_vs_weight
    from invdiff.viz.grids import image_grid

    cols = min(k, 10)
    figures = {}
    for w, images in samples.items():
        shown = images.reshape(10, k, 28, 28)[:, :cols].reshape(-1, 28, 28)
        figures[f"samples_w{w:g}.png"] = image_grid(shown, rows=10, title=f"conditional DDPM, w = {w:g}",
                                                    row_labels=[str(c) for c in range(10)])
    ws = list(samples)
    rows = [metrics[f"w={float(w)}"] for w in ws]
    figures["fid_vs_w.png"] = metric_vs_weight({"ddpm": (ws, [r["fid"] for r in rows])},
                                               {"real data floor": metrics["real_fid_floor"]}, "FID (classifier features)",
                                               "MNIST: FID vs guidance weight")
    figures["accuracy_vs_w.png"] = metric_vs_weight({"ddpm": (ws, [r["accuracy"] for r in rows])},
                                                    {"classifier on real test": metrics["classifier_accuracy"]},
                                                    "accuracy of the conditioning class", "MNIST: accuracy vs w")
    for name, fig in figures.items():
        save_figure(fig, f"{folder}/{name}")
    write_text(f"{folder}/metrics_vs_w.csv", "w," + ",".join(METRIC_KEYS) + "\n" + "".join(
        f"{w}," + ",".join(f"{r[k]:.6g}" for k in METRIC_KEYS) + "\n" for w, r in zip(ws, rows)))
    return figures
