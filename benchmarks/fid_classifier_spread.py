"""How much FID depends on the feature network: classifiers trained with different seeds (params.yaml
otherwise) score the *same* image sets — real training digits (the floor), the per-class Gaussian reference and
the committed CFG model's samples at each guidance weight — against the MNIST test split.

    python benchmarks/fid_classifier_spread.py [--seeds 0,1,2]

Needs `dvc repro train_mnist_cfg` (the samples' model). Prints one column per classifier seed, then the
spread (max − min) and the relative spread of each row.
"""
from __future__ import annotations

import argparse
import logging

import numpy as np
import torch
from variant_training import params_with, train_variant

from invdiff.baselines.gaussian import ClassGaussians
from invdiff.config import load_params
from invdiff.experiments.mnist import data as mnist
from invdiff.experiments.mnist.classifier import ClassifierTask, test_accuracy
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
    table, accuracies = {name: [] for name in sets}, []
    for seed in seeds:
        module, _, _ = train_variant(ClassifierTask(), params_with({"seed": seed}))
        accuracies.append(test_accuracy(module.net)[0])
        scorer = Scorer(module.net, labels)
        for name, x in sets.items():
            table[name].append(scorer(x)["fid"])
    print(f"{len(labels)} images per set; classifier seeds {seeds}, test accuracy "
          + ", ".join(f"{a:.3f}" for a in accuracies))
    print(f"{'set':22}" + "".join(f"{f'seed {s}':>10}" for s in seeds) + f"{'spread':>10}{'rel.':>8}")
    for name, values in table.items():
        v = np.array(values)
        print(f"{name:22}" + "".join(f"{x:>10.1f}" for x in v) + f"{v.max() - v.min():>10.1f}"
              f"{(v.max() - v.min()) / v.mean():>8.1%}")


if __name__ == "__main__":
    main()
