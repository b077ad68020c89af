"""MNIST CFG recipes on 2 CPU cores: each variant trained through the real training entry, then scored like
eval_mnist_cfg (FID in the classifier's features, class accuracy, share of dark pixels) at every guidance weight
of params.yaml, beside the per-class Gaussian reference and the real-data floor.

    python benchmarks/mnist_recipes.py [--variants default,lr_4e-3,...] [--seeds 1] [--equal-time]

Needs `dvc repro fid_classifier` (the FID features). Every variant is params.yaml plus the overrides in
VARIANTS; it trains in a scratch folder (models/ is untouched).
"""
from __future__ import annotations

import time

import torch
from variant_training import EqualTime, params_with, train_variant, variant_args

from invdiff.baselines.gaussian import ClassGaussians
from invdiff.config import load_params
from invdiff.experiments.mnist import classifier
from invdiff.experiments.mnist import data as mnist
from invdiff.experiments.mnist.evaluate import Scorer, real_floor
from invdiff.experiments.mnist.task import MnistCfgTask, sample_digits
from invdiff.seeds import paired_generator, summarize

GROUP = {"mnist_cfg.model.norm": "group"}
NO_EMA = {"mnist_cfg.ema.enabled": False}
LR4 = {"mnist_cfg.train.lr": 4.0e-3}
# Variants that change the cost of a step get the steps that fill the default's training time (--equal-time):
# a short probe run through the same entry measures their seconds per step first.
VARIANTS = {
    "default": {},
    "group_norm": GROUP,
    "group_norm_no_ema": {**GROUP, **NO_EMA},
    "no_ema": NO_EMA,
    "cosine_schedule": {"mnist_cfg.diffusion.schedule": "cosine"},
    "lr_1e-3": {"mnist_cfg.train.lr": 1.0e-3},
    "lr_4e-3": LR4,
    "warmup_100": {"mnist_cfg.train.warmup_steps": 100},
    "lr_4e-3_warmup_100": {**LR4, "mnist_cfg.train.warmup_steps": 100},
    "lr_8e-3_warmup_100": {"mnist_cfg.train.lr": 8.0e-3, "mnist_cfg.train.warmup_steps": 100},
    "batch_32": {"mnist_cfg.train.batch_size": 32},
    "batch_128": {"mnist_cfg.train.batch_size": 128},
    "lr_4e-3_batch_32": {**LR4, "mnist_cfg.train.batch_size": 32},
    "lr_4e-3_batch_128": {**LR4, "mnist_cfg.train.batch_size": 128},
    "lr_4e-3_feat_24": {**LR4, "mnist_cfg.model.n_feat": 24},
    "lr_4e-3_feat_32_batch_32": {**LR4, "mnist_cfg.model.n_feat": 32, "mnist_cfg.train.batch_size": 32},
    "twice_the_steps": {"mnist_cfg.train.max_steps": 2400},
    "lr_4e-3_twice_the_steps": {**LR4, "mnist_cfg.train.max_steps": 2400},
}
PROBE_STEPS = 60
COST_KEYS = ("mnist_cfg.train.batch_size", "mnist_cfg.model")


def main() -> None:
    args = variant_args(__doc__, VARIANTS, seeds=1, extra=lambda p: p.add_argument(
        "--equal-time", action="store_true", help="give every variant the steps that fill the default's training "
                                                  "time (measured by a short probe run of each)"))
    base = load_params()
    cfg = base.mnist_cfg.eval
    labels = torch.arange(10).repeat_interleave(cfg.samples_per_class)
    scorer = Scorer(classifier.load(), labels)
    images, train_labels = mnist.load_split("train")
    floor = real_floor(base, scorer, cfg.samples_per_class, images, train_labels)
    gaussians = ClassGaussians(mnist.to_model_space(images), torch.from_numpy(train_labels))
    gaussian = summarize([scorer(gaussians.sample(labels, paired_generator(base.seed, s))) for s in range(3)])
    weights = cfg.guidance_weights
    print(f"{10 * cfg.samples_per_class} samples, {args.seeds} paired seeds, {torch.get_num_threads()} threads; "
          f"real floor FID {floor['fid']:.1f}±{floor['fid_sd']:.1f}, dark {floor['dark_fraction']:.3f}")
    print(f"{'variant':26}{'steps':>6}{'train s':>8}{'sample s':>9}  "
          + "".join(f"{f'FID w={w:g}':>11}" for w in weights) + "".join(f"{f'acc w={w:g}':>10}" for w in weights)
          + "".join(f"{f'dark w={w:g}':>11}" for w in weights))
    print(f"{'gaussian_reference':26}{'':>23}  {gaussian['fid']:>11.1f}{'':>{11 * (len(weights) - 1)}}"
          f"{gaussian['accuracy']:>10.3f}{'':>{10 * (len(weights) - 1)}}{gaussian['dark_fraction']:>11.3f}")
    equal_time = (EqualTime(MnistCfgTask(), "mnist_cfg.train.max_steps", base.mnist_cfg.train.max_steps, PROBE_STEPS,
                            NO_EMA, COST_KEYS) if args.equal_time else None)
    for name in args.variants.split(","):
        overrides = VARIANTS[name] if equal_time is None else equal_time(VARIANTS[name])
        params = params_with(overrides)
        module, seconds, _ = train_variant(MnistCfgTask(), params)
        cells, sample_seconds = [], 0.0
        for w in weights:
            rows = []
            for s in range(args.seeds):
                start = time.perf_counter()
                x = sample_digits(module, labels, w, params.mnist_cfg.eval.sampler, paired_generator(base.seed, s))
                sample_seconds += time.perf_counter() - start
                rows.append(scorer(x.samples))
            cells.append(summarize(rows))
        print(f"{name:26}{params.mnist_cfg.train.max_steps:>6}{seconds:>8.0f}{sample_seconds:>9.0f}  "
              + "".join(f"{c['fid']:>11.1f}" for c in cells)
              + "".join(f"{c['accuracy']:>10.3f}" for c in cells)
              + "".join(f"{c['dark_fraction']:>11.3f}" for c in cells), flush=True)


if __name__ == "__main__":
    main()
