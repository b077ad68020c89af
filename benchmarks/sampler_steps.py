"""Quality vs network calls per experiment: DDIM and DPM-Solver++(2M) at 5 / 10 / 20 / 50 steps (``--steps``) and
the stage's current sampler, on inputs the stage does not report, at every guidance weight of the stage.

    python benchmarks/sampler_steps.py branin|mnist_cfg|pose [--seeds 2] [--steps 5 10 20 50] [--out DIR]

Needs the trained models (``dvc repro train_branin``, ``train_mnist_cfg``, ``train_pose@mlp``). Writes
``<out>/<experiment>.csv`` (one row per sampler, steps, w: the metric's mean and sd over paired seeds) and
``<out>/<experiment>.png``, and prints the choice rule's verdict: the fewest calls whose metric at the headline's
w is within max(2 %, one seed sd) of the current sampler's.

Selection inputs (never the reported ones): Branin at level targets between the reported ones; MNIST scored by
FID against the *training* digits (the stage scores against the test split); pose on validation frames halfway
between the stage's evenly spaced ones.
"""
from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

import numpy as np
import torch

from invdiff.config import load_params
from invdiff.diffusion import network_evaluations
from invdiff.sections import SamplerConfig
from invdiff.seeds import paired_generator

STEPS = (5, 10, 20, 50)
BRANIN_TUNING_TARGETS = (-2.0, -10.0, -40.0, -100.0)


def branin_scorer(params):
    from invdiff.experiments.branin import data as problem
    from invdiff.experiments.branin.level_set import conditional_points, level_set_scores
    from invdiff.experiments.branin.task import BraninTask, sample_levels

    module, n = BraninTask().load(), params.branin.eval.n_samples
    refs = [conditional_points(problem.negative_branin, problem.LOWER, problem.UPPER, y, n)
            for y in BRANIN_TUNING_TARGETS]

    def score(sampler, w, seed):
        x = sample_levels(module, torch.tensor(BRANIN_TUNING_TARGETS), n, w, sampler,
                          paired_generator(params.seed, seed)).double().numpy()
        return float(np.mean([level_set_scores(x[k], problem.negative_branin, y, problem.F_RANGE, problem.LOWER,
                                               problem.UPPER, refs[k])["residual"]
                              for k, y in enumerate(BRANIN_TUNING_TARGETS)]))

    return score, "residual", params.branin.eval, params.branin.diffusion.timesteps


def mnist_scorer(params):
    from invdiff.experiments.mnist import classifier
    from invdiff.experiments.mnist import data as mnist
    from invdiff.experiments.mnist.task import MnistCfgTask, sample_digits
    from invdiff.metrics.fid import ReferenceFid

    module, k = MnistCfgTask().load(), params.mnist_cfg.eval.samples_per_class
    labels = torch.arange(10).repeat_interleave(k)
    reference = ReferenceFid(classifier.feature_extractor(classifier.load()),
                             mnist.to_model_space(mnist.load_split("train")[0]), "the MNIST training split")

    def score(sampler, w, seed):
        x = sample_digits(module, labels, w, sampler, paired_generator(params.seed, seed)).samples
        return reference(x.clamp(-1, 1))

    return score, "fid", params.mnist_cfg.eval, params.mnist_cfg.diffusion.timesteps


def pose_scorer(params, arch="mlp"):
    """MPJPE first (the pose headline's criterion), the pixel alignment error beside it."""
    from invdiff.experiments.pose.data import dataset as pose_dataset
    from invdiff.experiments.pose.data.forward_model import keypoints_to_unit, load_forward_model
    from invdiff.experiments.pose.scoring import score_samples, split_inputs
    from invdiff.experiments.pose.task import PoseTask, sample_poses

    cfg, module, forward = params.pose.eval, PoseTask(arch).load(), load_forward_model(params.camera)
    val = pose_dataset.load_split("val")
    reported = np.linspace(0, len(val.x6d) - 1, cfg.val_inputs)
    inputs = split_inputs(val, np.unique(((reported[:-1] + reported[1:]) / 2).round().astype(np.int64)))
    keypoints = keypoints_to_unit(inputs.keypoints, params.camera.image_size)

    def score(sampler, w, seed):
        x6d = sample_poses(module, keypoints, cfg.samples_per_input, w, sampler,
                           paired_generator(params.seed, seed), batch_size=cfg.batch_size).samples
        row = score_samples(forward, inputs, x6d, 0.0)[0]
        return {"mpjpe_mm": row["mpjpe_mm"], "pixel_alignment_error": row["pixel_alignment_error"]}

    # "current" is the architecture's own stage sampler (pose.eval.steps_by_arch)
    return score, "mpjpe_mm", cfg.model_copy(update={"sampler": cfg.sampler_for(arch)}), params.pose.diffusion.timesteps


SCORERS = {"branin": branin_scorer, "mnist_cfg": mnist_scorer, "pose": pose_scorer,
           "pose_transformer": lambda params: pose_scorer(params, "transformer")}


def settings(current: SamplerConfig, steps, timesteps: int):
    """(label, config): DDIM with the stage's η (η = 0 and the strided ancestral η = 1 when the stage samples
    DDPM), DPM-Solver++(2M), the current one."""
    etas = [current.eta] if current.name == "ddim" else [0.0, 1.0]
    out = [(f"ddim eta={eta:g}", SamplerConfig(name="ddim", steps=s, eta=eta, clip_x0=current.clip_x0))
           for eta in etas for s in steps if s <= timesteps]
    out += [("dpm_solver", SamplerConfig(name="dpm_solver", steps=s, clip_x0=current.clip_x0))
            for s in steps if s < timesteps]
    return out + [(f"current ({current.name})", current)]


def measure(experiment: str, seeds: int, steps, weights=None, only=None) -> tuple[list[dict], str]:
    params = load_params()
    score, metric, eval_cfg, timesteps = SCORERS[experiment](params)
    rows = []
    for label, sampler in settings(eval_cfg.sampler, steps, timesteps):
        if only and not any(label.startswith(prefix) for prefix in only):
            continue
        for w in weights or eval_cfg.guidance_weights:
            start = time.perf_counter()
            values = [score(sampler, w, seed) for seed in range(seeds)]
            values = [v if isinstance(v, dict) else {metric: v} for v in values]
            row = {"sampler": label, "calls": network_evaluations(sampler, timesteps), "w": float(w)}
            for key in values[0]:
                row[key] = float(np.mean([v[key] for v in values]))
                row[f"{key}_sd"] = float(np.std([v[key] for v in values], ddof=1))
            rows.append({**row, "seconds": round(time.perf_counter() - start, 2)})
            print(" ".join(f"{k}={v:.5g}" if isinstance(v, float) else f"{k}={v}" for k, v in rows[-1].items()),
                  flush=True)
    return rows, metric


def choose(rows: list[dict], metric: str) -> dict[str, tuple[dict, float]]:
    """Two readings of "the fewest calls within max(2 %, one seed sd) of the current sampler" (lower is better for
    every metric here): ``headline`` at the w where the current sampler is best, ``every_w`` at every guidance
    weight at once (the stage's default: a cheaper sampler must not change the reading of the w sweep). Returns
    {rule: (chosen row at the headline's w, that tolerance)}; the current sampler when nothing cheaper qualifies."""
    current = {r["w"]: r for r in rows if r["sampler"].startswith("current")}
    tolerance = {w: max(0.02 * r[metric], r[f"{metric}_sd"]) for w, r in current.items()}
    best_w = min(current, key=lambda w: current[w][metric])
    within = lambda r: r[metric] <= current[r["w"]][metric] + tolerance[r["w"]]  # noqa: E731
    candidates = [r for r in rows if not r["sampler"].startswith("current")]
    headline = [r for r in candidates if r["w"] == best_w and within(r)]
    every = [r for r in candidates if r["w"] == best_w and all(
        within(o) for o in candidates if (o["sampler"], o["calls"]) == (r["sampler"], r["calls"]))]
    pick = lambda ok: min(ok, key=lambda r: (r["calls"], r[metric])) if ok else current[best_w]  # noqa: E731
    return {"headline": (pick(headline), tolerance[best_w]), "every_w": (pick(every), tolerance[best_w])}


def write(rows: list[dict], metric: str, experiment: str, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    with open(out / f"{experiment}.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    weights = sorted({r["w"] for r in rows})
    fig, axes = plt.subplots(1, len(weights), figsize=(4 * len(weights), 3.4), squeeze=False)
    for ax, w in zip(axes[0], weights):
        for label in dict.fromkeys(r["sampler"] for r in rows):
            pts = sorted((r["calls"], r[metric], r[f"{metric}_sd"]) for r in rows
                         if r["w"] == w and r["sampler"] == label)
            calls, value, sd = map(np.array, zip(*pts))
            ax.errorbar(calls, value, yerr=sd, marker="o", capsize=2, label=label,
                        linestyle="none" if label.startswith("current") else "-")
        ax.set_xscale("log")
        ax.set_xlabel("network calls per sample")
        ax.set_title(f"w = {w:g}")
    axes[0][0].set_ylabel(metric)
    axes[0][-1].legend(fontsize=7)
    fig.suptitle(f"{experiment}: {metric} vs network calls (selection inputs, mean ± sd over seeds)")
    fig.tight_layout()
    fig.savefig(out / f"{experiment}.png", dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("experiment", choices=sorted(SCORERS))
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--steps", type=int, nargs="+", default=list(STEPS), help="default: %(default)s")
    parser.add_argument("--weights", type=float, nargs="+", help="default: the stage's guidance weights")
    parser.add_argument("--only", nargs="+", help="samplers whose label starts so (e.g. 'ddim eta=1' current)")
    parser.add_argument("--out", type=Path, default=Path("docs/sampler_steps"))
    args = parser.parse_args()
    rows, metric = measure(args.experiment, args.seeds, args.steps, args.weights, args.only)
    name = args.experiment if not (args.weights or args.only) else f"{args.experiment}_check"
    write(rows, metric, name, args.out)
    if not any(r["sampler"].startswith("current") for r in rows):
        return
    for rule, (choice, tolerance) in choose(rows, metric).items():
        print(f"choice ({rule} rule, at w={choice['w']:g}, tolerance {tolerance:.4g}): {choice['sampler']} with "
              f"{choice['calls']} calls, {metric} {choice[metric]:.5g} ± {choice[f'{metric}_sd']:.2g}")


if __name__ == "__main__":
    main()
