"""eval_pose: both architectures × guidance weights on two protocols, scored by :mod:`.scoring`.

Protocols: ``val`` — evenly spaced frames of the held-out validation split (our honest number); ``paper`` — the
authors' Table 1 protocol on *training* sequences (the first ``sequences`` of them, their first ``seconds``).
The authors normalise keypoints as pixel/600 − 0.5; the shift cancels in |y − f(x̂)|, so their error equals
our ``pixel_alignment_error`` (and the trimmed mean its ``_trim98`` twin).
"""
from __future__ import annotations

import json
import logging
import time

import numpy as np
import torch

from invdiff.config import Params
from invdiff.diffusion import network_evaluations
from invdiff.diffusion.module import ConditionalDiffusion
from invdiff.errors import ConfigError
from invdiff.experiments.pose.data import dataset as pose_dataset
from invdiff.experiments.pose.data.forward_model import PoseForwardModel, keypoints_to_unit
from invdiff.experiments.pose.scoring import EvalInputs, score_samples, split_inputs
from invdiff.experiments.pose.task import PoseTask, sample_poses

log = logging.getLogger("invdiff")
PROTOCOLS = ("val", "paper")


def protocol_inputs(params: Params) -> dict[str, EvalInputs]:
    cfg = params.pose.eval
    val = pose_dataset.load_split("val")
    val_index = np.unique(np.linspace(0, len(val.x6d) - 1, cfg.val_inputs).round().astype(np.int64))
    train = pose_dataset.load_split("train")
    paper = cfg.paper
    max_frame = paper.seconds * params.pose.data.fps  # frame indices count at pose.data.fps
    chosen = (train.sequence < paper.sequences) & (train.frame < max_frame)
    paper_index = np.flatnonzero(chosen)[::paper.frame_stride]
    if len(paper_index) == 0:
        raise ConfigError("pose.eval.paper: selects no training frames; raise sequences/seconds")
    return {"val": split_inputs(val, val_index), "paper": split_inputs(train, paper_index)}


@torch.no_grad()
def evaluate_cell(module: ConditionalDiffusion, inputs: EvalInputs, forward: PoseForwardModel, w: float,
                  params: Params, generator: torch.Generator) -> tuple[dict, torch.Tensor, torch.Tensor]:
    """Metrics of one (protocol, arch, w) and the samples' keypoints [N, K, 25, 2] and joints [N, K, 24, 3]."""
    cfg = params.pose.eval
    start = time.perf_counter()
    x6d = sample_poses(module, keypoints_to_unit(inputs.keypoints, params.camera.image_size),
                       cfg.samples_per_input, w, cfg.sampler, generator, batch_size=cfg.batch_size).samples
    row, out = score_samples(forward, inputs, x6d, time.perf_counter() - start)
    return row, out.keypoints, out.joints


def evaluate(params: Params, modules: dict[str, ConditionalDiffusion], forward: PoseForwardModel):
    """Returns (metrics dict shaped like metrics/pose.json, {(protocol, arch, w): (keypoints, joints)}, inputs)."""
    cfg = params.pose.eval
    inputs = protocol_inputs(params)
    result: dict = {"params": {arch: m.num_parameters() for arch, m in modules.items()},
                    "sampler": {"name": cfg.sampler.name,
                                "steps": network_evaluations(cfg.sampler, params.pose.diffusion.timesteps),
                                "eta": cfg.sampler.eta if cfg.sampler.name == "ddim" else None},
                    "data_source": pose_dataset.load_stats()["data_source"],
                    "inputs": {p: len(inputs[p].names) for p in PROTOCOLS},
                    "samples_per_input": cfg.samples_per_input}
    samples = {}
    for p_index, protocol in enumerate(PROTOCOLS):
        result[protocol] = {}
        for a_index, (arch, module) in enumerate(modules.items()):
            result[protocol][arch] = {}
            for w_index, w in enumerate(cfg.guidance_weights):
                generator = torch.Generator().manual_seed(params.seed * 1000 + 100 * p_index + 10 * a_index + w_index)
                row, keypoints, joints = evaluate_cell(module, inputs[protocol], forward, w, params, generator)
                result[protocol][arch][f"w={float(w)}"] = {k: round(v, 6) for k, v in row.items()}
                samples[(protocol, arch, float(w))] = (keypoints, joints)
                log.info("%s %s w=%g: alignment %.4f, MPJPE %.1f mm, min-of-K %.1f mm, diversity %.1f mm, "
                         "violations %.3f", protocol, arch, w, row["pixel_alignment_error"], row["mpjpe_mm"],
                         row["min_of_k_mpjpe_mm"], row["diversity_mm"], row["joint_limit_violation"])
    return result, samples, inputs


def train_seconds(archs) -> dict[str, float | None]:
    """Wall time of each architecture's training (from its ``train_info.json``)."""
    out = {}
    for arch in archs:
        info = PoseTask(arch).checkpoint().with_name("train_info.json")
        out[arch] = json.loads(info.read_text())["seconds"] if info.is_file() else None
    return out


def mlflow_children(params: Params, result: dict) -> dict[str, tuple[dict, dict]]:
    """One child run per (protocol, arch, w), with the JSON's metric keys."""
    cfg = params.pose.eval
    return {f"{protocol} {arch} w={w:g}": ({"protocol": protocol, "arch": arch, "w": w, "sampler": cfg.sampler.name,
                                             "num_parameters": result["params"][arch]},
                                            result[protocol][arch][f"w={float(w)}"])
            for protocol in PROTOCOLS for arch in result["params"] for w in cfg.guidance_weights}
