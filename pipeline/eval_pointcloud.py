"""DVC stage eval_pointcloud: Table 1 on the test meshes -- the noisy input, bilateral, jet, the pretrained score
denoiser, its plain fine-tuning (score) and its IGO fine-tuning denoising through D_t (igo_t) and through the
intermediate pathway E_tau / D_tau (igo_tau, the paper's row), CD and P2M x 10^4 mean +- sd over meshes and seeds,
paired differences, the paper's numbers -> metrics/igo_pointcloud.json, plots/igo_pointcloud/ (MLflow: experiment
igo_pointcloud)."""
from invdiff import tracking
from invdiff.config import flatten
from invdiff.experiments.pointcloud import table
from invdiff.experiments.pointcloud.evaluate import score_clouds, write_plots
from invdiff.experiments.pointcloud.report import (
    example_figures,
    learned_models,
    methods_factory,
    metrics_json,
    mlflow_children,
)
from invdiff.io import write_results
from invdiff.progress import Progress
from invdiff.stage import run_stage, set_threads

# the params keys this stage reads: dvc.yaml's params list (make dvc-deps), enforced while it runs
READS = (
    "seed", "pointcloud.data", "pointcloud.baselines", "pointcloud.model", "pointcloud.training",
    "pointcloud.denoise"
)


def work(params):
    cfg = params.pointcloud
    set_threads(cfg.training.finetune.threads)
    methods_at = methods_factory(params, learned_models(params))
    progress = Progress("denoising the test clouds", len(cfg.data.points) * len(cfg.data.noise) *
                        len(cfg.data.test_meshes))
    raw, rows, examples = score_clouds(methods_at, cfg.data.points, cfg.data.noise, progress)
    results = {key: {"rows": table.rows(by_method), "differences": table.differences(by_method)}
               for key, by_method in raw.items()}
    made = example_figures(results, examples, params.seed)
    tracking.log_evaluation("igo_pointcloud", "eval_pointcloud", "real",
                            {**flatten(cfg.denoise, "pointcloud.denoise."), "pointcloud.training.alpha":
                             cfg.training.alpha, "seed": params.seed}, mlflow_children(results), figures=made)
    write_plots("igo_pointcloud", rows, made)
    write_results("igo_pointcloud", metrics_json(params, results))


if __name__ == "__main__":
    run_stage("eval_pointcloud", work, reads=READS)
