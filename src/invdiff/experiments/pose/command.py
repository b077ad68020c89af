"""``invdiff sample-pose``: the trained pose optimizer on keypoints from a file, outside the pipeline."""
from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np
import torch

from invdiff.config import load_params
from invdiff.errors import ConfigError, MissingInputError
from invdiff.experiments.pose import default_model, framing
from invdiff.experiments.pose.data import dataset as pose_dataset
from invdiff.experiments.pose.data.forward_model import load_forward_model
from invdiff.experiments.pose.data.rotations import rotation_6d_to_axis_angle
from invdiff.experiments.pose.data.skeleton import BODY25_NAMES, NUM_SMPL_JOINTS
from invdiff.experiments.pose.figures import figure5_panel
from invdiff.experiments.pose.joint_limits import joint_limit_violations
from invdiff.experiments.pose.keypoint_files import read_keypoint_inputs
from invdiff.experiments.pose.refine import refine
from invdiff.experiments.pose.task import PoseTask, keypoint_sampler
from invdiff.io import atomic_path, save_figure
from invdiff.paths import project_path


def check_figure_path(path: str | None) -> None:
    """Refuse a --plot name matplotlib cannot write before anything is computed or written."""
    if path is None:
        return
    from matplotlib.figure import Figure

    formats = Figure().canvas.get_supported_filetypes()
    suffix = Path(path).suffix.lstrip(".").lower()
    if suffix not in formats:
        raise ConfigError(f"--plot: {path} needs one of the suffixes {', '.join('.' + f for f in sorted(formats))}")


def _load_module(checkpoint: Path, image_size: int):
    if not checkpoint.is_file():
        raise MissingInputError(f"--checkpoint: {checkpoint} not found; train it with `dvc repro train_pose@mlp` "
                                "(or pass --checkpoint)")
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
        return arch, PoseTask(arch).load(checkpoint)
    except RuntimeError as exc:  # weights that do not fit the network this version builds
        raise ConfigError(f"--checkpoint: {checkpoint} does not fit this version's {arch} network "
                          f"({str(exc).splitlines()[0]}); re-train it with `dvc repro train_pose@{arch}`") from None


def _check_camera_frame(inputs, image_size: int) -> None:
    """--framing camera: the keypoints must be the params camera's, complete and inside its image."""
    missing = ~inputs.present
    if missing.any():
        n, k = np.argwhere(missing)[0]
        raise ConfigError(f"--keypoints: {inputs.labels[n]}, keypoint {k} ({BODY25_NAMES[k]}) is missing; "
                          "--framing camera needs every joint (use --framing auto)")
    outside = (inputs.keypoints < 0) | (inputs.keypoints > image_size)
    if outside.any():
        n, k = np.argwhere(outside.any(-1))[0]
        raise ConfigError(f"--keypoints: {inputs.labels[n]}, keypoint {k} at {inputs.keypoints[n, k].tolist()} lies "
                          f"outside the {image_size}x{image_size} image of the params camera (use --framing auto)")


def _checked_refine_lr(args: argparse.Namespace, params) -> float:
    """Refuse a bad argument before the model loads (the numbers were checked by :func:`invdiff.cli.check_pose_numbers`
    before torch loaded); returns the refinement step size."""
    refine_lr = params.pose.baselines.refine.lr if args.refine_lr is None else args.refine_lr
    if not (math.isfinite(refine_lr) and refine_lr > 0):
        raise ConfigError(f"pose.baselines.refine.lr: must be a number > 0, got {refine_lr}")
    check_figure_path(args.plot)
    return refine_lr


def _chosen_model(args: argparse.Namespace, image_size: int):
    """(arch, module, w): --checkpoint and --w, else the model eval_pose recorded (:mod:`.default_model`)."""
    choice = default_model.read()
    checkpoint = PoseTask(choice.arch).checkpoint() if args.checkpoint is None else Path(args.checkpoint)
    arch, module = _load_module(checkpoint, image_size)
    if args.checkpoint is None:
        print(f"model: {choice.why()}")
    return arch, module, args.w if args.w is not None else choice.w


def _framed(args, draw, forward, user: torch.Tensor, present: torch.Tensor, image_size: int):
    """(canonical keypoints, frame, the presence mask the model sees) for --framing camera or auto."""
    if args.framing == "camera":  # complete and inside the image: see _check_camera_frame
        return user, framing.identity(len(user), image_size), present
    prior = framing.KeypointPrior(torch.from_numpy(pose_dataset.load_split("train").keypoints))

    def project(canonical: torch.Tensor, keep: torch.Tensor, num: int) -> torch.Tensor:
        with torch.no_grad():
            return forward(draw(canonical, keep, num))

    canonical, frame = framing.frame(project, user, present, prior)
    return canonical, frame, framing.with_root(present)


def _scores(forward, x6d: torch.Tensor, user, present, frame, image_size: int):
    """(posed body, keypoints in the user's frame, alignment error [N, K], share of joints outside limits [N, K])."""
    with torch.no_grad():
        posed = forward.pose(x6d)
    predicted = frame.to_user(posed.keypoints)
    errors = framing.masked_alignment(user, predicted, present, frame, image_size)
    return posed, predicted, errors, joint_limit_violations(posed.rotations).float().mean(-1)


def _write_samples(out: Path, x6d, posed, predicted, errors, violations, inputs, frame, w, arch, forward, steps,
                   before) -> Path:
    path = out.with_suffix(".npz")
    keypoints_in = np.where(inputs.present[..., None], inputs.keypoints, np.nan).astype(np.float32)
    extra = {} if before is None else {"alignment_error_before_refine": before[0].numpy(),
                                       "joint_limit_violation_before_refine": before[1].numpy()}
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        np.savez(handle, x6d=x6d.numpy(), axis_angle=rotation_6d_to_axis_angle(
            x6d.reshape(*x6d.shape[:2], NUM_SMPL_JOINTS, 6)).numpy(), joints3d=posed.joints.numpy(),
            keypoints_pred=predicted.numpy(), alignment_error=errors.numpy(),
            joint_limit_violation=violations.numpy(), keypoints_input=keypoints_in, present=inputs.present,
            framing_scale=frame.scale.numpy(), framing_root=frame.root.numpy(), labels=np.array(inputs.labels),
            w=np.float32(w), arch=np.array(arch), data_source=np.array(forward.data_source),
            refine_steps=np.int64(steps), **extra)
    return path


def _report(inputs, user, predicted, present, frame, errors, violations, before, steps, limit) -> None:
    """One line per input, and a warning for a poor fit or a keypoint no sample comes near."""
    for i, label in enumerate(inputs.labels):
        missing = [BODY25_NAMES[k] for k in np.flatnonzero(~inputs.present[i])]
        refined = "" if before is None else (f" (before {steps} refinement steps: {before[0][i].mean():.4f}, "
                                             f"{before[1][i].mean():.3f})")
        print(f"  {label}: alignment {errors[i].mean():.4f}, joints outside limits {violations[i].mean():.3f}"
              + refined + f", scale {frame.scale[i]:.2f}" + (f", missing {', '.join(missing)}" if missing else ""))
        if limit is not None and errors[i].mean() > limit:
            print(f"  warning: {label} fits worse than 95 % of the validation inputs ({errors[i].mean():.4f} > "
                  f"{limit:.4f}): an unusual pose, framing or detector error")
        for k in framing.outlying_joints(user[i], predicted[i], present[i], frame.scale[i]):
            print(f"  warning: {label}: keypoint {k} ({BODY25_NAMES[k]}) is far from every sample (a likely "
                  "detector error)")


def sample_pose_command(args: argparse.Namespace) -> None:
    params = load_params(args.params)
    refine_lr = _checked_refine_lr(args, params)
    image_size = params.camera.image_size
    inputs = read_keypoint_inputs(args.keypoints, args.min_confidence)
    if args.framing == "camera":
        _check_camera_frame(inputs, image_size)
    arch, module, w = _chosen_model(args, image_size)
    forward = load_forward_model(params.camera, args.body_model_dir)
    sampler = params.pose.eval.sampler_for(arch)
    draw = keypoint_sampler(module, w, sampler, torch.Generator().manual_seed(args.seed), image_size)
    user = torch.from_numpy(np.nan_to_num(inputs.keypoints))
    present = torch.from_numpy(inputs.present)
    canonical, frame, model_present = _framed(args, draw, forward, user, present, image_size)
    x6d = draw(canonical, model_present, args.num)
    before = None
    if args.refine:
        before = _scores(forward, x6d, user, present, frame, image_size)[2:]
        x6d = refine(forward, x6d, frame.to_canonical(user), present, args.refine, refine_lr)
    posed, predicted, errors, violations = _scores(forward, x6d, user, present, frame, image_size)
    path = _write_samples(Path(args.out), x6d, posed, predicted, errors, violations, inputs, frame, w, arch, forward,
                          args.refine, before)
    print(f"{len(user)} input(s) x {args.num} poses ({arch}, w={w:g}, {sampler.name}, framing {args.framing}) -> "
          f"{path}")
    _report(inputs, user, predicted, present, frame, errors, violations, before, args.refine,
            _val_p95(project_path("metrics", "pose.json"), arch, w))
    if args.plot:
        keypoints_in = np.where(inputs.present[..., None], inputs.keypoints, np.nan).astype(np.float32)
        extent = max(image_size, float(np.nanmax(inputs.keypoints)) * 1.05)
        fig = figure5_panel(keypoints_in, None, {f"w={w:g}": (predicted.numpy(), posed.joints.numpy())}, extent,
                            forward.camera.position.numpy(), inputs.labels,
                            f"{arch}: {args.num} sampled poses per input (body model: {forward.data_source})",
                            labelled_axes=True)
        save_figure(fig, args.plot)
        print(f"plot -> {args.plot}")


def _val_p95(metrics_file: Path, arch: str, w: float) -> float | None:
    """The validation inputs' 95th-percentile alignment error of ``arch`` at ``w`` (eval_pose), if measured."""
    if not metrics_file.is_file():
        return None
    row = json.loads(metrics_file.read_text()).get("val", {}).get(arch, {}).get(f"w={float(w)}", {})
    return row.get("pixel_alignment_error_p95")
