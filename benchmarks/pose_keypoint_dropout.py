"""Keypoint dropout (mask tokens) against filling missing keypoints in: is a model trained to do without some
keypoints better on eval_pose's ``val_reframed`` inputs, and what does it cost on complete ones?

    python benchmarks/pose_keypoint_dropout.py [--variants complete,dropout_0.2,...] [--seeds 2]

Needs the processed pose data (``dvc repro preprocess_pose``). Each variant is params.yaml plus the overrides in
VARIANTS, trained through the real training entry in a scratch folder (nothing under models/ is touched), then
scored exactly as eval_pose scores ``val`` (keypoints given directly) and ``val_reframed`` (re-framed, 0-3
keypoints dropped, framing estimated; a model trained with dropout is told which keypoints are missing, one trained
without has them filled in) at w = 0, over paired sampling seeds (mean ± sd) -- on the MLP, the architecture the
CLI picks.
"""
from __future__ import annotations

import torch
from variant_training import params_with, train_variant, variant_args

from invdiff.experiments.pose import framing
from invdiff.experiments.pose.data import dataset as pose_dataset
from invdiff.experiments.pose.data.forward_model import keypoints_to_unit, load_forward_model
from invdiff.experiments.pose.evaluate import seed_generator, val_inputs
from invdiff.experiments.pose.reframed import score_reframed
from invdiff.experiments.pose.scoring import score_samples
from invdiff.experiments.pose.task import PoseTask, sample_poses
from invdiff.seeds import summarize

VARIANTS = {  # name: overrides of params.yaml
    "complete": {"pose.keypoint_dropout.p_partial": 0.0},
    "dropout_0.2": {"pose.keypoint_dropout.p_partial": 0.2, "pose.keypoint_dropout.max_missing": 3},
    "dropout_0.5": {"pose.keypoint_dropout.p_partial": 0.5, "pose.keypoint_dropout.max_missing": 4},
    "dropout_0.5_x2": {"pose.keypoint_dropout.p_partial": 0.5, "pose.keypoint_dropout.max_missing": 4,
                       "pose.train.mlp.max_steps": 12000},
}


def main() -> None:
    args = variant_args(__doc__, VARIANTS, seeds=2)
    base = params_with({})
    cfg, size = base.pose.eval, base.camera.image_size
    forward = load_forward_model(base.camera)
    inputs = val_inputs(base)
    prior = framing.KeypointPrior(torch.from_numpy(pose_dataset.load_split("train").keypoints))
    k = cfg.samples_per_input
    print(f"MLP at w=0; val: {len(inputs.names)} inputs x {k} samples, {args.seeds} paired seeds")
    print(f"{'variant':16}{'train s':>8}  {'val align':>16}{'val MPJPE':>12}  {'reframed align':>16}"
          f"{'reframed MPJPE':>16}{'x val':>12}")
    for name in args.variants.split(","):
        params = params_with(VARIANTS[name])
        module, seconds, _ = train_variant(PoseTask("mlp"), params)
        plain, rows = [], []
        for s in range(args.seeds):
            x6d = sample_poses(module, keypoints_to_unit(inputs.keypoints, size), k, 0.0, cfg.sampler,
                               seed_generator(base, s)).samples
            plain.append(score_samples(forward, inputs, x6d, 0.0)[0])
            row = score_reframed(module, forward, inputs, prior, 0.0, k, cfg.sampler, seed_generator(base, s),
                                 cfg.batch_size)
            rows.append({**row, "ratio_mpjpe_mm": row["mpjpe_mm"] / plain[-1]["mpjpe_mm"]})
        direct = summarize(plain)
        moved = summarize(rows)
        print(f"{name:16}{seconds:>8.0f}  {cell(direct, 'pixel_alignment_error', 5):>16}"
              f"{cell(direct, 'mpjpe_mm', 1):>12}  {cell(moved, 'pixel_alignment_error', 5):>16}"
              f"{cell(moved, 'mpjpe_mm', 1):>16}{cell(moved, 'ratio_mpjpe_mm', 2):>12}", flush=True)


def cell(row: dict, key: str, digits: int) -> str:
    return f"{row[key]:.{digits}f}±{row[key + '_sd']:.{digits}f}"


if __name__ == "__main__":
    main()
