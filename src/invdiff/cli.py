"""The ``invdiff`` command: use a trained model outside the pipeline.

    invdiff sample-pose --keypoints KP.json|KP.npz --out poses.npz [--checkpoint CKPT] [--w 0.5] [--num 8]
                        [--plot poses.png] [--params params.yaml]
    invdiff freeze-classifier --out data/fid/mnist_lenet_v2.pt [--net models/classifier/net.pt]
    invdiff tidy [--params params.yaml]
"""
from __future__ import annotations

import argparse
import logging
import math
import sys

from invdiff.errors import ConfigError, InvdiffError

KEYPOINTS_HELP = ("BODY_25 keypoints: an OpenPose JSON file (every person in it) or a folder of per-frame files, or "
                  ".npz with key 'keypoints' shaped [N,25,2] or "
                  "[25,2], or .json {\"keypoints\": [[u, v], ...]} (25 pairs, or a list of such lists)")


def check_pose_numbers(args: argparse.Namespace) -> None:
    """The numeric arguments, refused before torch and the model load (an answer in well under a second)."""
    if args.num < 1:
        raise ConfigError(f"--num: must be at least 1, got {args.num}")
    if args.w is not None and (not math.isfinite(args.w) or args.w < 0):
        raise ConfigError(f"--w: guidance weight must be a finite number >= 0, got {args.w}")
    if args.refine < 0:
        raise ConfigError(f"--refine: number of steps must be >= 0, got {args.refine}")
    if args.refine_lr is not None and not (math.isfinite(args.refine_lr) and args.refine_lr > 0):
        raise ConfigError(f"--refine-lr: must be a number > 0, got {args.refine_lr}")
    if not 0 <= args.min_confidence <= 1:
        raise ConfigError(f"--min-confidence: must lie in [0, 1], got {args.min_confidence}")


def _sample_pose(args: argparse.Namespace) -> None:
    check_pose_numbers(args)
    from invdiff.experiments.pose.command import sample_pose_command  # torch and the model load only when used

    sample_pose_command(args)


def _freeze_classifier(args: argparse.Namespace) -> None:
    from invdiff.experiments.mnist import fid_net

    digest = fid_net.freeze(args.net, args.out)
    print(f"froze {args.net} as {args.out} (and its sidecar .json). To score with it, set in params.yaml:\n"
          f"  classifier:\n    source: frozen\n    frozen:\n      path: {args.out}\n      sha256: {digest}\n"
          f"then `git add {args.out} {fid_net.sidecar(args.out)}`; FIDs from the old net are not comparable.")


def _tidy(args: argparse.Namespace) -> None:
    from invdiff import resume, tracking
    from invdiff.config import load_params
    from invdiff.paths import scratch_root

    tracking.setup(load_params(args.params).mlflow)
    logging.getLogger("invdiff").setLevel(logging.INFO)
    removed = resume.tidy()
    left = sorted(p.parent for p in scratch_root().glob("*/*/last.ckpt"))
    print(f"removed {len(removed)} completed training checkpoint(s); {len(left)} interrupted training(s) can "
          f"resume{': ' + ', '.join(str(p) for p in left) if left else ''}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="invdiff", description="Diffusion models as learned optimizers for "
                                                                 "inverse problems.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    pose = commands.add_parser("sample-pose", help="sample 3D poses that explain 2D keypoints",
                               description="Sample SMPL poses for BODY_25 keypoints with the trained pose DDPM.")
    pose.add_argument("--keypoints", required=True, help=KEYPOINTS_HELP)
    pose.add_argument("--out", required=True, help="output .npz: x6d, axis_angle, joints3d, keypoints_pred, "
                                                   "alignment_error [N, num]")
    pose.add_argument("--checkpoint", help="a pose model checkpoint (default: the architecture with the lowest "
                                           "validation alignment error in metrics/pose.json)")
    pose.add_argument("--w", type=float, help="guidance weight (default: that model's best on val)")
    pose.add_argument("--framing", choices=("auto", "camera"), default="auto",
                      help="auto (default): keypoints from any image framing, joints may be missing; the scale and "
                           "root are estimated. camera: keypoints already in the params camera's frame, all present")
    pose.add_argument("--min-confidence", type=float, default=0.1,
                      help="OpenPose joints below this confidence count as missing (default 0.1)")
    pose.add_argument("--num", type=int, default=8, help="poses per input (default 8)")
    pose.add_argument("--refine", type=int, default=0, metavar="N",
                      help="then N Adam steps on the misfit of the present keypoints through the forward model from "
                           "each sample (default 0; eval measures pose.baselines.refine.steps); alignment and "
                           "joint-limit violations are reported before and after")
    pose.add_argument("--refine-lr", type=float, help="the refinement's step size (default: pose.baselines.refine.lr)")
    pose.add_argument("--plot", help="also draw the poses over the keypoints into this PNG")
    pose.add_argument("--params", help="camera and sampler settings (default: the project's params.yaml)")
    pose.add_argument("--body-model-dir", help="prepared by `dvc repro fetch_amass` (default: the project's "
                                               "data/raw/body_model)")
    pose.add_argument("--seed", type=int, default=0)
    pose.set_defaults(handler=_sample_pose)
    freeze = commands.add_parser(
        "freeze-classifier", help="version a trained FID feature net",
        description="Copy the feature net trained by `dvc repro fid_classifier` (with classifier.source: train) to a "
                    "new versioned file and print the SHA-256 params.yaml must name to score FID with it.")
    freeze.add_argument("--out", required=True, help="the new file, e.g. data/fid/mnist_lenet_v2.pt (never "
                                                     "overwritten)")
    freeze.add_argument("--net", default="models/classifier/net.pt", help="the trained net (default: %(default)s)")
    freeze.set_defaults(handler=_freeze_classifier)
    tidy = commands.add_parser(
        "tidy", help="clean up after killed trainings",
        description="Mark the MLflow runs of trainings whose process died as KILLED, and remove their checkpoints "
                    "in .checkpoints/ when the training has since completed (e.g. DVC restored the stage from its "
                    "run-cache). Checkpoints of unfinished trainings stay: re-running the stage resumes them.")
    tidy.add_argument("--params", help="for the MLflow store (default: the project's params.yaml)")
    tidy.set_defaults(handler=_tidy)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    try:
        args.handler(args)
    except InvdiffError as exc:
        print(f"invdiff {args.command}: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
