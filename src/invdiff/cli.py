"""The ``invdiff`` command: use a trained model outside the pipeline.

    invdiff sample-pose --keypoints KP.json|KP.npz --out poses.npz [--checkpoint CKPT] [--w 2.0] [--num 8]
                        [--plot poses.png] [--params params.yaml]
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

import numpy as np

from invdiff.errors import ConfigError, InvdiffError, MissingInputError

DEFAULT_CHECKPOINT = "models/pose_transformer/model.ckpt"
KEYPOINTS_HELP = ("BODY_25 keypoints in pixels of the params camera: .npz with key 'keypoints' shaped [N,25,2] or "
                  "[25,2], or .json {\"keypoints\": [[u, v], ...]} (25 pairs, or a list of such lists)")


def read_keypoints(path: str | Path, image_size: int) -> np.ndarray:
    """[N, 25, 2] float32 pixels, validated: shape, finiteness, inside the image."""
    path = Path(path)
    if not path.is_file():
        raise MissingInputError(f"--keypoints: {path} does not exist")
    if path.suffix == ".npz":
        with np.load(path, allow_pickle=False) as data:
            if "keypoints" not in data.files:
                raise ConfigError(f"--keypoints: {path} has no 'keypoints' array (keys: {sorted(data.files)})")
            keypoints = np.asarray(data["keypoints"], dtype=np.float64)
    elif path.suffix == ".json":
        try:
            payload = json.loads(path.read_text())
            keypoints = np.asarray(payload["keypoints"], dtype=np.float64)
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"--keypoints: {path} is not {{\"keypoints\": [[u, v], ...]}} ({exc})") from None
    else:
        raise ConfigError(f"--keypoints: {path} must be .npz or .json")
    if keypoints.ndim == 2:
        keypoints = keypoints[None]
    if keypoints.ndim != 3 or keypoints.shape[1:] != (25, 2) or len(keypoints) == 0:
        raise ConfigError(f"--keypoints: expected [N, 25, 2] or [25, 2] (BODY_25 order, pixels), got "
                          f"{list(keypoints.shape)}")
    if not np.isfinite(keypoints).all():
        raise ConfigError(f"--keypoints: {int((~np.isfinite(keypoints)).any(-1).sum())} keypoints are NaN/inf; "
                          "every BODY_25 keypoint is needed")
    outside = (keypoints < 0) | (keypoints > image_size)
    if outside.any():
        n, k = np.argwhere(outside.any(-1))[0]
        raise ConfigError(f"--keypoints: input {n}, keypoint {k} at {keypoints[n, k].tolist()} lies outside the "
                          f"{image_size}x{image_size} image of the params camera")
    return keypoints.astype(np.float32)


def sample_pose_command(args: argparse.Namespace) -> None:
    import torch

    from invdiff.config import load_params
    from invdiff.data.forward_model import keypoints_to_unit, load_forward_model
    from invdiff.data.rotations import rotation_6d_to_axis_angle
    from invdiff.io import atomic_path
    from invdiff.tasks.pose import get_pose_task, sample_poses

    params = load_params(args.params)
    if args.num < 1:
        raise ConfigError(f"--num: must be at least 1, got {args.num}")
    if args.w < 0:
        raise ConfigError(f"--w: guidance weight must be >= 0, got {args.w}")
    image_size = params.camera.image_size
    keypoints = read_keypoints(args.keypoints, image_size)
    checkpoint = Path(args.checkpoint)
    if not checkpoint.is_file():
        raise MissingInputError(f"--checkpoint: {checkpoint} not found; train it with "
                                "`dvc repro train_pose@transformer` (or pass --checkpoint)")
    try:
        hparams = torch.load(checkpoint, map_location="cpu", weights_only=False).get("hyper_parameters", {})
    except Exception as exc:  # a truncated or foreign file: say so instead of a traceback
        raise ConfigError(f"--checkpoint: {checkpoint} is not a readable checkpoint ({type(exc).__name__})") from None
    arch = hparams.get("net_config", {}).get("arch")
    if arch is None:
        raise ConfigError(f"--checkpoint: {checkpoint} is not a pose model checkpoint")
    trained_size = hparams.get("extra", {}).get("image_size", image_size)
    if trained_size != image_size:
        raise ConfigError(f"--params: camera.image_size is {image_size} but the checkpoint was trained on "
                          f"{trained_size}; use the params the model was trained with")
    module = get_pose_task(f"pose_{arch}").load(checkpoint)
    forward = load_forward_model(params.camera, args.body_model_dir)
    x_px = torch.from_numpy(keypoints)
    sampler = params.pose.eval.sampler
    x6d = sample_poses(module, keypoints_to_unit(x_px, image_size), args.num, args.w, sampler,
                       torch.Generator().manual_seed(args.seed), progress=True)
    with torch.no_grad():
        joints, body25 = forward.joints_and_body25(x6d)
        projected = forward.camera.project(body25)
    errors = ((projected - x_px[:, None]).abs() / image_size).mean((-1, -2))
    out = Path(args.out)
    with atomic_path(out.with_suffix(".npz")) as tmp:
        with open(tmp, "wb") as handle:
            np.savez(handle, x6d=x6d.numpy(), axis_angle=rotation_6d_to_axis_angle(
                x6d.reshape(*x6d.shape[:2], 24, 6)).numpy(), joints3d=joints.numpy(),
                keypoints_pred=projected.numpy(), alignment_error=errors.numpy(), keypoints_input=keypoints,
                w=np.float32(args.w), arch=np.array(arch), data_source=np.array(forward.data_source))
    print(f"{len(keypoints)} input(s) x {args.num} poses ({arch}, w={args.w:g}, {sampler.name}) -> "
          f"{out.with_suffix('.npz')}; alignment error mean {errors.mean():.4f} (per sample in 'alignment_error')")
    if args.plot:
        from invdiff.io import save_figure
        from invdiff.viz.pose import figure5_panel

        fig = figure5_panel(keypoints, None, {f"w={args.w:g}": (projected.numpy(), joints.numpy())}, image_size,
                            forward.camera.position.numpy(), [f"input {i}" for i in range(len(keypoints))],
                            f"{arch}: {args.num} sampled poses per input (body model: {forward.data_source})")
        save_figure(fig, args.plot)
        print(f"plot -> {args.plot}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="invdiff", description="Diffusion models as learned optimizers for "
                                                                 "inverse problems.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    pose = commands.add_parser("sample-pose", help="sample 3D poses that explain 2D keypoints",
                               description="Sample SMPL poses for BODY_25 keypoints with the trained pose DDPM.")
    pose.add_argument("--keypoints", required=True, help=KEYPOINTS_HELP)
    pose.add_argument("--out", required=True, help="output .npz: x6d, axis_angle, joints3d, keypoints_pred, "
                                                   "alignment_error [N, num]")
    pose.add_argument("--checkpoint", default=DEFAULT_CHECKPOINT, help=f"default: {DEFAULT_CHECKPOINT}")
    pose.add_argument("--w", type=float, default=2.0, help="guidance weight (default 2.0)")
    pose.add_argument("--num", type=int, default=8, help="poses per input (default 8)")
    pose.add_argument("--plot", help="also draw the poses over the keypoints into this PNG")
    pose.add_argument("--params", default="params.yaml", help="camera and sampler settings (default params.yaml)")
    pose.add_argument("--body-model-dir", default="data/raw/body_model", help="prepared by `dvc repro fetch_amass`")
    pose.add_argument("--seed", type=int, default=0)
    pose.set_defaults(handler=sample_pose_command)
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
