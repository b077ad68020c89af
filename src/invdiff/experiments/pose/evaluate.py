"""eval_pose: both architectures × guidance weights on two protocols, beside the linear-Gaussian reference,
over paired sampling seeds, scored by :mod:`.scoring`.

Protocols:
- ``val`` — evenly spaced frames of the held-out validation split, seen by the training camera (re-centred on the
  body every frame, no global translation): our honest number.
- ``paper`` — the authors' Table 1 evaluation (DiffOpt's ``AMASS.get_sequence_data``): the first ``sequences``
  *training* sequences, their first ``seconds`` at 30 fps, the body keeps its global translation and the camera is
  fixed per sequence: at the mean, over those frames, of the point the training camera follows every frame (the
  authors follow the joints' mean, we the root joint, in training and here alike) + the usual offset. So this
  protocol also measures the shift from a camera that follows the body to one that stays put. Frames in
  which the travelling body leaves the fixed camera's image are not inputs (``paper_frames_outside_image``).
Every method draws with the same seeds (``pose.eval.seeds``; paired across methods and w) and every number is
the mean over seeds with its sd (``<key>_sd``). ``gain_vs_linear_gaussian_<metric>`` is the paired relative
improvement over the linear-Gaussian reference, 1 − model / reference, seed by seed.
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict

import numpy as np
import torch

from invdiff.config import Params
from invdiff.diffusion import network_evaluations
from invdiff.diffusion.module import ConditionalDiffusion
from invdiff.errors import ConfigError
from invdiff.experiments.pose import default_model, framing
from invdiff.experiments.pose.data import dataset as pose_dataset
from invdiff.experiments.pose.data.camera import look_at_centres, to_cameras
from invdiff.experiments.pose.data.forward_model import PoseForwardModel, keypoints_to_unit
from invdiff.experiments.pose.reference import LinearGaussian
from invdiff.experiments.pose.reframed import score_reframed, score_reframed_reference
from invdiff.experiments.pose.scoring import EvalInputs, View, score_samples, split_inputs
from invdiff.experiments.pose.task import ARCHS, PoseTask, sample_poses
from invdiff.headline import best_over_w, rounded
from invdiff.paths import timings_path
from invdiff.seeds import paired_generator, summarize

log = logging.getLogger("invdiff")
PROTOCOLS = ("val", "paper")
REFERENCES = ("linear_gaussian", "linear_gaussian_mean")
GAIN_KEYS = ("pixel_alignment_error", "mpjpe_mm")


def val_inputs(params: Params) -> EvalInputs:
    val = pose_dataset.load_split("val")
    index = np.unique(np.linspace(0, len(val.x6d) - 1, params.pose.eval.val_inputs).round().astype(np.int64))
    return split_inputs(val, index)


@torch.no_grad()
def paper_inputs(params: Params, forward: PoseForwardModel) -> tuple[EvalInputs, int]:
    """The authors' protocol on the training split (see the module docstring): the inputs, and how many frames of
    the window were dropped because the body left the fixed camera's image."""
    cfg = params.pose.eval.paper
    train = pose_dataset.load_split("train")
    window = np.flatnonzero((train.sequence < cfg.sequences) & (train.frame < cfg.seconds * params.pose.data.fps))
    if len(window) == 0:
        raise ConfigError("pose.eval.paper: selects no training frames; raise sequences/seconds")
    # the point the training camera follows every frame (the root joint), where it stood, averaged over the window
    placed_root = torch.from_numpy(train.joints3d[window, 0] + train.transl[window])
    sequences = train.sequence[window]
    centres = {s: placed_root[sequences == s].mean(0) for s in np.unique(sequences)}
    chosen = window[::cfg.frame_stride]
    rotations, positions = look_at_centres(torch.stack([centres[s] for s in train.sequence[chosen]]), params.camera)
    inputs = split_inputs(train, chosen)
    inputs.view = View(rotations.float(), positions.float(), torch.from_numpy(train.transl[chosen]), params.camera)
    body25 = forward.pose(inputs.x6d).body25
    inputs.keypoints = inputs.view.project(body25)
    # A subject that travels past the fixed camera leaves the picture (or goes behind it): no detector reports
    # such a frame, so it is not an input. The authors' code keeps every frame (only NaN errors are dropped).
    depth = to_cameras(body25 + inputs.view.transl[:, None], inputs.view.rotations, inputs.view.positions)[..., 2]
    size = params.camera.image_size
    seen = ((depth > 0.1).all(-1) & ((inputs.keypoints >= 0) & (inputs.keypoints <= size)).all(-1).all(-1))
    if not seen.any():
        raise ConfigError("pose.eval.paper: in no selected frame is the whole body inside the fixed camera's image")
    log.info("paper protocol: %d of %d frames keep the whole body in the fixed camera's image", int(seen.sum()),
             len(chosen))
    return inputs.select(seen.nonzero().squeeze(1).tolist()), int((~seen).sum())


def seed_generator(params: Params, seed_index: int) -> torch.Generator:
    """The generator of sampling seed ``seed_index``: the same for every method, w and protocol (paired)."""
    return paired_generator(params.seed, seed_index)


def gains(rows: list[dict[str, float]], reference: list[dict[str, float]]) -> dict[str, float]:
    """Paired relative improvement 1 − model / reference per seed, mean and sd, for :data:`GAIN_KEYS`."""
    return summarize([{f"gain_vs_linear_gaussian_{k}": 1 - row[k] / ref[k] for k in GAIN_KEYS}
                      for row, ref in zip(rows, reference)])


def reference_samples(reference: LinearGaussian, name: str, inputs: EvalInputs, k: int,
                      generator: torch.Generator) -> torch.Tensor:
    if name == "linear_gaussian":
        return reference.sample(inputs.keypoints, k, generator)
    return reference.mean(inputs.keypoints)[:, None].expand(-1, k, -1)


def fit_reference() -> LinearGaussian:
    train = pose_dataset.load_split("train")
    return LinearGaussian.fit(torch.from_numpy(train.x6d), torch.from_numpy(train.keypoints))


@torch.no_grad()
def evaluate(params: Params, modules: dict[str, ConditionalDiffusion], forward: PoseForwardModel):
    """Returns (metrics dict shaped like metrics/pose.json, {(protocol, arch, w): (keypoints, joints)} of seed 0,
    the inputs)."""
    cfg = params.pose.eval
    k = cfg.samples_per_input
    paper, outside = paper_inputs(params, forward)
    inputs = {"val": val_inputs(params), "paper": paper}
    reference = fit_reference()
    result: dict = {"params": {arch: m.num_parameters() for arch, m in modules.items()},
                    "sampler": {"name": cfg.sampler.name,
                                "steps": network_evaluations(cfg.sampler, params.pose.diffusion.timesteps),
                                "steps_by_arch": {arch: network_evaluations(cfg.sampler_for(arch),
                                                                            params.pose.diffusion.timesteps)
                                                  for arch in modules},
                                "eta": cfg.sampler.eta if cfg.sampler.name == "ddim" else None},
                    "data_source": pose_dataset.load_stats()["data_source"],
                    "inputs": {p: len(inputs[p].names) for p in PROTOCOLS},
                    "paper_frames_outside_image": outside,
                    "samples_per_input": k, "seeds": cfg.seeds}
    samples, val_rows = {}, {}
    for protocol in PROTOCOLS:
        batch = inputs[protocol]
        result[protocol] = {}
        reference_rows = {}
        for name in REFERENCES:
            reference_rows[name] = []
            for seed in range(cfg.seeds):
                start = time.perf_counter()
                x6d = reference_samples(reference, name, batch, k, seed_generator(params, seed))
                reference_rows[name].append(score_samples(forward, batch, x6d, time.perf_counter() - start)[0])
            result[protocol][name] = summarize(reference_rows[name])
            val_rows[(protocol, name)] = reference_rows[name]
            log.info("%s %s: %s", protocol, name, _brief(result[protocol][name]))
        for arch, module in modules.items():
            result[protocol][arch] = {}
            for w in cfg.guidance_weights:
                rows = []
                for seed in range(cfg.seeds):
                    start = time.perf_counter()
                    x6d = sample_poses(module, keypoints_to_unit(batch.keypoints, params.camera.image_size), k, w,
                                       cfg.sampler_for(arch), seed_generator(params, seed),
                                       batch_size=cfg.batch_size).samples
                    row, out = score_samples(forward, batch, x6d, time.perf_counter() - start)
                    rows.append(row)
                    if seed == 0:
                        samples[(protocol, arch, float(w))] = (out.keypoints, out.joints)
                cell = {**summarize(rows), **gains(rows, reference_rows["linear_gaussian"])}
                result[protocol][arch][f"w={float(w)}"] = cell
                val_rows[(protocol, arch, float(w))] = rows
                log.info("%s %s w=%g: %s", protocol, arch, w, _brief(cell))
    choice = default_model.choose(result["val"], modules)
    result["default_model"] = asdict(choice)
    result["val_reframed"] = evaluate_reframed(params, modules, forward, inputs["val"], choice, val_rows, reference)
    return result, samples, inputs


def evaluate_reframed(params: Params, modules: dict[str, ConditionalDiffusion], forward: PoseForwardModel,
                      batch: EvalInputs, choice: default_model.DefaultModel, val_rows: dict,
                      reference: LinearGaussian) -> dict:
    """The model ``invdiff sample-pose`` uses by default (``choice``, :mod:`.default_model`) on the re-framed val
    inputs, beside the closed-form reference given the true framing and the
    present keypoints (:mod:`.reframed`). Only that one: the row measures the tool as it runs by default."""
    cfg = params.pose.eval
    prior = framing.KeypointPrior(torch.from_numpy(pose_dataset.load_split("train").keypoints))
    rows = []
    for seed in range(cfg.seeds):
        row = score_reframed_reference(reference, forward, batch, cfg.samples_per_input, seed_generator(params, seed))
        plain = val_rows[("val", "linear_gaussian")][seed]
        rows.append({**row, **{f"ratio_{key}": row[key] / plain[key] for key in GAIN_KEYS}})
    out = {"linear_gaussian": summarize(rows)}
    log.info("val_reframed linear_gaussian (true framing, missing keypoints marginalised): alignment %.4f (x%.3f of "
             "val), MPJPE %.1f mm (x%.3f)", out["linear_gaussian"]["pixel_alignment_error"],
             out["linear_gaussian"]["ratio_pixel_alignment_error"], out["linear_gaussian"]["mpjpe_mm"],
             out["linear_gaussian"]["ratio_mpjpe_mm"])
    arch, w = choice.arch, choice.w
    rows = []
    for seed in range(cfg.seeds):
        row = score_reframed(modules[arch], forward, batch, prior, w, cfg.samples_per_input,
                             cfg.sampler_for(arch), seed_generator(params, seed), cfg.batch_size,
                             params.pose.baselines.refine)
        plain = val_rows[("val", arch, w)][seed]
        rows.append({**row, **{f"ratio_{key}": row[key] / plain[key] for key in GAIN_KEYS}})
    out[arch] = {"w": w, **summarize(rows)}
    log.info("val_reframed %s w=%g: alignment %.4f (x%.3f of val), MPJPE %.1f mm (x%.3f), scale error %.3f; "
             "refined: alignment %.4f, MPJPE %.1f mm", arch, w, out[arch]["pixel_alignment_error"],
             out[arch]["ratio_pixel_alignment_error"], out[arch]["mpjpe_mm"], out[arch]["ratio_mpjpe_mm"],
             out[arch]["scale_error"], out[arch]["refined_pixel_alignment_error"], out[arch]["refined_mpjpe_mm"])
    return out


def _brief(row: dict) -> str:
    return (f"alignment {row['pixel_alignment_error']:.4f} ± {row['pixel_alignment_error_sd']:.4f}, "
            f"MPJPE {row['mpjpe_mm']:.1f} ± {row['mpjpe_mm_sd']:.1f} mm, min-of-K {row['min_of_k_mpjpe_mm']:.1f} mm, "
            f"diversity {row['diversity_mm']:.1f} mm, violations {row['joint_limit_violation']:.3f}")


def train_seconds(archs) -> dict[str, float | None]:
    """Wall time of each architecture's training, as its train stage measured it (``timings/<task>_train.json``;
    informational: not a DVC dependency, so a retrain that only changes the clock does not re-run the evaluation)."""
    out = {}
    for arch in archs:
        info = timings_path(f"{PoseTask(arch).name}_train")
        out[arch] = json.loads(info.read_text()).get("train_seconds") if info.is_file() else None
    return out


def mlflow_children(params: Params, result: dict) -> dict[str, tuple[dict, dict]]:
    """One child run per (protocol, method, w), the reference rows included, with the JSON's metric keys."""
    cfg = params.pose.eval
    children = {}
    for protocol in PROTOCOLS:
        for name in REFERENCES:
            children[f"{protocol} {name}"] = ({"protocol": protocol, "method": name}, result[protocol][name])
        for arch in result["params"]:
            for w in cfg.guidance_weights:
                children[f"{protocol} {arch} w={w:g}"] = (
                    {"protocol": protocol, "arch": arch, "w": w, "sampler": cfg.sampler.name,
                     "sampler_steps": cfg.sampler_for(arch).steps,
                     "num_parameters": result["params"][arch]}, result[protocol][arch][f"w={float(w)}"])
    for arch, row in result.get("val_reframed", {}).items():
        if arch == "linear_gaussian":
            children["val_reframed linear_gaussian"] = ({"protocol": "val_reframed", "method": arch}, row)
            continue
        children[f"val_reframed {arch} w={row['w']:g}"] = (
            {"protocol": "val_reframed", "arch": arch, "w": row["w"], "sampler": cfg.sampler.name,
             "sampler_steps": cfg.sampler_for(arch).steps,
             "num_parameters": result["params"][arch]}, {k: v for k, v in row.items() if k != "w"})
    return children


def headline(result: dict, protocol: str = "val") -> dict:
    """MPJPE (mm) of each architecture at its best guidance weight and of the linear-Gaussian conditional, on the
    model-selection protocol (``mpjpe_tf`` is the transformer)."""
    rows = result[protocol]
    short = {"mlp": "mlp", "transformer": "tf"}
    out = {f"mpjpe_{short[arch]}": best_over_w(rows[arch], "mpjpe_mm")[1]["mpjpe_mm"] for arch in ARCHS}
    out["mpjpe_ref"] = rows["linear_gaussian"]["mpjpe_mm"]
    return rounded(out)
