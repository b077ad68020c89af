"""IGO score-model recipes at the default budget: each variant trains one α through the real training entry, then
both paths are sampled like eval_igo (probability-flow ODE from the exact-moment Gaussian) and scored by FID
over paired sampling seeds, beside the Gaussian N(μ, S) fitted to the training pixels and the real-data floor.

    python benchmarks/igo_recipes.py [--variants default,wiener,...] [--alpha 1.0] [--seeds 3] [--num 500]
                                     [--train-seeds 0,1] [--equal-time]

``conf`` is the fraction of samples the frozen FID classifier assigns to one digit with probability ≥ 0.9 (the
test split: 0.97). With --equal-time, variants that change the cost of a step (batch, channels) get the
steps that fill the default's training time, measured by a short probe run of each.

With several training seeds each variant is trained once per seed (params ``seed``: initialisation and batch
order) and a last line per variant gives the mean ± sd of the per-seed FIDs.

Needs `dvc repro fid_classifier` (the FID features). Every variant is params.yaml plus the overrides in
VARIANTS; it trains in a scratch folder (models/ is untouched).
"""
from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

import torch
from variant_training import EqualTime, params_with, train_variant

from invdiff.baselines.gaussian import GaussianImages
from invdiff.config import load_params
from invdiff.experiments.igo.evaluate import generate
from invdiff.experiments.igo.prior import data_moments
from invdiff.experiments.igo.task import IgoTask
from invdiff.experiments.mnist import classifier
from invdiff.experiments.mnist import data as mnist
from invdiff.io import save_figure
from invdiff.metrics.fid import ReferenceFid
from invdiff.seeds import paired_generator, summarize
from invdiff.viz.grids import image_grid

WIENER = {"igo.model.preconditioning": "wiener"}
VARIANTS = {
    "default": {},
    "gaussian_skip": {"igo.model.preconditioning": "gaussian_skip"},
    "wiener": WIENER,
    "none": {"igo.model.preconditioning": "none"},
    "kappa_0": {"igo.sde.kappa": 0.0},
    "wiener_kappa_0": {**WIENER, "igo.sde.kappa": 0.0},
    "wiener_kappa_0.5": {**WIENER, "igo.sde.kappa": 0.5},
    "wiener_kappa_1": {**WIENER, "igo.sde.kappa": 1.0},
    "wiener_lr_1e-3": {**WIENER, "igo.train.lr": 1.0e-3},
    "wiener_lr_6e-3": {**WIENER, "igo.train.lr": 6.0e-3},
    "wiener_batch_64": {**WIENER, "igo.train.batch_size": 64, "igo.train.max_steps": 1000},
    "wiener_twice_the_steps": {**WIENER, "igo.train.max_steps": 3200},
    "log_normal": {"igo.time_sampling.name": "log_normal"},
    "log_normal_mean_0": {"igo.time_sampling.name": "log_normal", "igo.time_sampling.mean": 0.0},
    "uniform": {"igo.time_sampling.name": "uniform"},
    "batch_16": {"igo.train.batch_size": 16},
    "batch_64": {"igo.train.batch_size": 64},
    "channels_8": {"igo.model.channels": [8, 16, 32, 64]},
    "channels_32": {"igo.model.channels": [32, 64, 128, 256]},
    "ema_0.99": {"igo.ema.enabled": True, "igo.ema.decay": 0.99},
    "ema_0.999": {"igo.ema.enabled": True, "igo.ema.decay": 0.999},
    "batch_16_ema_0.99": {"igo.train.batch_size": 16, "igo.ema.enabled": True, "igo.ema.decay": 0.99},
    "batch_16_ema_0.995": {"igo.train.batch_size": 16, "igo.ema.enabled": True, "igo.ema.decay": 0.995},
    "lr_6e-3": {"igo.train.lr": 6.0e-3},
    "steps_4800": {"igo.train.max_steps": 4800},
    "steps_9600": {"igo.train.max_steps": 9600},
    "steps_19200": {"igo.train.max_steps": 19200},
}
PROBE_STEPS = 100
COST_KEYS = ("igo.train.batch_size", "igo.model.channels")  # EMA: one lerp per weight, negligible


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--alpha", type=float, default=1.0)
    parser.add_argument("--seeds", type=int, default=3, help="paired sampling seeds per path")
    parser.add_argument("--num", type=int, default=500, help="samples per FID")
    parser.add_argument("--train-seeds", default=None, help="comma-separated training seeds (default: params seed)")
    parser.add_argument("--equal-time", action="store_true", help="steps that fill the default's training time")
    parser.add_argument("--grids", default=None, help="folder for a 64-sample grid per variant (first seed)")
    args = parser.parse_args()
    unknown = [v for v in args.variants.split(",") if v not in VARIANTS]
    if unknown:
        parser.error(f"unknown variants {unknown}; choose from {list(VARIANTS)}")
    logging.basicConfig(level=logging.WARNING)
    base = load_params()
    train = mnist.to_model_space(mnist.load_split("train")[0])
    net = classifier.load()
    reference = ReferenceFid(classifier.feature_extractor(net), mnist.to_model_space(mnist.load_split("test")[0]),
                             "the MNIST test split")

    def score(x: torch.Tensor) -> dict:
        return {"fid": reference(x), "confident": classifier.confident_fraction(net, x)}

    gaussian = GaussianImages(train)
    ref = summarize([score(gaussian.sample(args.num, paired_generator(base.seed, s))) for s in range(args.seeds)])
    floor = summarize([score(train[torch.randperm(len(train), generator=paired_generator(base.seed, s))[:args.num]])
                       for s in range(args.seeds)])
    print(f"alpha={args.alpha:g}, {args.num} samples, {args.seeds} paired seeds, {torch.get_num_threads()} threads;"
          f" gaussian_reference FID {ref['fid']:.1f}±{ref['fid_sd']:.1f} conf {ref['confident']:.2f}, real floor "
          f"{floor['fid']:.1f}±{floor['fid_sd']:.1f} conf {floor['confident']:.2f}")
    print(f"{'variant':24}{'steps':>6}{'train s':>8}{'loss':>8}{'FID full':>16}{'/ ref':>7}{'conf':>6}"
          f"{'FID intermediate':>18}{'s/FID':>7}")
    equal_time = (EqualTime(IgoTask(args.alpha), "igo.train.max_steps", base.igo.train.max_steps, PROBE_STEPS,
                            {"igo.ema.enabled": False}, COST_KEYS) if args.equal_time else None)
    moments = data_moments(train)
    train_seeds = [base.seed] if args.train_seeds is None else [int(x) for x in args.train_seeds.split(",")]
    for name in args.variants.split(","):
        per_seed = []
        for train_seed in train_seeds:
            overrides = VARIANTS[name] if equal_time is None else equal_time(VARIANTS[name])
            params = params_with({**overrides, "seed": train_seed})
            module, seconds, result = train_variant(IgoTask(args.alpha), params)
            cfg = params.igo.eval.model_copy(update={"num_samples": args.num, "batch_size": args.num})
            cells = []
            start = time.perf_counter()
            for path in ("full", "intermediate") if args.alpha < 1 else ("full",):
                rows = []
                for s in range(args.seeds):
                    x = generate(module, path, moments, cfg, paired_generator(base.seed, s)).samples
                    rows.append(score(x))
                    if s == 0 and args.grids:
                        save_figure(image_grid(mnist.to_pixels(x[:64].clamp(-1, 1)), rows=8,
                                               title=f"{name} (seed {train_seed}, {path}): FID {rows[0]['fid']:.0f}, "
                                                     f"{rows[0]['confident']:.0%} read as digits"),
                                    Path(args.grids) / f"{name}_seed{train_seed}_{path}.png")
                cells.append(summarize(rows))
            per_fid = (time.perf_counter() - start) / (len(cells) * args.seeds)
            per_seed.append({"fid": cells[0]["fid"]}
                            | ({"fid_intermediate": cells[1]["fid"]} if len(cells) > 1 else {}))
            full = cells[0]
            inter = f"{cells[1]['fid']:.1f}±{cells[1]['fid_sd']:.1f}" if len(cells) > 1 else "—"
            label = name if len(train_seeds) == 1 else f"{name} seed {train_seed}"
            print(f"{label:24}{result.steps:>6}{seconds:>8.0f}{result.final_loss:>8.3f}{full['fid']:>10.1f}±"
                  f"{full['fid_sd']:<5.1f}{full['fid'] / ref['fid']:>7.0%}{full['confident']:>6.2f}{inter:>18}"
                  f"{per_fid:>7.0f}", flush=True)
        if len(train_seeds) > 1:
            over = summarize(per_seed)
            inter = (f"{over['fid_intermediate']:.1f}±{over['fid_intermediate_sd']:.1f}"
                     if "fid_intermediate" in over else "—")
            print(f"{name + ' over seeds':24}{'':>22}{over['fid']:>10.1f}±{over['fid_sd']:<5.1f}"
                  f"{over['fid'] / ref['fid']:>7.0%}{'':>6}{inter:>18}", flush=True)


if __name__ == "__main__":
    main()
