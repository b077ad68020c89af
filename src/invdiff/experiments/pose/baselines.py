"""baselines_pose: what a learned optimizer must beat, on eval_pose's val inputs with K answers per input.

- ``linear_gaussian``, ``linear_gaussian_mean``: the closed-form reference (:mod:`.reference`);
- ``gradient_descent``: multi-start Adam on ‖(y − f(x)) / image_size‖² (+ ``prior_weight``·‖x − x̄‖², x̄ the mean
  training pose), start 0 at x̄, the others at x̄ + noise;
- ``map_linear_gaussian``: the same descent on the misfit + λ·½(x − μ)ᵀΣ⁺(x − μ), the linear-Gaussian prior (MAP);
- ``dps``: a trained model's *unconditional* branch as the prior plus DPS likelihood steps through f;
- ``cfg+dps``: the guided conditional model plus the same likelihood steps;
- ``cfg <arch> w=<w>``: that trained model itself;
- ``cfg <arch> w=<w> + refine``: its samples at its best val w (by alignment), then ``refine.steps`` Adam steps on
  the keypoint misfit through f from each (:mod:`.refine`, ``sample-pose --refine``): the learned optimizer as the
  initialisation of a classical one.
The DPS prior (one of ``dps.priors``) and ζ are chosen by alignment error, λ by MPJPE (by alignment the weakest
prior always wins), on ``sweep_inputs`` val frames that are *not* among the reported ones. Every method draws
with eval_pose's paired seeds; rows are mean ± sd over them.
``forward_evaluations_per_sample`` counts evaluations of f (with its gradient); sampling the models uses none.
"""
from __future__ import annotations

import logging
import time
from typing import Callable

import numpy as np
import torch

from invdiff.baselines import multi_start_descent
from invdiff.config import Params
from invdiff.diffusion import dps_sample, guided_eps, unconditional_eps
from invdiff.diffusion.module import ConditionalDiffusion
from invdiff.experiments.pose.data import dataset as pose_dataset
from invdiff.experiments.pose.data.forward_model import POSE_DIM, PoseForwardModel, keypoints_to_unit
from invdiff.experiments.pose.data.rotations import matrix_to_rotation_6d, rotation_6d_to_matrix
from invdiff.experiments.pose.data.skeleton import NUM_SMPL_JOINTS
from invdiff.experiments.pose.evaluate import REFERENCES, fit_reference, reference_samples, seed_generator
from invdiff.experiments.pose.reference import LinearGaussian
from invdiff.experiments.pose.refine import refine
from invdiff.experiments.pose.scoring import EvalInputs, score_samples, split_inputs
from invdiff.experiments.pose.task import sample_poses
from invdiff.seeds import summarize

log = logging.getLogger("invdiff")
Method = Callable[[EvalInputs, torch.Generator], tuple[torch.Tensor, int]]  # -> x6d [N, K, 144], f evaluations


def mean_pose() -> torch.Tensor:
    """(144,) the mean training pose, each joint's mean 6D projected back onto a rotation."""
    x6d = torch.from_numpy(pose_dataset.load_split("train").x6d).double().mean(0)
    return matrix_to_rotation_6d(rotation_6d_to_matrix(x6d.reshape(NUM_SMPL_JOINTS, 6))).reshape(-1).float()


def sweep_inputs(params: Params, reported: int) -> EvalInputs:
    """``dps.sweep_inputs`` val frames, evenly spread, none of them among the ``reported`` evenly spaced ones."""
    val = pose_dataset.load_split("val")
    taken = set(np.linspace(0, len(val.x6d) - 1, reported).round().astype(np.int64).tolist())
    free = np.array([i for i in range(len(val.x6d)) if i not in taken])
    pick = free[np.linspace(0, len(free) - 1, min(params.pose.baselines.dps.sweep_inputs, len(free))).round()
                .astype(np.int64)]
    return split_inputs(val, np.unique(pick))


def _misfit(forward: PoseForwardModel, keypoints_px: torch.Tensor, image_size: int):
    """x [B, 144] -> ‖(y − f(x)) / image_size‖ per sample, for targets ``keypoints_px`` [B, 25, 2]."""
    return lambda x: ((forward(x) - keypoints_px) / image_size).flatten(1).norm(dim=-1)


def gradient_descent(forward: PoseForwardModel, inputs: EvalInputs, k: int, params: Params,
                     generator: torch.Generator, prior: LinearGaussian | None = None,
                     prior_weight: float = 0.0) -> tuple[torch.Tensor, int]:
    """Multi-start descent; with ``prior`` the MAP of misfit² + prior_weight · (its negative log prior)."""
    cfg = params.pose.baselines.gradient_descent
    n = len(inputs.names)
    centre = mean_pose()
    starts = centre.expand(n, k, -1).clone()
    starts[:, 1:] += cfg.init_noise * torch.randn(n, k - 1, centre.numel(), generator=generator)
    misfit = _misfit(forward, inputs.keypoints.repeat_interleave(k, dim=0), params.camera.image_size)

    def loss(x):
        value = misfit(x) ** 2 + cfg.prior_weight * ((x - centre) ** 2).sum(-1)
        return value if prior is None else value + prior_weight * prior.prior_energy(x)

    x, evaluations = multi_start_descent(loss, starts.reshape(n * k, -1), cfg.steps, cfg.lr)
    return x.reshape(n, k, -1), evaluations


def dps(module: ConditionalDiffusion, forward: PoseForwardModel, inputs: EvalInputs, k: int, zeta: float,
        w: float | None, params: Params, generator: torch.Generator) -> tuple[torch.Tensor, int]:
    """``w=None``: the unconditional prior (plain DPS); otherwise the CFG-guided conditional model."""
    cfg = params.pose.baselines.dps
    image_size = params.camera.image_size
    n = len(inputs.names)
    cond = module.encode_cond(keypoints_to_unit(inputs.keypoints, image_size)).repeat_interleave(k, dim=0)
    net = module.denoiser
    eps_fn = unconditional_eps(net, cond) if w is None else guided_eps(net, cond, w)
    misfit_6d = _misfit(forward, inputs.keypoints.repeat_interleave(k, dim=0), image_size)
    x, steps = dps_sample(eps_fn, module.schedule, (n * k, POSE_DIM), lambda z: misfit_6d(module.decode(z)), zeta,
                          steps=cfg.steps, eta=cfg.eta, generator=generator,
                          clip_x0=module.clip_bounds(params.pose.eval.sampler.clip_x0))
    return module.decode(x).reshape(n, k, -1), steps


def _scored(method: Method, inputs: EvalInputs, forward: PoseForwardModel, params: Params,
            seeds: int) -> tuple[dict[str, float], torch.Tensor]:
    """Mean ± sd over the paired seeds of the method's metrics, and seed 0's samples."""
    rows, first = [], None
    for seed in range(seeds):
        start = time.perf_counter()
        x6d, evaluations = method(inputs, seed_generator(params, seed))
        row, _ = score_samples(forward, inputs, x6d, time.perf_counter() - start)
        rows.append({**row, "forward_evaluations_per_sample": float(evaluations)})
        first = x6d if first is None else first
    return summarize(rows), first


def _choose(name: str, options: dict, method_of: Callable[..., Method], sweep: EvalInputs,
            forward: PoseForwardModel, params: Params, key: str = "pixel_alignment_error"):
    """The option whose method scores best (lowest ``key``) on the sweep inputs (one seed), and every score."""
    scores = {label: _scored(method_of(option), sweep, forward, params, 1)[0][key] for label, option in options.items()}
    best = min(scores, key=scores.get)
    log.info("%s chosen by %s on %d disjoint val inputs: %s -> %s", name, key, len(sweep.names), scores, best)
    return options[best], {"criterion": key, "score_by_option": scores, "chosen": best}


def run(params: Params, modules: dict[str, ConditionalDiffusion], forward: PoseForwardModel, inputs: EvalInputs):
    """Returns (rows {method: metrics}, {method: x6d samples of seed 0}, the choices made on the sweep inputs)."""
    eval_cfg, cfg = params.pose.eval, params.pose.baselines
    k, image_size, seeds = eval_cfg.samples_per_input, params.camera.image_size, eval_cfg.seeds
    sweep = sweep_inputs(params, eval_cfg.val_inputs)
    reference = fit_reference()
    rows, samples, choices = {}, {}, {}

    def report(name: str, method: Method) -> None:
        rows[name], samples[name] = _scored(method, inputs, forward, params, seeds)
        log.info("%s: alignment %.4f ± %.4f, MPJPE %.1f ± %.1f mm, violations %.3f, %.4f s/sample", name,
                 rows[name]["pixel_alignment_error"], rows[name]["pixel_alignment_error_sd"], rows[name]["mpjpe_mm"],
                 rows[name]["mpjpe_mm_sd"], rows[name]["joint_limit_violation"], rows[name]["seconds_per_sample"])

    def dps_method(option, w):
        arch, zeta = option
        return lambda batch, g: dps(modules[arch], forward, batch, k, zeta, w, params, g)

    (arch, zeta), choices["dps"] = _choose(
        "DPS prior and zeta", {f"{a} zeta={z:g}": (a, z) for a in cfg.dps.priors for z in cfg.dps.zetas},
        lambda option: dps_method(option, None), sweep, forward, params)
    weight, choices["map_linear_gaussian"] = _choose(
        "MAP prior weight", {f"lambda={lam:g}": lam for lam in cfg.gradient_descent.map_prior_weights},
        lambda lam: (lambda batch, g: gradient_descent(forward, batch, k, params, g, reference, lam)),
        sweep, forward, params, key="mpjpe_mm")  # by alignment the weakest prior always wins: it only fits y
    for name in REFERENCES:
        report(name, lambda batch, g, name=name: (reference_samples(reference, name, batch, k, g), 0))
    model = modules[arch]
    for w in eval_cfg.guidance_weights:
        report(f"cfg {arch} w={w:g}", lambda batch, g, w=w: (sample_poses(
            model, keypoints_to_unit(batch.keypoints, image_size), k, w, eval_cfg.sampler_for(arch), g,
            batch_size=eval_cfg.batch_size).samples, 0))
    w_best = min(eval_cfg.guidance_weights, key=lambda w: rows[f"cfg {arch} w={w:g}"]["pixel_alignment_error"])

    def refined(batch, g):
        x6d = sample_poses(model, keypoints_to_unit(batch.keypoints, image_size), k, w_best,
                           eval_cfg.sampler_for(arch), g, batch_size=eval_cfg.batch_size).samples
        present = torch.ones(batch.keypoints.shape[:2], dtype=torch.bool)
        return refine(forward, x6d, batch.keypoints, present, cfg.refine.steps, cfg.refine.lr), cfg.refine.steps

    report(f"cfg {arch} w={w_best:g} + refine", refined)
    report("gradient_descent", lambda batch, g: gradient_descent(forward, batch, k, params, g))
    report("map_linear_gaussian", lambda batch, g: gradient_descent(forward, batch, k, params, g, reference, weight))
    report("dps", dps_method((arch, zeta), None))
    report("cfg+dps", dps_method((arch, zeta), cfg.dps.cfg_weight))
    choices.update({"dps_prior": arch, "dps_zeta": zeta, "map_prior_weight": weight,
                    "sweep_inputs": len(sweep.names)})
    return rows, samples, choices
