"""DVC stage eval_pointcloud: Table 1 on the test meshes -- the noisy input, bilateral, jet, the pretrained score
denoiser, its plain fine-tuning (score) and its IGO fine-tuning denoising through D_t (igo_t) and through the
intermediate pathway E_tau / D_tau (igo_tau, the paper's row), CD and P2M x 10^4 mean +- sd over meshes and seeds,
paired differences, the paper's numbers -> metrics/igo_pointcloud.json, plots/igo_pointcloud/ (MLflow: experiment
igo_pointcloud)."""
from functools import partial

import torch

from invdiff import tracking
from invdiff.config import flatten
from invdiff.experiments.pointcloud import data, figures, table
from invdiff.experiments.pointcloud.evaluate import PAPER, UNITS, methods, score_clouds, write_plots
from invdiff.experiments.pointcloud.score_net import denoise
from invdiff.experiments.pointcloud.task import PointCloudTask, finetune_seeds, models_folder, seed_folder
from invdiff.io import write_results
from invdiff.progress import Progress
from invdiff.stage import run_stage

# the params keys this stage reads: dvc.yaml's params list (make dvc-deps), enforced while it runs
READS = (
    "seed", "pointcloud.data", "pointcloud.baselines", "pointcloud.model", "pointcloud.training",
    "pointcloud.denoise"
)

SHOWN = ("noisy", "bilateral", "jet", "score", "igo_tau")  # the figure's columns (first seed), then the clean cloud


def learned_models(params) -> dict[str, tuple]:
    """{method key: (network, pathway)}: the pretrained model and every fine-tuned seed."""
    pre = PointCloudTask("pretrain")
    models = {"pretrained": (pre.load(models_folder(pre.name) / "model.ckpt").net, "t")}
    for kind in ("plain", "igo"):
        task = PointCloudTask(kind)
        for seed in finetune_seeds(params):
            net = task.load(seed_folder(task.name, params, seed) / "model.ckpt").net
            if kind == "plain":
                models[f"score#{seed}"] = (net, "t")
            else:
                models[f"igo_t#{seed}"], models[f"igo_tau#{seed}"] = (net, "t"), (net, "tau")
    return models


def work(params):
    cfg = params.pointcloud
    torch.set_num_threads(cfg.training.finetune.threads)
    d = cfg.denoise
    models = learned_models(params)

    def methods_at(n, level):
        learned = {key: partial(denoise, net, steps=d.steps, step_size=d.step_at(level), decay=d.decay,
                                ensemble=d.ensemble, pathway=pathway) for key, (net, pathway) in models.items()}
        return {**methods(cfg.baselines, n, level), **learned}

    progress = Progress("denoising the test clouds", len(cfg.data.points) * len(cfg.data.noise) *
                        len(cfg.data.test_meshes))
    raw, rows, examples = score_clouds(methods_at, cfg.data.points, cfg.data.noise, progress)
    results = {key: {"rows": table.rows(by_method), "differences": table.differences(by_method)}
               for key, by_method in raw.items()}

    first = f"#{params.seed}"
    made = {"table.png": figures.table_bars(results, "point-cloud denoising on the test meshes: mean +- sd over "
                                                     "meshes (learned: seed-mean), x 1e4")}
    for key, (name, clean, clouds) in examples.items():
        shown = {m: clouds[m if m in clouds else m + first] for m in SHOWN if m in clouds or m + first in clouds}
        scores = {m: f"CD {results[key]['rows'][m]['cd']:.2f}, P2M {results[key]['rows'][m]['p2m']:.2f}"
                  for m in shown}
        n, level = key.split("/")
        made[f"clouds_{n}_{level}.png"] = figures.clouds_row(
            {**shown, "clean": clean}, f"{name}, {n} points, noise {float(level):.0%}: noisy, denoised (learned: "
                                       f"seed {params.seed}), clean (CD / P2M x 1e4: mean over the test meshes)",
            scores)
    children = {f"{method} {key}": ({"method": method, "points": int(key.split("/")[0]),
                                     "noise": float(key.split("/")[1])},
                                    {k: v for k, v in row.items() if k != "seeds"})
                for key, res in results.items() for method, row in res["rows"].items()}
    tracking.log_evaluation("igo_pointcloud", "eval_pointcloud", "real",
                            {**flatten(cfg.denoise, "pointcloud.denoise."), "pointcloud.training.alpha":
                             cfg.training.alpha, "seed": params.seed}, children, figures=made)
    write_plots("igo_pointcloud", rows, made)
    write_results("igo_pointcloud", {
        "units": UNITS,
        "rows": "mean +- sd over the test meshes; learned methods: each mesh's score averaged over the fine-tuning "
                "seeds, the sd over seeds of the mesh-mean as *_seed_sd",
        "methods": {"pretrained": "score network after denoising score matching", "score": "pretrained + plain "
                    "fine-tuning (alpha = 1)", "igo_t": "pretrained + IGO fine-tuning, denoised through E_t / D_t",
                    "igo_tau": "pretrained + IGO fine-tuning, denoised through E_tau / D_tau (the paper's row)"},
        "alpha": cfg.training.alpha, "test_meshes": data.Split("test").names, "data_source": data.SOURCE,
        "settings": results, "paper": {"table": "Mishra et al. Table 1, the 20 PU-Net test meshes", **PAPER}})


if __name__ == "__main__":
    run_stage("eval_pointcloud", work, reads=READS)
