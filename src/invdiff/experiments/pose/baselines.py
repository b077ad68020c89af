"""baselines_pose: what a learned optimizer must beat, on eval_pose's val inputs with K answers per input.

- ``gradient_descent``: multi-start Adam on ‖(y − f(x)) / image_size‖² (+ ``prior_weight``·‖x − x̄‖², x̄ the
  mean training pose), start 0 at x̄, the others at x̄ + noise;
- ``dps``: the transformer's *unconditional* branch as the prior plus DPS likelihood steps through f;
- ``cfg+dps``: the guided conditional transformer plus the same likelihood steps;
- ``cfg w=<w>``: the trained CFG transformer itself, the reference rows.
ζ for DPS is chosen on the first ``sweep_inputs`` val inputs by alignment error; every row then runs on all
val inputs. ``forward_evaluations_per_sample`` counts evaluations of f (with its gradient); CFG uses none.
"""
from __future__ import annotations

import logging
import time

import torch

from invdiff.baselines import multi_start_descent
from invdiff.config import Params
from invdiff.diffusion import dps_sample, guided_eps, unconditional_eps
from invdiff.diffusion.module import ConditionalDiffusion
from invdiff.experiments.pose.data import dataset as pose_dataset
from invdiff.experiments.pose.data.forward_model import POSE_DIM, PoseForwardModel, keypoints_to_unit
from invdiff.experiments.pose.data.rotations import matrix_to_rotation_6d, rotation_6d_to_matrix
from invdiff.experiments.pose.data.skeleton import NUM_SMPL_JOINTS
from invdiff.experiments.pose.scoring import EvalInputs, score_samples
from invdiff.experiments.pose.task import sample_poses

log = logging.getLogger("invdiff")


def mean_pose() -> torch.Tensor:
    """(144,) the mean training pose, each joint's mean 6D projected back onto a rotation."""
    x6d = torch.from_numpy(pose_dataset.load_split("train").x6d).double().mean(0)
    return matrix_to_rotation_6d(rotation_6d_to_matrix(x6d.reshape(NUM_SMPL_JOINTS, 6))).reshape(-1).float()


def _misfit(forward: PoseForwardModel, keypoints_px: torch.Tensor, image_size: int):
    """x [B, 144] -> ‖(y − f(x)) / image_size‖ per sample, for targets ``keypoints_px`` [B, 25, 2]."""
    return lambda x: ((forward(x) - keypoints_px) / image_size).flatten(1).norm(dim=-1)


def gradient_descent(forward: PoseForwardModel, inputs: EvalInputs, k: int, params: Params,
                     generator: torch.Generator) -> tuple[torch.Tensor, int]:
    cfg = params.pose.baselines.gradient_descent
    image_size = params.camera.image_size
    n = len(inputs.names)
    prior = mean_pose()
    starts = prior.expand(n, k, -1).clone()
    starts[:, 1:] += cfg.init_noise * torch.randn(n, k - 1, prior.numel(), generator=generator)
    targets = inputs.keypoints.repeat_interleave(k, dim=0)
    misfit = _misfit(forward, targets, image_size)
    loss = lambda x: misfit(x) ** 2 + cfg.prior_weight * ((x - prior) ** 2).sum(-1)  # noqa: E731
    x, evaluations = multi_start_descent(loss, starts.reshape(n * k, -1), cfg.steps, cfg.lr)
    return x.reshape(n, k, -1), evaluations


def dps(module: ConditionalDiffusion, forward: PoseForwardModel, inputs: EvalInputs, k: int, zeta: float,
        w: float | None, params: Params, generator: torch.Generator) -> tuple[torch.Tensor, int]:
    """``w=None``: the unconditional prior (plain DPS); otherwise the CFG-guided conditional model."""
    cfg = params.pose.baselines.dps
    image_size = params.camera.image_size
    n = len(inputs.names)
    cond = keypoints_to_unit(inputs.keypoints, image_size).repeat_interleave(k, dim=0)
    net = module.denoiser
    eps_fn = unconditional_eps(net, cond) if w is None else guided_eps(net, cond, w)
    misfit = _misfit(forward, inputs.keypoints.repeat_interleave(k, dim=0), image_size)
    x, steps = dps_sample(eps_fn, module.schedule, (n * k, POSE_DIM), misfit, zeta, steps=cfg.steps,
                          eta=cfg.eta, generator=generator, clip_x0=params.pose.eval.sampler.clip_x0)
    return x.reshape(n, k, -1), steps


def _row(x6d, seconds, evaluations, inputs: EvalInputs, forward: PoseForwardModel) -> dict:
    row, _ = score_samples(forward, inputs, x6d, seconds)
    row["forward_evaluations_per_sample"] = evaluations
    return {key: round(float(v), 6) for key, v in row.items()}


def run(params: Params, module: ConditionalDiffusion, forward: PoseForwardModel, inputs: EvalInputs):
    """Returns (rows {method: metrics}, {method: x6d samples}, the ζ sweep)."""
    eval_cfg, cfg = params.pose.eval, params.pose.baselines
    k, image_size = eval_cfg.samples_per_input, params.camera.image_size
    seed = params.seed
    rows, samples = {}, {}

    def timed(name, fn):
        start = time.perf_counter()
        x6d, evaluations = fn()
        rows[name] = _row(x6d, time.perf_counter() - start, evaluations, inputs, forward)
        samples[name] = x6d
        log.info("%s: alignment %.4f, MPJPE %.1f mm, violations %.3f, %.3f s/sample", name,
                 rows[name]["pixel_alignment_error"], rows[name]["mpjpe_mm"], rows[name]["joint_limit_violation"],
                 rows[name]["seconds_per_sample"])

    for i, w in enumerate(eval_cfg.guidance_weights):
        timed(f"cfg w={w:g}", lambda: (sample_poses(module, keypoints_to_unit(inputs.keypoints, image_size), k, w,
                                                    eval_cfg.sampler, torch.Generator().manual_seed(seed + i),
                                                    batch_size=eval_cfg.batch_size).samples, 0))
    timed("gradient_descent", lambda: gradient_descent(forward, inputs, k, params,
                                                       torch.Generator().manual_seed(seed)))
    sweep_inputs = inputs.subset(cfg.dps.sweep_inputs)
    sweep = {}
    for zeta in cfg.dps.zetas:
        x6d, _ = dps(module, forward, sweep_inputs, k, zeta, None, params, torch.Generator().manual_seed(seed))
        sweep[f"zeta={zeta:g}"] = _row(x6d, 0.0, 0, sweep_inputs, forward)["pixel_alignment_error"]
    best = min(cfg.dps.zetas, key=lambda z: sweep[f"zeta={z:g}"])
    log.info("DPS zeta sweep (alignment on %d val inputs): %s -> %g", len(sweep_inputs.names), sweep, best)
    timed("dps", lambda: dps(module, forward, inputs, k, best, None, params, torch.Generator().manual_seed(seed)))
    timed("cfg+dps", lambda: dps(module, forward, inputs, k, best, cfg.dps.cfg_weight, params,
                                 torch.Generator().manual_seed(seed)))
    return rows, samples, {"alignment_by_zeta": sweep, "chosen_zeta": best}
