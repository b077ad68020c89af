"""Where the re-framed validation inputs lose accuracy: framing vs missing joints (issue 16).

    python benchmarks/pose_reframing.py [--arch mlp] [--seed 0]

Needs the trained pose models and processed data (`make run`). One sampling seed, the architecture at its best
val w by alignment (as eval_pose's ``val_reframed``), the same re-framing draw as that row's seed. Prints
alignment (present joints, training-camera pixels / image size) and MPJPE for: the keypoints given directly (the
``val`` cell), the un-reframed keypoints through the framing estimator, the re-framed keypoints with every joint
present, the re-framed keypoints with 0-3 joints dropped (and MPJPE by number dropped), and two oracles: the true
framing with the estimated fill, and the estimated framing with the true missing joints. Then why the two
estimates matter: MPJPE when the keypoints are scaled by 0.97-1.03 about the root (the model knows one body at one
distance), and how far the fill lands from the dropped joints: the Gaussian conditional mean (``framing``) against
the mean of the 8 training poses nearest on the present joints (the fill it replaced).
"""
from __future__ import annotations

import argparse
import json

import torch

from invdiff.config import load_params
from invdiff.experiments.pose import framing
from invdiff.experiments.pose.data import dataset as pose_dataset
from invdiff.experiments.pose.data.forward_model import load_forward_model
from invdiff.experiments.pose.evaluate import seed_generator, val_inputs
from invdiff.experiments.pose.metrics import per_sample_mpjpe_mm
from invdiff.experiments.pose.reframed import reframe
from invdiff.experiments.pose.task import PoseTask, keypoint_sampler
from invdiff.headline import best_over_w
from invdiff.paths import project_path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--arch", default="mlp")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    params = load_params()
    cfg, size = params.pose.eval, params.camera.image_size
    w, _ = best_over_w(json.loads(project_path("metrics", "pose.json").read_text())["val"][args.arch],
                       "pixel_alignment_error")
    module, forward = PoseTask(args.arch).load(), load_forward_model(params.camera)
    batch = val_inputs(params)
    prior = framing.KeypointPrior(torch.from_numpy(pose_dataset.load_split("train").keypoints))
    generator = seed_generator(params, args.seed)
    user, present, scale, shift = reframe(batch.keypoints, size, generator)
    every = torch.ones_like(present)

    sampler = keypoint_sampler(module, w, cfg.sampler, generator, size)
    masked = module.masks_units

    @torch.no_grad()
    def draw(canonical, keep, k):
        return forward.pose(sampler(canonical, keep, k))

    def score(name, user_kp, mask, canonical, frame, given=None):
        out = draw(canonical, framing.with_root(mask if given is None else given), cfg.samples_per_input)
        align = framing.masked_alignment(user_kp, frame.to_user(out.keypoints), mask, frame, size)
        mpjpe = per_sample_mpjpe_mm(batch.joints3d, out.joints).mean(1)
        print(f"{name:48}{align.mean():10.5f}{mpjpe.mean():10.1f}")
        return mpjpe

    def estimated(user_kp, mask):
        return framing.frame(lambda c, keep, k: draw(c, keep, k).keypoints, user_kp, mask, prior)

    print(f"{args.arch} at w={w:g}, {len(batch.keypoints)} val inputs, seed {args.seed}, missing keypoints "
          + ("masked (trained with keypoint dropout)" if masked else "filled (trained on complete keypoints)"))
    print(f"{'':48}{'alignment':>10}{'MPJPE':>10}")
    score("direct (the val cell)", batch.keypoints, every, batch.keypoints, framing.identity(len(user), size))
    score("un-reframed, through the estimator", batch.keypoints, every, *estimated(batch.keypoints, every))
    score("re-framed, every joint present", user, every, *estimated(user, every))
    canonical, frame = estimated(user, present)
    mpjpe = score(f"re-framed, {(~present).sum(1).float().mean():.1f} joints dropped on average", user, present,
                  canonical, frame)
    dropped = (~present).sum(1)
    by_count = [f"{d}: {mpjpe[dropped == d].mean():.1f} mm (n={int((dropped == d).sum())})"
                for d in range(int(dropped.max()) + 1)]
    print("  MPJPE by joints dropped: " + ", ".join(by_count))
    print(f"  scale error {(frame.scale / scale - 1).abs().mean():.4f}")
    true = framing.Framing(scale, user[:, framing.MID_HIP], prior.origin())
    score("oracle framing, missing " + ("masked" if masked else "filled"), user, present,
          framing.canonical_input(user, present, true, prior), true)
    score("estimated framing, true missing joints given", user, present,
          torch.where(present[..., None], canonical, batch.keypoints), frame, given=every)

    root = batch.keypoints[:, framing.MID_HIP:framing.MID_HIP + 1]
    for f in (0.97, 0.98, 0.99, 1.0, 1.01, 1.02, 1.03):
        target = (batch.keypoints - root) * f + root
        score(f"keypoints scaled by {f:.2f} about the root", target, every, target, framing.identity(len(user), size))

    truth = batch.keypoints.double()
    gaussian = prior.impute(torch.where(present[..., None], truth, torch.zeros(1, dtype=truth.dtype)), present)
    bank, nearest_fill = prior.keypoints.double(), []
    for i in torch.nonzero(~present.all(1)).flatten().tolist():
        seen = present[i]
        distance = ((bank[:, seen] - truth[i, seen]) ** 2).sum((-1, -2))
        nearest = bank[distance.topk(prior.neighbours, largest=False).indices][:, ~seen].mean(0)
        nearest_fill.append((nearest - truth[i, ~seen]).norm(dim=-1))
    print(f"fill of the dropped joints, true framing: Gaussian conditional mean "
          f"{(gaussian - truth).norm(dim=-1)[~present].mean():.1f} px from the truth, mean of the "
          f"{prior.neighbours} nearest training poses {torch.cat(nearest_fill).mean():.1f} px")


if __name__ == "__main__":
    main()
