"""eval_pose: both architectures × guidance weights on two protocols, with the metrics of ``metrics.pose``.

Protocols: ``val`` — evenly spaced frames of the held-out validation split (our honest number); ``paper`` — the
authors' Table 1 protocol on *training* sequences (the first ``sequences`` of them, their first ``seconds``).
The authors normalise keypoints as pixel/600 − 0.5; the shift cancels in |y − f(x̂)|, so their error equals
our ``pixel_alignment_error`` (and the trimmed mean its ``_trim98`` twin).
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
import torch

from invdiff.config import Params
from invdiff.data import pose_dataset
from invdiff.data.forward_model import PoseForwardModel, keypoints_to_unit
from invdiff.diffusion import network_evaluations
from invdiff.errors import ConfigError
from invdiff.metrics.pose import pose_metrics
from invdiff.tasks.diffusion_module import ConditionalDiffusion
from invdiff.tasks.pose import sample_poses

log = logging.getLogger("invdiff")
PROTOCOLS = ("val", "paper")


@dataclass
class EvalInputs:
    x6d: torch.Tensor        # [N, 144] ground truth
    keypoints: torch.Tensor  # [N, 25, 2] pixels
    joints3d: torch.Tensor   # [N, 24, 3] metres
    names: list[str]         # "sequence@frame", for figures


def _inputs(arrays: pose_dataset.SplitArrays, index: np.ndarray) -> EvalInputs:
    names = [f"{arrays.sequence_names[arrays.sequence[i]].split('/')[-1].replace('_poses', '')}@{arrays.frame[i]}"
             for i in index]
    return EvalInputs(torch.from_numpy(arrays.x6d[index]), torch.from_numpy(arrays.keypoints[index]),
                      torch.from_numpy(arrays.joints3d[index]), names)


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
    return {"val": _inputs(val, val_index), "paper": _inputs(train, paper_index)}


@torch.no_grad()
def evaluate_cell(module: ConditionalDiffusion, inputs: EvalInputs, forward: PoseForwardModel, w: float,
                  params: Params, generator: torch.Generator) -> tuple[dict, torch.Tensor, torch.Tensor]:
    """Metrics of one (protocol, arch, w) and the samples' keypoints [N, K, 25, 2] and joints [N, K, 24, 3]."""
    cfg = params.pose.eval
    image_size = params.camera.image_size
    start = time.perf_counter()
    x6d = sample_poses(module, keypoints_to_unit(inputs.keypoints, image_size), cfg.samples_per_input, w,
                       cfg.sampler, generator, batch_size=cfg.batch_size)
    seconds = time.perf_counter() - start
    joints, body25 = forward.joints_and_body25(x6d)
    keypoints = forward.camera.project(body25)
    row = pose_metrics(inputs.keypoints, keypoints, inputs.joints3d, joints, forward.rotations(x6d), image_size)
    row["seconds_per_sample"] = seconds / x6d[..., 0].numel()
    return row, keypoints, joints


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


def train_seconds(archs) -> dict[str, float]:
    import json
    from pathlib import Path

    out = {}
    for arch in archs:
        info = Path(f"models/pose_{arch}/train_info.json")
        out[arch] = json.loads(info.read_text())["seconds"] if info.is_file() else None
    return out


def write_plots(folder, params: Params, result: dict, samples: dict, inputs: dict[str, EvalInputs],
                forward: PoseForwardModel) -> dict:
    """metrics_vs_w.{png,csv} and one Figure-5 panel per architecture (val inputs); returns the figures."""
    from invdiff.io import save_figure, write_text
    from invdiff.metrics.pose import METRIC_KEYS
    from invdiff.viz.pose import figure5_panel, metrics_csv, metrics_vs_weight

    cfg = params.pose.eval
    archs = list(result["params"])
    weights = [float(w) for w in cfg.guidance_weights]
    figures = {"metrics_vs_w.png": metrics_vs_weight(result, PROTOCOLS, archs, weights)}
    write_text(folder / "metrics_vs_w.csv", metrics_csv(result, PROTOCOLS, archs, weights, METRIC_KEYS))
    val = inputs["val"]
    pick = np.unique(np.linspace(0, len(val.names) - 1, min(cfg.figure_inputs, len(val.names))).round().astype(int))
    for arch in archs:
        panel = {f"w={w:g}": tuple(t[pick].numpy() for t in samples[("val", arch, w)]) for w in weights}
        figures[f"figure5_{arch}.png"] = figure5_panel(
            val.keypoints[pick].numpy(), val.joints3d[pick].numpy(), panel, params.camera.image_size,
            forward.camera.position.numpy(), [val.names[i] for i in pick],
            f"{arch}: {cfg.samples_per_input} samples per input (val, data: {result['data_source']})")
    for name, fig in figures.items():
        save_figure(fig, folder / name)  # closed for pyplot, still drawable for MLflow
    return figures
