"""DVC stage train_pointcloud: the score-based denoiser pretrained by denoising score matching on the train meshes
(models/pointcloud/pointcloud_score/), then fine-tuned from it per seed plainly (pointcloud_plain) and with IGO's
intermediate pathway (pointcloud_igo, alpha = pointcloud.training.alpha), logging Figure 5b's weight comparisons
-> metrics/pointcloud_train.json, plots/pointcloud_train/ (MLflow: experiment igo_pointcloud)."""
import logging

import torch

from invdiff import tracking
from invdiff.experiments.pointcloud import figures
from invdiff.experiments.pointcloud.task import (
    PointCloudTask,
    WeightTracker,
    finetune_seeds,
    models_folder,
    seed_folder,
    training_patches,
)
from invdiff.io import atomic_dir, save_figure, write_csv, write_results
from invdiff.paths import plots_dir
from invdiff.progress import Progress
from invdiff.seeds import summarize
from invdiff.stage import run_stage
from invdiff.training import train, write_training_outputs

# the params keys this stage reads: dvc.yaml's params list (make dvc-deps), enforced while it runs
READS = ("seed", "trainer", "pointcloud.data", "pointcloud.model", "pointcloud.training")

log = logging.getLogger("invdiff")


def weight_change(records: list[dict]) -> dict[str, float]:
    """Figure 5b's summary: relative change of each comparison from the start of fine-tuning to its end."""
    first, last = records[0], records[-1]
    return {key: (last[key] - first[key]) / abs(first[key]) for key in first if key != "step"}


def work(params):
    cfg = params.pointcloud.training
    torch.set_num_threads(cfg.pretrain.threads)
    training_patches(params, Progress("training patches (train meshes)", len(params.pointcloud.data.train_meshes)))
    pretrain = PointCloudTask("pretrain")
    result = train(pretrain, params, models_folder(pretrain.name))
    write_training_outputs(pretrain.name, result)
    log.info("pretrained: final loss %.4f in %.0f s", result.final_loss, result.seconds)
    summary = {"pretrain": {"final_loss": round(result.final_loss, 6), "train_seconds": round(result.seconds, 1),
                            "num_parameters": result.num_parameters}}
    torch.set_num_threads(cfg.finetune.threads)
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
    if curves:
        changes = {f"seed{s}": weight_change(r) for s, r in curves.items()}
        summary["figure5b"] = {"relative_change": summarize(list(changes.values())), "per_seed": {
            s: {k: round(v, 6) for k, v in c.items()} for s, c in changes.items()},
            "steps": cfg.finetune.max_steps, "paper": "over 50k iterations: cosine(D_t, D_tau) -10 %, "
                                                      "Euclidean(E_t, E_tau) +15 %"}
        fig = figures.weight_curves(curves, f"IGO fine-tuning (alpha = {cfg.alpha:g}): E_t vs E_tau, D_t vs D_tau "
                                            "(Figure 5b)")
        tracking.log_figure(fig, "figure5b_weights.png", run_id=run_ids[params.seed])
        with atomic_dir(plots_dir("pointcloud_train")) as folder:
            keys = [k for k in curves[params.seed][0] if k != "step"]
            write_csv(folder / "figure5b_weights.csv", ["seed", "step", *keys],
                      [(s, r["step"], *(round(r[k], 6) for k in keys)) for s, rs in curves.items() for r in rs])
            save_figure(fig, folder / "figure5b_weights.png")
    write_results("pointcloud_train", summary)


if __name__ == "__main__":
    run_stage("train_pointcloud", work, reads=READS)
