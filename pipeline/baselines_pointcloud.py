"""DVC stage baselines_pointcloud: the noisy input, bilateral filtering and jet fitting on the test meshes, CD and P2M
x 10^4 (mean +- sd over shapes) per cloud size and noise level, beside the IGO paper's Table 1
-> metrics/pointcloud_baselines.json, plots/pointcloud_baselines/ (MLflow: experiment igo_pointcloud)."""
from invdiff import tracking
from invdiff.config import flatten
from invdiff.experiments.pointcloud import data, figures
from invdiff.experiments.pointcloud.evaluate import PAPER, UNITS, evaluate, write_plots
from invdiff.io import write_results
from invdiff.progress import Progress
from invdiff.stage import run_stage

# the params keys this stage reads: dvc.yaml's params list (make dvc-deps), enforced while it runs
READS = ("seed", "pointcloud.data", "pointcloud.baselines")


def work(params):
    cfg = params.pointcloud
    progress = Progress("denoising the test clouds", len(cfg.data.points) * len(cfg.data.noise) *
                        len(cfg.data.test_meshes))
    results, rows, examples = evaluate(cfg.baselines, cfg.data.points, cfg.data.noise, progress)
    made = {}
    for key, (name, clean, clouds) in examples.items():
        scores = {m: f"test mean: CD {results[key][m]['cd']:.2f}, P2M {results[key][m]['p2m']:.2f}" for m in clouds}
        n, level = key.split("/")
        made[f"clouds_{n}_{level}.png"] = figures.clouds_row(
            {**clouds, "clean": clean}, f"{name}, {n} points, noise {float(level):.0%}: noisy, denoised, clean "
                                        "(CD / P2M x 1e4, mean over the test meshes)", scores)
    children = {f"{method} {key}": ({"method": method, "points": int(key.split("/")[0]),
                                     "noise": float(key.split("/")[1])}, row)
                for key, by_method in results.items() for method, row in by_method.items()}
    tracking.log_evaluation("igo_pointcloud", "baselines_pointcloud", "real",
                            {**flatten(cfg.baselines, "pointcloud.baselines."), "seed": params.seed}, children,
                            figures=made)
    write_plots("pointcloud_baselines", rows, made)
    write_results("pointcloud_baselines", {
        "units": UNITS, "test_meshes": data.Split("test").names, "data_source": data.SOURCE,
        "settings": results, "paper": {"table": "Mishra et al. Table 1, the 20 PU-Net test meshes", **PAPER}})


if __name__ == "__main__":
    run_stage("baselines_pointcloud", work, reads=READS)
