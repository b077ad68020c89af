"""``invdiff sample-pose``: the trained pose optimizer on keypoints from a file, outside the pipeline."""
from __future__ import annotations

import argparse
import json
import math
import zipfile
from pathlib import Path

import numpy as np
import torch

from invdiff.config import load_params
from invdiff.errors import ConfigError, MissingInputError
from invdiff.experiments.pose.data.forward_model import keypoints_to_unit, load_forward_model
from invdiff.experiments.pose.data.rotations import rotation_6d_to_axis_angle
from invdiff.experiments.pose.data.skeleton import BODY25_NAMES, NUM_BODY25, NUM_SMPL_JOINTS
from invdiff.experiments.pose.figures import figure5_panel
from invdiff.experiments.pose.metrics import keypoint_abs_errors
from invdiff.experiments.pose.task import PoseTask, sample_poses
from invdiff.io import atomic_path, save_figure


def read_keypoints(path: str | Path, image_size: int) -> np.ndarray:
    """[N, 25, 2] float32 pixels, validated: shape, finiteness, inside the image."""
    path = Path(path)
    if not path.is_file():
        raise MissingInputError(f"--keypoints: {path} does not exist")
    if path.suffix == ".npz":
        try:
            with np.load(path, allow_pickle=False) as data:
                if "keypoints" not in data.files:
                    raise ConfigError(f"--keypoints: {path} has no 'keypoints' array (keys: {sorted(data.files)})")
                keypoints = np.asarray(data["keypoints"], dtype=np.float64)
        except (OSError, ValueError, TypeError, EOFError, zipfile.BadZipFile) as exc:
            raise ConfigError(f"--keypoints: {path} is not a readable .npz with a numeric 'keypoints' array "
                              f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else 'unreadable'})"
                              ) from None
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
    if keypoints.ndim != 3 or keypoints.shape[1:] != (NUM_BODY25, 2) or len(keypoints) == 0:
        raise ConfigError(f"--keypoints: expected [N, 25, 2] or [25, 2] (BODY_25 order, pixels), got "
                          f"{list(keypoints.shape)}")
    bad = ~np.isfinite(keypoints).all(-1)
    if bad.any():
        n, k = np.argwhere(bad)[0]
        raise ConfigError(f"--keypoints: {int(bad.sum())} keypoints are NaN/inf, the first input {n}, keypoint {k} "
                          f"({BODY25_NAMES[k]}); every BODY_25 keypoint is needed")
    outside = (keypoints < 0) | (keypoints > image_size)
    if outside.any():
        n, k = np.argwhere(outside.any(-1))[0]
        raise ConfigError(f"--keypoints: input {n}, keypoint {k} at {keypoints[n, k].tolist()} lies outside the "
                          f"{image_size}x{image_size} image of the params camera")
    return keypoints.astype(np.float32)


def check_figure_path(path: str | None) -> None:
    """Refuse a --plot name matplotlib cannot write before anything is computed or written."""
    if path is None:
        return
    from matplotlib.figure import Figure

    formats = Figure().canvas.get_supported_filetypes()
    suffix = Path(path).suffix.lstrip(".").lower()
    if suffix not in formats:
        raise ConfigError(f"--plot: {path} needs one of the suffixes {', '.join('.' + f for f in sorted(formats))}")


def sample_pose_command(args: argparse.Namespace) -> None:
    params = load_params(args.params)
    if args.num < 1:
        raise ConfigError(f"--num: must be at least 1, got {args.num}")
    if not math.isfinite(args.w) or args.w < 0:
        raise ConfigError(f"--w: guidance weight must be a finite number >= 0, got {args.w}")
    check_figure_path(args.plot)
    image_size = params.camera.image_size
    keypoints = read_keypoints(args.keypoints, image_size)
    checkpoint = PoseTask("mlp").checkpoint() if args.checkpoint is None else Path(args.checkpoint)
    if not checkpoint.is_file():
        raise MissingInputError(f"--checkpoint: {checkpoint} not found; train it with "
                                "`dvc repro train_pose@mlp` (or pass --checkpoint)")
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
    try:
        module = PoseTask(arch).load(checkpoint)
    except RuntimeError as exc:  # weights that do not fit the network this version builds
        raise ConfigError(f"--checkpoint: {checkpoint} does not fit this version's {arch} network "
                          f"({str(exc).splitlines()[0]}); re-train it with `dvc repro train_pose@{arch}`") from None
    forward = load_forward_model(params.camera, args.body_model_dir)
    x_px = torch.from_numpy(keypoints)
    sampler = params.pose.eval.sampler
    x6d = sample_poses(module, keypoints_to_unit(x_px, image_size), args.num, args.w, sampler,
                       torch.Generator().manual_seed(args.seed), progress=True).samples
    with torch.no_grad():
        posed = forward.pose(x6d)
    joints, projected = posed.joints, posed.keypoints
    errors = keypoint_abs_errors(x_px, projected, image_size).mean((-1, -2))
    out = Path(args.out)
    with atomic_path(out.with_suffix(".npz")) as tmp:
        with open(tmp, "wb") as handle:
            np.savez(handle, x6d=x6d.numpy(), axis_angle=rotation_6d_to_axis_angle(
                x6d.reshape(*x6d.shape[:2], NUM_SMPL_JOINTS, 6)).numpy(), joints3d=joints.numpy(),
                keypoints_pred=projected.numpy(), alignment_error=errors.numpy(), keypoints_input=keypoints,
                w=np.float32(args.w), arch=np.array(arch), data_source=np.array(forward.data_source))
    print(f"{len(keypoints)} input(s) x {args.num} poses ({arch}, w={args.w:g}, {sampler.name}) -> "
          f"{out.with_suffix('.npz')}; alignment error mean {errors.mean():.4f} (per sample in 'alignment_error')")
    if args.plot:
        fig = figure5_panel(keypoints, None, {f"w={args.w:g}": (projected.numpy(), joints.numpy())}, image_size,
                            forward.camera.position.numpy(), [f"input {i}" for i in range(len(keypoints))],
                            f"{arch}: {args.num} sampled poses per input (body model: {forward.data_source})")
        save_figure(fig, args.plot)
        print(f"plot -> {args.plot}")
