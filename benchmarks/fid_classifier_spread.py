"""How much FID depends on the feature network: classifiers trained with different seeds (params.yaml
otherwise) score the *same* image sets — real training digits (the floor), the per-class Gaussian reference and
the committed CFG model's samples at each guidance weight — against the MNIST test split, beside the pipeline's
frozen net. Then the frozen net scores the same sets with 1 and with 2 threads: how far FID moves when only the
arithmetic's order changes (as it does between machines).

    python benchmarks/fid_classifier_spread.py [--seeds 0,1,2]

Needs `dvc repro train_mnist_cfg fid_classifier`. Prints one column per classifier seed, then the spread
(max − min) and the relative spread of each row.
"""
from __future__ import annotations

import argparse
import logging

import numpy as np
import torch
from variant_training import params_with, train_variant

from invdiff.baselines.gaussian import ClassGaussians
from invdiff.config import load_params
from invdiff.experiments.mnist import classifier
from invdiff.experiments.mnist import data as mnist
from invdiff.experiments.mnist.classifier import ClassifierTask, feature_extractor, test_accuracy
from invdiff.experiments.mnist.evaluate import Scorer, per_class_subset
from invdiff.experiments.mnist.task import MnistCfgTask, sample_digits
from invdiff.seeds import paired_generator


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", default="0,1,2")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    base = load_params()
    cfg = base.mnist_cfg.eval
    k = cfg.samples_per_class
    labels = torch.arange(10).repeat_interleave(k)
    images, train_labels = mnist.load_split("train")
    sets = {"real (floor)": mnist.to_model_space(images[per_class_subset(train_labels, k, base.seed)]),
            "gaussian_reference": ClassGaussians(mnist.to_model_space(images), torch.from_numpy(train_labels))
            .sample(labels, paired_generator(base.seed, 0))}
    model = MnistCfgTask().load()
    for w in cfg.guidance_weights:
        sets[f"ddpm w={w:g}"] = sample_digits(model, labels, w, cfg.sampler, paired_generator(base.seed, 0)).samples
    seeds = [int(s) for s in args.seeds.split(",")]
    frozen = classifier.load()
    frozen_scorer = Scorer(frozen, labels)
    frozen_fid = {name: frozen_scorer(x)["fid"] for name, x in sets.items()}
    table, accuracies = {name: [] for name in sets}, []
    for seed in seeds:
        module, _, _ = train_variant(ClassifierTask(), params_with({"seed": seed}))
        accuracies.append(test_accuracy(module.net)[0])
        scorer = Scorer(module.net, labels)
        for name, x in sets.items():
            table[name].append(scorer(x)["fid"])
    print(f"{len(labels)} images per set; frozen net test accuracy {test_accuracy(frozen)[0]:.3f}; retrained with "
          f"seeds {seeds}: " + ", ".join(f"{a:.3f}" for a in accuracies))
    print(f"{'set':22}{'frozen':>10}" + "".join(f"{f'seed {s}':>10}" for s in seeds) + f"{'spread':>10}{'rel.':>8}")
    for name, values in table.items():
        v = np.array(values)
        print(f"{name:22}{frozen_fid[name]:>10.1f}" + "".join(f"{x:>10.1f}" for x in v)
              + f"{v.max() - v.min():>10.1f}{(v.max() - v.min()) / v.mean():>8.1%}")
    threads = torch.get_num_threads()
    by_threads = {}
    for n in sorted({1, threads}):
        torch.set_num_threads(n)
        by_threads[n] = {name: (feature_extractor(frozen)(x), frozen_scorer(x)["fid"]) for name, x in sets.items()}
    torch.set_num_threads(threads)
    if len(by_threads) > 1:
        (_, a), (_, b) = by_threads.items()
        print(f"frozen net, 1 vs {threads} threads: largest feature difference "
              f"{max(np.abs(a[k][0] - b[k][0]).max() for k in sets):.1e}, largest FID difference "
              f"{max(abs(a[k][1] - b[k][1]) for k in sets):.1e}")


if __name__ == "__main__":
    main()
