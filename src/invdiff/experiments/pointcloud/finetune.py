"""The point-cloud training protocol: pretrain the score denoiser once, fine-tune it per seed plainly and with IGO's
intermediate pathway, and summarise Figure 5b (how E_t / E_tau and D_t / D_tau drift apart under IGO)."""
from __future__ import annotations

import logging

import torch

from invdiff.config import Params
from invdiff.experiments.pointcloud.task import (
    PointCloudTask,
    WeightTracker,
    finetune_seeds,
    models_folder,
    seed_folder,
    training_patches,
)
from invdiff.progress import Progress
from invdiff.seeds import summarize
from invdiff.training import train, write_training_outputs

log = logging.getLogger("invdiff")
PAPER_FIGURE5B = "over 50k iterations: cosine(D_t, D_tau) -10 %, Euclidean(E_t, E_tau) +15 %"


def weight_change(records: list[dict]) -> dict[str, float]:
    """Figure 5b's summary: relative change of each comparison from the start of fine-tuning to its end."""
    first, last = records[0], records[-1]
    return {key: (last[key] - first[key]) / abs(first[key]) for key in first if key != "step"}


def figure5b_summary(curves: dict[int, list[dict]], steps: int) -> dict:
    """Relative change per seed and mean ± sd over seeds, beside the paper's reading."""
    changes = {f"seed{s}": weight_change(r) for s, r in curves.items()}
    return {"relative_change": summarize(list(changes.values())),
            "per_seed": {s: {k: round(v, 6) for k, v in c.items()} for s, c in changes.items()},
            "steps": steps, "paper": PAPER_FIGURE5B}


def pretrain(params: Params) -> dict:
    """Train the score denoiser by denoising score matching on the train meshes; returns its summary row."""
    cfg = params.pointcloud.training
    torch.set_num_threads(cfg.pretrain.threads)
    training_patches(params, Progress("training patches (train meshes)", len(params.pointcloud.data.train_meshes)))
    task = PointCloudTask("pretrain")
    result = train(task, params, models_folder(task.name))
    write_training_outputs(task.name, result)
    log.info("pretrained: final loss %.4f in %.0f s", result.final_loss, result.seconds)
    return {"final_loss": round(result.final_loss, 6), "train_seconds": round(result.seconds, 1),
            "num_parameters": result.num_parameters}


def finetune(params: Params) -> tuple[dict, dict[int, list[dict]], dict[int, str | None]]:
    """Fine-tune plainly and with IGO per seed: ({task: {seed<k>: row}}, IGO weight records per seed, their runs)."""
    cfg = params.pointcloud.training
    torch.set_num_threads(cfg.finetune.threads)
    summary: dict = {}
    curves, run_ids = {}, {}
    for kind in ("plain", "igo"):
        task = PointCloudTask(kind)
        for seed in finetune_seeds(params):
            tracker = WeightTracker(cfg.track_every) if kind == "igo" else None
            result = train(task, params.model_copy(update={"seed": seed}), seed_folder(task.name, params, seed),
                           callbacks=[tracker] if tracker else None)
            log.info("%s seed %d: final loss %.4f in %.0f s", task.name, seed, result.final_loss, result.seconds)
            if seed == params.seed:
                write_training_outputs(task.name, result)
            summary.setdefault(task.name, {})[f"seed{seed}"] = {"final_loss": round(result.final_loss, 6),
                                                                 "train_seconds": round(result.seconds, 1)}
            if tracker is not None:
                curves[seed], run_ids[seed] = tracker.records, result.run_id
    return summary, curves, run_ids
