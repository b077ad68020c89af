"""Pose recipe and architecture comparison: each variant trained with the real training entry, then sampled on
eval_pose's val inputs, beside the linear-Gaussian reference.

    python benchmarks/pose_variants.py [--variants mlp,transformer,...] [--seeds 2]

Needs the processed pose data (``dvc repro preprocess_pose``). Every variant is params.yaml plus the overrides
listed in VARIANTS (budgets included, so equal-steps and equal-time rows sit side by side); it trains in a
scratch folder (nothing under models/ is touched) and prints train seconds, parameters and val alignment /
MPJPE at w = 0 and the last guidance weight, mean ± sd over paired sampling seeds.
"""
from __future__ import annotations

import torch
from variant_training import params_with, train_variant, variant_args

from invdiff.config import load_params
from invdiff.experiments.pose.data.forward_model import keypoints_to_unit, load_forward_model
from invdiff.experiments.pose.evaluate import fit_reference, reference_samples, seed_generator, val_inputs
from invdiff.experiments.pose.scoring import score_samples
from invdiff.experiments.pose.task import PoseTask, sample_poses
from invdiff.seeds import summarize

MLP_STEPS_OF_TRANSFORMER = {"pose.train.mlp.max_steps": 1000, "pose.train.mlp.batch_size": 256,
                            "pose.train.mlp.lr": 3.0e-3, "pose.train.mlp.warmup_steps": 100}
VARIANTS = {  # name: (arch, overrides of params.yaml)
    "mlp": ("mlp", {}),
    "mlp_unstandardised": ("mlp", {"pose.standardize.enabled": False}),
    "mlp_authors": ("mlp", {"pose.mlp.variant": "authors"}),
    "mlp_at_transformer_steps": ("mlp", MLP_STEPS_OF_TRANSFORMER),
    "mlp_no_ema": ("mlp", {"pose.ema.enabled": False}),
    "mlp_batch128": ("mlp", {"pose.train.mlp.batch_size": 128}),
    "transformer": ("transformer", {}),
    "transformer_token": ("transformer", {"pose.transformer.time_conditioning": "token"}),
    "transformer_unstandardised": ("transformer", {"pose.standardize.enabled": False}),
    "transformer_x4": ("transformer", {"pose.train.transformer.max_steps": 4000}),
    "transformer_x8": ("transformer", {"pose.train.transformer.max_steps": 8000}),
}


def main() -> None:
    args = variant_args(__doc__, VARIANTS, seeds=2)
    base = load_params()
    forward = load_forward_model(base.camera)
    inputs = val_inputs(base)
    k, w_last = base.pose.eval.samples_per_input, base.pose.eval.guidance_weights[-1]
    reference = fit_reference()
    lg = summarize([score_samples(forward, inputs, reference_samples(reference, "linear_gaussian", inputs, k,
                                                                     seed_generator(base, s)), 0.0)[0]
                    for s in range(args.seeds)])
    print(f"val: {len(inputs.names)} inputs x {k} samples, {args.seeds} paired seeds, "
          f"{torch.get_num_threads()} threads")
    print(f"{'variant':28}{'params':>9}{'train s':>9}  {'align w=0':>16}{f'align w={w_last:g}':>16}"
          f"{'MPJPE w=0':>14}{f'MPJPE w={w_last:g}':>14}")
    print(f"{'linear_gaussian':28}{'':>18}  {cell(lg, 'pixel_alignment_error', 4):>16}{'':>16}"
          f"{cell(lg, 'mpjpe_mm', 1):>14}")
    for name in args.variants.split(","):
        arch, overrides = VARIANTS[name]
        params = params_with(overrides)
        module, seconds, result = train_variant(PoseTask(arch), params)
        unit = keypoints_to_unit(inputs.keypoints, base.camera.image_size)
        cells = [summarize([score_samples(forward, inputs, sample_poses(
            module, unit, k, w, params.pose.eval.sampler_for(arch), seed_generator(base, s)).samples, 0.0)[0]
            for s in range(args.seeds)]) for w in (0.0, w_last)]
        print(f"{name:28}{result.num_parameters:>9}{seconds:>9.0f}  "
              + "".join(f"{cell(c, 'pixel_alignment_error', 4):>16}" for c in cells)
              + "".join(f"{cell(c, 'mpjpe_mm', 1):>14}" for c in cells), flush=True)


def cell(row: dict, key: str, digits: int) -> str:
    return f"{row[key]:.{digits}f}±{row[key + '_sd']:.{digits}f}"


if __name__ == "__main__":
    main()
