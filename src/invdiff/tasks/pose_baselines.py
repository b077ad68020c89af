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

from invdiff.baselines.gradient_descent import multi_start_descent
from invdiff.config import Params
from invdiff.data import pose_dataset
from invdiff.data.forward_model import PoseForwardModel, keypoints_to_unit
from invdiff.data.rotations import matrix_to_rotation_6d
from invdiff.diffusion import dps_sample, guided_eps, unconditional_eps
from invdiff.metrics.pose import pose_metrics
from invdiff.tasks.diffusion_module import ConditionalDiffusion
from invdiff.tasks.pose import sample_poses
from invdiff.tasks.pose_eval import EvalInputs

log = logging.getLogger("invdiff")


def mean_pose() -> torch.Tensor:
    """(144,) the mean training pose, each joint's mean 6D projected back onto a rotation."""
    from invdiff.data.rotations import rotation_6d_to_matrix

    x6d = torch.from_numpy(pose_dataset.load_split("train").x6d).double().mean(0)
    return matrix_to_rotation_6d(rotation_6d_to_matrix(x6d.reshape(24, 6))).reshape(-1).float()


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
    net = module.sampling_net
    eps_fn = unconditional_eps(net, cond) if w is None else guided_eps(net, cond, w)
    misfit = _misfit(forward, inputs.keypoints.repeat_interleave(k, dim=0), image_size)
    x = dps_sample(eps_fn, module.schedule, (n * k, 144), misfit, zeta, steps=cfg.steps,
                   eta=cfg.eta, generator=generator, clip_x0=params.pose.eval.sampler.clip_x0)
    return x.reshape(n, k, -1), cfg.steps


def _row(x6d, seconds, evaluations, inputs: EvalInputs, forward: PoseForwardModel, image_size: int) -> dict:
    with torch.no_grad():
        joints, body25 = forward.joints_and_body25(x6d)
        row = pose_metrics(inputs.keypoints, forward.camera.project(body25), inputs.joints3d, joints,
                           forward.rotations(x6d), image_size)
    row["seconds_per_sample"] = seconds / x6d[..., 0].numel()
    row["forward_evaluations_per_sample"] = evaluations
    return {key: round(float(v), 6) for key, v in row.items()}


def _subset(inputs: EvalInputs, count: int) -> EvalInputs:
    return EvalInputs(inputs.x6d[:count], inputs.keypoints[:count], inputs.joints3d[:count], inputs.names[:count])


def run(params: Params, module: ConditionalDiffusion, forward: PoseForwardModel, inputs: EvalInputs):
    """Returns (rows {method: metrics}, {method: x6d samples}, the ζ sweep)."""
    eval_cfg, cfg = params.pose.eval, params.pose.baselines
    k, image_size = eval_cfg.samples_per_input, params.camera.image_size
    seed = params.seed
    rows, samples = {}, {}

    def timed(name, fn):
        start = time.perf_counter()
        x6d, evaluations = fn()
        rows[name] = _row(x6d, time.perf_counter() - start, evaluations, inputs, forward, image_size)
        samples[name] = x6d
        log.info("%s: alignment %.4f, MPJPE %.1f mm, violations %.3f, %.3f s/sample", name,
                 rows[name]["pixel_alignment_error"], rows[name]["mpjpe_mm"], rows[name]["joint_limit_violation"],
                 rows[name]["seconds_per_sample"])

    for i, w in enumerate(eval_cfg.guidance_weights):
        timed(f"cfg w={w:g}", lambda: (sample_poses(module, keypoints_to_unit(inputs.keypoints, image_size), k, w,
                                                    eval_cfg.sampler, torch.Generator().manual_seed(seed + i),
                                                    batch_size=eval_cfg.batch_size), 0))
    timed("gradient_descent", lambda: gradient_descent(forward, inputs, k, params,
                                                       torch.Generator().manual_seed(seed)))
    sweep_inputs = _subset(inputs, cfg.dps.sweep_inputs)
    sweep = {}
    for zeta in cfg.dps.zetas:
        x6d, _ = dps(module, forward, sweep_inputs, k, zeta, None, params, torch.Generator().manual_seed(seed))
        sweep[f"zeta={zeta:g}"] = _row(x6d, 0.0, 0, sweep_inputs, forward, image_size)["pixel_alignment_error"]
    best = min(cfg.dps.zetas, key=lambda z: sweep[f"zeta={z:g}"])
    log.info("DPS zeta sweep (alignment on %d val inputs): %s -> %g", len(sweep_inputs.names), sweep, best)
    timed("dps", lambda: dps(module, forward, inputs, k, best, None, params, torch.Generator().manual_seed(seed)))
    timed("cfg+dps", lambda: dps(module, forward, inputs, k, best, cfg.dps.cfg_weight, params,
                                 torch.Generator().manual_seed(seed)))
    return rows, samples, {"alignment_by_zeta": sweep, "chosen_zeta": best}


def write_plots(folder, params: Params, rows: dict, samples: dict, inputs: EvalInputs,
                forward: PoseForwardModel, data_source: str) -> dict:
    """error_vs_compute.png and gradient_descent_vs_cfg.png (where descent fits keypoints with odd poses)."""
    import numpy as np

    from invdiff.io import save_figure
    from invdiff.viz.pose import error_vs_compute, figure5_panel

    figures = {"error_vs_compute.png": error_vs_compute(rows, f"pose baselines on val (data: {data_source})")}
    # the inputs where descent violates joint limits most: the failure mode the learned prior avoids
    with torch.no_grad():
        from invdiff.metrics.joint_limits import joint_limit_violations

        bad = joint_limit_violations(forward.rotations(samples["gradient_descent"])).float().mean((1, 2))
    pick = np.sort(bad.argsort(descending=True)[:params.pose.eval.figure_inputs].numpy())
    reference = f"cfg w={params.pose.eval.guidance_weights[-1]:g}"
    panel = {}
    for name in ("gradient_descent", reference):
        with torch.no_grad():
            joints, body25 = forward.joints_and_body25(samples[name][pick])
        panel[name] = (forward.camera.project(body25).numpy(), joints.numpy())
    figures["gradient_descent_vs_cfg.png"] = figure5_panel(
        inputs.keypoints[pick].numpy(), inputs.joints3d[pick].numpy(), panel, params.camera.image_size,
        forward.camera.position.numpy(), [inputs.names[i] for i in pick],
        "inputs where gradient descent breaks joint limits most: descent vs the CFG transformer")
    for name, fig in figures.items():
        save_figure(fig, folder / name)
    return figures
