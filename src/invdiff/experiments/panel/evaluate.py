"""Interpolation / extrapolation MSE of every trained latent ODE on the test split, with the closed-form references
(:mod:`~invdiff.experiments.panel.references`) scored by the same code, mean ± sd over training seeds, and the
paired (same seed) differences igo − meode and meode − node."""
from __future__ import annotations

import numpy as np
import torch

from invdiff.config import Params
from invdiff.experiments.panel import references
from invdiff.experiments.panel.data import DATASETS
from invdiff.experiments.panel.task import PanelTask, models_folder, observations, seed_folder, training_seeds
from invdiff.seeds import summarize

UNITS = {"rotmnist": "pixels in [0, 1], mean over pixels and frames",
         "hopper": "state standardised per dimension by the train split's mean and std, mean over the 14 "
                   "dimensions and steps"}
# Mishra et al., Section 4.2 (MSE units not stated)
PAPER = {
    "rotmnist": {"igo": {"interp_mse": 0.0082, "extrap_mse": 0.1545}, "node": {"interp_mse": 0.0074,
                 "extrap_mse": 0.1661}, "meode": {"interp_mse": 0.0057, "extrap_mse": 0.1641},
                 "sequences": "10K, 10 interpolation + 10 extrapolation steps"},
    "hopper": {"igo": {"interp_mse": 0.0289, "extrap_mse": 0.2801}, "ode2vae": {"interp_mse": 0.0648},
               "sequences": "3 interpolation + 3 extrapolation steps"},
    "note": "the paper does not state its MSE units; ours are in each data set's 'units'",
}
WINDOWS = ("interp", "extrap")


def row(per_seed: list[dict[str, float]]) -> dict:
    keyed = [{f"{w}_mse": r[w] for w in WINDOWS} for r in per_seed]
    return {**summarize(keyed), "per_seed": [{k: round(v, 6) for k, v in r.items()} for r in keyed]}


def evaluate_dataset(params: Params, dataset: str) -> tuple[dict, dict[str, torch.Tensor], torch.Tensor]:
    """(metrics of one data set, the first seed's test predictions per model, the test observations)."""
    cfg = getattr(params.panel, dataset)
    k = cfg.interp_steps
    train, test = observations(dataset, "train"), observations(dataset, "test")
    steps = test.shape[1]
    result: dict = {"units": UNITS[dataset], "test_sequences": len(test), "interp_steps": k,
                    "extrap_steps": steps - k, "seeds": training_seeds(params)}
    predictions: dict[str, torch.Tensor] = {}
    scores: dict[str, list[dict[str, float]]] = {}
    for kind in params.panel.training.models:
        task, folder = PanelTask(dataset, kind), models_folder(dataset, kind)
        scores[kind] = []
        for seed in training_seeds(params):
            module = task.load(seed_folder(folder, params, seed) / "model.ckpt")
            prediction = module.predict(test[:, :k], steps)
            mse = references.window_mse(prediction, test, k)
            scores[kind].append({w: float(mse[w].mean()) for w in WINDOWS})
            predictions.setdefault(kind, prediction)
        result[kind] = row(scores[kind])
    rank = cfg.model.latent_dim
    refs = {"linear": references.linear(train, test, k, rank, params.panel.eval.ridge),
            "persistence": references.persistence(test, k), "train_mean": references.train_mean(train, test)}
    result["references"] = {}
    for name, prediction in refs.items():
        mse = references.window_mse(prediction, test, k)
        entry = {f"{w}_mse": round(float(mse[w].mean()), 6) for w in WINDOWS}
        if name == "persistence":
            entry.pop("interp_mse")  # the observation itself
        result["references"][name] = entry
    result["references"]["linear"]["what"] = (f"interp: rank-{rank} PCA of the observed window (the models' latent "
                                              "size); extrap: ridge regression of the following steps on it")
    result["differences"] = paired_differences(scores)
    result["beats_linear"] = {kind: {w: result[kind][f"{w}_mse"] < result["references"]["linear"][f"{w}_mse"]
                                     for w in WINDOWS} for kind in scores}
    return result, predictions, test


def paired_differences(scores: dict[str, list[dict[str, float]]]) -> dict:
    """igo − meode and meode − node per window, over the same training seeds: mean ± sd."""
    out = {}
    for a, b in (("igo", "meode"), ("meode", "node")):
        if a in scores and b in scores:
            out[f"{a}_minus_{b}"] = summarize([{f"{w}_mse": x[w] - y[w] for w in WINDOWS}
                                               for x, y in zip(scores[a], scores[b])])
    return out


def evaluate(params: Params) -> tuple[dict, dict]:
    metrics, shown = {}, {}
    for dataset in DATASETS:
        metrics[dataset], predictions, test = evaluate_dataset(params, dataset)
        shown[dataset] = (predictions, test)
    metrics["paper"] = PAPER
    return metrics, shown


def headline(metrics: dict) -> dict:
    """One number for ``dvc metrics show``: igo's extrapolation MSE over the linear reference's, geometric mean over
    the data sets (below 1: it forecasts better than the Gaussian conditional mean)."""
    ratios = [metrics[d]["igo"]["extrap_mse"] / metrics[d]["references"]["linear"]["extrap_mse"] for d in DATASETS
              if "igo" in metrics[d]]
    return {"mse_vs_ref": round(float(np.exp(np.mean(np.log(ratios)))), 4)} if ratios else {}


def mlflow_children(params: Params, metrics: dict) -> dict:
    children = {}
    for dataset in DATASETS:
        for kind in params.panel.training.models:
            entry = metrics[dataset][kind]
            children[f"{dataset}/{kind}"] = (
                {"dataset": dataset, "model": kind, "alpha": params.panel.training.alpha if kind == "igo" else 1.0},
                {k: v for k, v in entry.items() if k != "per_seed"})
    return children
