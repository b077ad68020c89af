"""MNIST CFG recipes on 2 CPU cores: each variant trained through the real training entry, then scored like
eval_mnist_cfg (FID in the classifier's features, class accuracy, share of dark pixels) at w = 0 and the last
guidance weight, beside the per-class Gaussian reference and the real-data floor.

    python benchmarks/mnist_recipes.py [--variants default,batchnorm,...] [--seeds 1]

Needs `dvc repro train_classifier` (the FID features). Every variant is params.yaml plus the overrides in
VARIANTS; it trains in a scratch folder (models/ is untouched).
"""
from __future__ import annotations

import time

import torch
from variant_training import params_with, train_variant, variant_args

from invdiff.baselines.gaussian import ClassGaussians
from invdiff.config import load_params
from invdiff.experiments.mnist import classifier
from invdiff.experiments.mnist import data as mnist
from invdiff.experiments.mnist.evaluate import Scorer, real_floor
from invdiff.experiments.mnist.task import MnistCfgTask, sample_digits
from invdiff.seeds import paired_generator, summarize

BATCH = {"mnist_cfg.model.norm": "batch"}
COSINE = {"mnist_cfg.diffusion.schedule": "cosine"}
EMA = {"mnist_cfg.ema.enabled": True, "mnist_cfg.ema.decay": 0.995}
VARIANTS = {
    "default": {},
    "batchnorm": BATCH,
    "cosine": COSINE,
    "batchnorm_cosine": {**BATCH, **COSINE},
    "batchnorm_ema": {**BATCH, **EMA},
    "batchnorm_cosine_ema": {**BATCH, **COSINE, **EMA},
    "batchnorm_cosine_ema_batch128": {**BATCH, **COSINE, **EMA, "mnist_cfg.train.batch_size": 128,
                                      "mnist_cfg.train.max_steps": 600},
    "batchnorm_cosine_ema_feat32": {**BATCH, **COSINE, **EMA, "mnist_cfg.model.n_feat": 32,
                                    "mnist_cfg.train.max_steps": 600},
}


def main() -> None:
    args = variant_args(__doc__, VARIANTS, seeds=1)
    base = load_params()
    cfg = base.mnist_cfg.eval
    labels = torch.arange(10).repeat_interleave(cfg.samples_per_class)
    scorer = Scorer(classifier.load().net, labels)
    images, train_labels = mnist.load_split("train")
    floor = real_floor(base, scorer, cfg.samples_per_class, images, train_labels)
    gaussians = ClassGaussians(mnist.to_model_space(images), torch.from_numpy(train_labels))
    gaussian = summarize([scorer(gaussians.sample(labels, paired_generator(base.seed, s))) for s in range(3)])
    w_last = cfg.guidance_weights[-1]
    print(f"{10 * cfg.samples_per_class} samples, {args.seeds} paired seeds, {torch.get_num_threads()} threads; "
          f"real floor FID {floor['fid']:.1f}±{floor['fid_sd']:.1f}, dark {floor['dark_fraction']:.3f}")
    print(f"{'variant':32}{'train s':>8}{'sample s':>9}  {'FID w=0':>12}{f'FID w={w_last:g}':>12}"
          f"{'acc w=0':>9}{f'acc w={w_last:g}':>9}{'dark w=0':>10}{f'dark w={w_last:g}':>10}")
    print(f"{'gaussian_reference':32}{'':>17}  {gaussian['fid']:>12.1f}{'':>12}{gaussian['accuracy']:>9.3f}"
          f"{'':>9}{gaussian['dark_fraction']:>10.3f}")
    for name in args.variants.split(","):
        params = params_with(VARIANTS[name])
        module, seconds, _ = train_variant(MnistCfgTask(), params)
        cells, sample_seconds = [], 0.0
        for w in (0.0, w_last):
            rows = []
            for s in range(args.seeds):
                start = time.perf_counter()
                x = sample_digits(module, labels, w, params.mnist_cfg.eval.sampler, paired_generator(base.seed, s))
                sample_seconds += time.perf_counter() - start
                rows.append(scorer(x.samples))
            cells.append(summarize(rows))
        print(f"{name:32}{seconds:>8.0f}{sample_seconds:>9.0f}  "
              + "".join(f"{c['fid']:>12.1f}" for c in cells) + "".join(f"{c['accuracy']:>9.3f}" for c in cells)
              + "".join(f"{c['dark_fraction']:>10.3f}" for c in cells), flush=True)


if __name__ == "__main__":
    main()
