"""Table 1 with the learned rows: which networks are scored and how, the example-cloud figures, the MLflow
children and the metrics JSON of ``eval_pointcloud`` (the classical rows are :mod:`.evaluate`'s)."""
from __future__ import annotations

from functools import partial

from invdiff.config import Params
from invdiff.experiments.pointcloud import data, figures
from invdiff.experiments.pointcloud.evaluate import PAPER, UNITS, methods
from invdiff.experiments.pointcloud.score_net import denoise
from invdiff.experiments.pointcloud.task import PointCloudTask, finetune_seeds, models_folder, seed_folder

SHOWN = ("noisy", "bilateral", "jet", "score", "igo_tau")  # the figure's columns (first seed), then the clean cloud
METHODS = {"pretrained": "score network after denoising score matching", "score": "pretrained + plain "
           "fine-tuning (alpha = 1)", "igo_t": "pretrained + IGO fine-tuning, denoised through E_t / D_t",
           "igo_tau": "pretrained + IGO fine-tuning, denoised through E_tau / D_tau (the paper's row)"}


def learned_models(params: Params) -> dict[str, tuple]:
    """{method key: (network, pathway)}: the pretrained model and every fine-tuned seed (``score#<seed>``, ...)."""
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


def methods_factory(params: Params, models: dict[str, tuple]):
    """``methods_at(points, level)``: the classical denoisers and every learned model at that noise level."""
    cfg = params.pointcloud
    d = cfg.denoise

    def methods_at(n, level):
        learned = {key: partial(denoise, net, steps=d.steps, step_size=d.step_at(level), decay=d.decay,
                                ensemble=d.ensemble, pathway=pathway) for key, (net, pathway) in models.items()}
        return {**methods(cfg.baselines, n, level), **learned}

    return methods_at


def shown_clouds(clouds: dict, first_seed: int) -> dict:
    """The figure's columns: each of :data:`SHOWN`, a learned one from its first seed's model."""
    first = f"#{first_seed}"
    return {m: clouds[m if m in clouds else m + first] for m in SHOWN if m in clouds or m + first in clouds}


def example_figures(results: dict, examples: dict, first_seed: int) -> dict:
    """{file name: figure}: the bar chart of the table and one row of example clouds per setting."""
    made = {"table.png": figures.table_bars(results, "point-cloud denoising on the test meshes: mean +- sd over "
                                                     "meshes (learned: seed-mean), x 1e4")}
    for key, (name, clean, clouds) in examples.items():
        shown = shown_clouds(clouds, first_seed)
        scores = {m: f"CD {results[key]['rows'][m]['cd']:.2f}, P2M {results[key]['rows'][m]['p2m']:.2f}"
                  for m in shown}
        n, level = key.split("/")
        made[f"clouds_{n}_{level}.png"] = figures.clouds_row(
            {**shown, "clean": clean}, f"{name}, {n} points, noise {float(level):.0%}: noisy, denoised (learned: "
                                       f"seed {first_seed}), clean (CD / P2M x 1e4: mean over the test meshes)",
            scores)
    return made


def mlflow_children(results: dict) -> dict[str, tuple[dict, dict]]:
    """One child run per method and setting (``"<points>/<noise>"``), its row without the per-seed lists."""
    return {f"{method} {key}": ({"method": method, "points": int(key.split("/")[0]),
                                 "noise": float(key.split("/")[1])},
                                {k: v for k, v in row.items() if k != "seeds"})
            for key, res in results.items() for method, row in res["rows"].items()}


def metrics_json(params: Params, results: dict) -> dict:
    return {
        "units": UNITS,
        "rows": "mean +- sd over the test meshes; learned methods: each mesh's score averaged over the fine-tuning "
                "seeds, the sd over seeds of the mesh-mean as *_seed_sd",
        "methods": METHODS, "alpha": params.pointcloud.training.alpha, "test_meshes": data.Split("test").names,
        "data_source": data.SOURCE, "settings": results,
        "paper": {"table": "Mishra et al. Table 1, the 20 PU-Net test meshes", **PAPER}}
