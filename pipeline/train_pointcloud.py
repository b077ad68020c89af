"""DVC stage train_pointcloud: the score-based denoiser pretrained by denoising score matching on the train meshes
(models/pointcloud/pointcloud_score/), then fine-tuned from it per seed plainly (pointcloud_plain) and with IGO's
intermediate pathway (pointcloud_igo, alpha = pointcloud.training.alpha), logging Figure 5b's weight comparisons
-> metrics/pointcloud_train.json, plots/pointcloud_train/ (MLflow: experiment igo_pointcloud)."""
from invdiff import tracking
from invdiff.experiments.pointcloud import figures
from invdiff.experiments.pointcloud.finetune import figure5b_summary, finetune, pretrain
from invdiff.io import atomic_dir, save_figure, write_csv, write_results
from invdiff.paths import plots_dir
from invdiff.stage import run_stage

# the params keys this stage reads: dvc.yaml's params list (make dvc-deps), enforced while it runs
READS = ("seed", "trainer", "pointcloud.data", "pointcloud.model", "pointcloud.training")


def write_figure5b(curves, run_id, alpha: float) -> None:
    fig = figures.weight_curves(curves, f"IGO fine-tuning (alpha = {alpha:g}): E_t vs E_tau, D_t vs D_tau "
                                        "(Figure 5b)")
    tracking.log_figure(fig, "figure5b_weights.png", run_id=run_id)
    first = next(iter(curves.values()))
    keys = [k for k in first[0] if k != "step"]
    with atomic_dir(plots_dir("pointcloud_train")) as folder:
        write_csv(folder / "figure5b_weights.csv", ["seed", "step", *keys],
                  [(s, r["step"], *(round(r[k], 6) for k in keys)) for s, rs in curves.items() for r in rs])
        save_figure(fig, folder / "figure5b_weights.png")


def work(params):
    cfg = params.pointcloud.training
    summary = {"pretrain": pretrain(params)}
    finetuned, curves, run_ids = finetune(params)
    summary.update(finetuned)
    if curves:
        summary["figure5b"] = figure5b_summary(curves, cfg.finetune.max_steps)
        write_figure5b(curves, run_ids[params.seed], cfg.alpha)
    write_results("pointcloud_train", summary)


if __name__ == "__main__":
    run_stage("train_pointcloud", work, reads=READS)
