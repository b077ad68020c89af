"""DVC stage eval_igo: FID of the full and intermediate paths per alpha -> metrics/igo.json, plots/igo/ (MLflow:
experiment igo, a child run per alpha)."""
from pathlib import Path

import torch

from invdiff import tracking
from invdiff.config import flatten
from invdiff.data import mnist
from invdiff.errors import MissingInputError
from invdiff.io import atomic_dir, write_json
from invdiff.stage import run_stage
from invdiff.tasks import classifier, igo
from invdiff.tasks.igo_eval import METRIC_KEYS, evaluate, write_plots

MODELS = Path("models/igo")


def trained_models(alphas: list[float]) -> dict[float, igo.IgoScoreModel]:
    """The checkpoint of every alpha in igo.alphas, found by the alpha stored in it (folder spellings may vary)."""
    found = {}
    for path in sorted(MODELS.glob("*/model.ckpt")):
        alpha = torch.load(path, map_location="cpu", weights_only=False)["hyper_parameters"]["alpha"]
        found[float(alpha)] = path
    missing = [a for a in alphas if float(a) not in found]
    if missing:
        raise MissingInputError(f"no trained IGO model under {MODELS}/ for igo.alphas {missing}; train them with "
                                "`dvc repro train_igo`")
    return {float(a): igo.load(found[float(a)]) for a in alphas}


def work(params):
    modules = trained_models(params.igo.alphas)
    net = classifier.load("models/classifier/model.ckpt").net
    metrics, samples = evaluate(params, modules, net)
    digit = mnist.to_model_space(mnist.load_split(mnist.RAW_DIR, "test")[0][:1])
    with atomic_dir("plots/igo") as folder:
        sde = next(iter(modules.values())).sde  # the SDE the models were trained on (their checkpoints carry it)
        figures = write_plots(folder, params, metrics, samples, sde, digit)
    tags = tracking.run_tags("eval_igo", "real", task="igo")
    run_params = {**flatten(params.igo.eval, "igo.eval."), **flatten(params.igo.sde, "igo.sde.")}
    with tracking.start_run("igo", "eval_igo", tags, run_params):
        for alpha in params.igo.alphas:
            row = metrics[f"alpha={igo.alpha_label(alpha)}"]
            logged = {k: row[k] for k in (*METRIC_KEYS, "seconds", "seconds_intermediate") if row[k] is not None}
            tracking.log_child_run(f"alpha={alpha:g}", {"alpha": alpha, "sampler": params.igo.eval.sampler.name},
                                   logged)
        tracking.log_metrics({"real_fid_floor": metrics["real_fid_floor"]})
        for name, fig in figures.items():
            tracking.log_figure(fig, name)
    write_json("metrics/igo.json", metrics)


if __name__ == "__main__":
    run_stage("eval_igo", work)
