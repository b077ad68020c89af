"""Branin evaluation: the DDPM at each guidance weight vs multi-start gradient descent and MCMC.

Every method gets the same targets and the same number of samples per target; scores are averaged over targets
(per-target rows are kept for the CSV).
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
import torch

from invdiff.config import Params
from invdiff.diffusion import network_evaluations
from invdiff.diffusion.module import ConditionalDiffusion
from invdiff.errors import ConfigError
from invdiff.experiments.branin import data as problem
from invdiff.experiments.branin.baselines import run_gradient_descent, run_mcmc
from invdiff.experiments.branin.level_set import level_set_points, level_set_scores
from invdiff.experiments.branin.task import sample_levels

log = logging.getLogger("invdiff")
METRIC_KEYS = ("residual", "in_domain", "coverage")


@dataclass
class MethodResult:
    name: str
    samples: np.ndarray  # [n_targets, n, 2]
    seconds: float
    per_target: list[dict[str, float]]

    def mean(self) -> dict[str, float]:
        out = {k: float(np.mean([row[k] for row in self.per_target])) for k in METRIC_KEYS}
        out["seconds"] = round(self.seconds, 3)
        return out


def _score(name: str, samples: np.ndarray, seconds: float, targets, references) -> MethodResult:
    rows = [level_set_scores(samples[k], problem.negative_branin, level, problem.F_RANGE, problem.LOWER,
                             problem.UPPER, references[k]) for k, level in enumerate(targets)]
    result = MethodResult(name, samples, seconds, rows)
    log.info("%-18s %s", name, {k: round(v, 4) for k, v in result.mean().items()})
    return result


def evaluate(params: Params, module: ConditionalDiffusion) -> tuple[dict[str, MethodResult], list[float]]:
    """Returns {method label: result} in a fixed order (DDPM per w, then the baselines) and the targets."""
    cfg = params.branin.eval
    targets, n = list(cfg.targets), cfg.n_samples
    for level in targets:
        if not problem.F_MIN <= level <= problem.F_MAX:
            raise ConfigError(f"branin.eval.targets: {level} lies outside the range of f on the domain "
                              f"[{problem.F_MIN:.3f}, {problem.F_MAX:.3f}]")
    references = [level_set_points(problem.negative_branin, problem.LOWER, problem.UPPER, level, n)
                  for level in targets]
    results: dict[str, MethodResult] = {}
    for w in cfg.guidance_weights:
        g = torch.Generator().manual_seed(params.seed)
        start = time.perf_counter()
        samples = sample_levels(module, torch.tensor(targets), n, w, cfg.sampler, g, progress=True)
        results[f"ddpm w={w:g}"] = _score(f"ddpm w={w:g}", samples.double().numpy(), time.perf_counter() - start,
                                          targets, references)
    for label, runner in (("gradient_descent", run_gradient_descent), ("mcmc", run_mcmc)):
        start = time.perf_counter()
        samples = runner(params, targets, n, torch.Generator().manual_seed(params.seed))
        results[label] = _score(label, samples, time.perf_counter() - start, targets, references)
    return results, targets


def split_label(label: str) -> tuple[str, float | None]:
    return ("ddpm", float(label.split("=")[1])) if label.startswith("ddpm w=") else (label, None)


def metrics_json(params: Params, results: dict[str, MethodResult], targets) -> dict:
    """``{"ddpm": {"w=0.0": {...}}, "gradient_descent": {...}, "mcmc": {...}, "data_source": "synthetic", ...}``."""
    out: dict = {"ddpm": {}}
    for label, result in results.items():
        method, w = split_label(label)
        if method == "ddpm":
            out["ddpm"][f"w={w}"] = result.mean()
        else:
            out[method] = result.mean()
    sampler = params.branin.eval.sampler
    out["sampler"] = {"name": sampler.name,
                      "steps": network_evaluations(sampler, params.branin.diffusion.timesteps)}
    out["targets"] = list(targets)
    out["n_samples"] = params.branin.eval.n_samples
    out["data_source"] = "synthetic"
    return out


def mlflow_children(params: Params, results: dict[str, MethodResult]) -> dict[str, tuple[dict, dict]]:
    """One child run per compared setting (DDPM per w, each baseline), with the JSON's metric keys."""
    children = {}
    for label, result in results.items():
        method, w = split_label(label)
        child_params = {"method": method, "n_samples": params.branin.eval.n_samples}
        if w is not None:
            child_params.update({"w": w, "sampler": params.branin.eval.sampler.name})
        children[label] = (child_params, result.mean())
    return children
