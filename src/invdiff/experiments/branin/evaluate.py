"""Branin evaluation: the DDPM at each guidance weight vs exact samples of the conditional, multi-start gradient
descent and MCMC.

Every method gets the same targets, the same number of samples per target and the same paired sampling seeds
(seed i's generator is shared by every w and method); a row is the mean over targets, reported as mean ± sd over
seeds. ``coverage`` is the 1-Wasserstein distance to the quantiles of the true conditional p(x | f(x) = y*) for x
uniform on the box (density ∝ 1/|∇f| along the contour), so exact samples score the floor: the sampling noise of
``n`` points.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import numpy as np
import torch

from invdiff.config import Params
from invdiff.diffusion import network_evaluations
from invdiff.diffusion.module import ConditionalDiffusion
from invdiff.errors import ConfigError
from invdiff.experiments.branin import data as problem
from invdiff.experiments.branin.baselines import run_gradient_descent, run_mcmc
from invdiff.experiments.branin.level_set import conditional_points, exact_conditional_samples, level_set_scores
from invdiff.experiments.branin.task import sample_levels
from invdiff.headline import best_over_w, rounded
from invdiff.seeds import paired_generator, summarize

log = logging.getLogger("invdiff")
METRIC_KEYS = ("residual", "in_domain", "coverage")
EXACT = "exact"


@dataclass
class MethodResult:
    name: str
    samples: np.ndarray  # [n_targets, n, 2] of the first seed (figures)
    per_seed: list[list[dict[str, float]]] = field(default_factory=list)  # seed -> target -> scores
    seconds: list[float] = field(default_factory=list)  # per seed

    def summary(self) -> dict[str, float]:
        """Mean over targets per seed, then mean and ``_sd`` over seeds; ``seconds`` per seed."""
        rows = [{**{k: float(np.mean([row[k] for row in targets])) for k in METRIC_KEYS}, "seconds": seconds}
                for targets, seconds in zip(self.per_seed, self.seconds)]
        return summarize(rows)

    def per_target(self) -> list[dict[str, float]]:
        """Mean over seeds for each target."""
        return [{k: float(np.mean([seed[t][k] for seed in self.per_seed])) for k in METRIC_KEYS}
                for t in range(len(self.per_seed[0]))]


def _run(name: str, draw, seeds: int, params: Params, targets, references) -> MethodResult:
    """``draw(generator) -> samples [n_targets, n, 2]``, once per paired seed, each scored per target."""
    result = None
    for seed in range(seeds):
        start = time.perf_counter()
        samples = np.asarray(draw(paired_generator(params.seed, seed)), dtype=np.float64)
        seconds = time.perf_counter() - start
        result = result or MethodResult(name, samples)
        result.per_seed.append([level_set_scores(samples[k], problem.negative_branin, level, problem.F_RANGE,
                                                 problem.LOWER, problem.UPPER, references[k])
                                for k, level in enumerate(targets)])
        result.seconds.append(round(seconds, 3))
    log.info("%-18s %s", name, {k: v for k, v in result.summary().items() if not k.endswith("_sd")})
    return result


def check_targets(targets) -> None:
    for level in targets:
        if not problem.F_MIN <= level <= problem.F_MAX:
            raise ConfigError(f"branin.eval.targets: {level} lies outside the range of f on the domain "
                              f"[{problem.F_MIN:.3f}, {problem.F_MAX:.3f}]")


def exact_samples(targets, n: int, generator: torch.Generator) -> np.ndarray:
    return np.stack([exact_conditional_samples(problem.negative_branin, problem.LOWER, problem.UPPER, level, n,
                                               generator) for level in targets])


def evaluate(params: Params, module: ConditionalDiffusion) -> tuple[dict[str, MethodResult], list[float]]:
    """Returns {method label: result} in a fixed order (exact, DDPM per w, the baselines) and the targets."""
    cfg = params.branin.eval
    targets, n = list(cfg.targets), cfg.n_samples
    check_targets(targets)
    references = [conditional_points(problem.negative_branin, problem.LOWER, problem.UPPER, level, n)
                  for level in targets]
    run = lambda name, draw: _run(name, draw, cfg.seeds, params, targets, references)  # noqa: E731
    results = {EXACT: run(EXACT, lambda g: exact_samples(targets, n, g))}
    for w in cfg.guidance_weights:
        results[f"ddpm w={w:g}"] = run(f"ddpm w={w:g}", lambda g, w=w: sample_levels(
            module, torch.tensor(targets), n, w, cfg.sampler, g, progress=True).double().numpy())
    for label, runner in (("gradient_descent", run_gradient_descent), ("mcmc", run_mcmc)):
        results[label] = run(label, lambda g, runner=runner: runner(params, targets, n, g))
    return results, targets


def split_label(label: str) -> tuple[str, float | None]:
    return ("ddpm", float(label.split("=")[1])) if label.startswith("ddpm w=") else (label, None)


def metrics_json(params: Params, results: dict[str, MethodResult], targets) -> dict:
    """``{"exact": {...}, "ddpm": {"w=0.0": {...}}, "gradient_descent": {...}, "mcmc": {...}, ...}``; every
    metric with its ``_sd`` over the paired seeds."""
    out: dict = {"ddpm": {}}
    for label, result in results.items():
        method, w = split_label(label)
        if method == "ddpm":
            out["ddpm"][f"w={w}"] = result.summary()
        else:
            out[method] = result.summary()
    sampler = params.branin.eval.sampler
    out["sampler"] = {"name": sampler.name,
                      "steps": network_evaluations(sampler, params.branin.diffusion.timesteps)}
    out["targets"] = list(targets)
    out["n_samples"] = params.branin.eval.n_samples
    out["seeds"] = params.branin.eval.seeds
    out["coverage_reference"] = "quantiles of p(x | f(x) = y*), x uniform on the box (density ∝ 1/|∇f|)"
    out["data_source"] = "synthetic"
    return out


def headline(metrics: dict) -> dict:
    """The DDPM at its best guidance weight by residual, with that weight's coverage."""
    w, row = best_over_w(metrics["ddpm"], "residual")
    return rounded({"residual": row["residual"], "coverage": row["coverage"], "w": w})


def mlflow_children(params: Params, results: dict[str, MethodResult]) -> dict[str, tuple[dict, dict]]:
    """One child run per compared setting (exact, DDPM per w, each baseline), with the JSON's metric keys."""
    children = {}
    for label, result in results.items():
        method, w = split_label(label)
        child_params = {"method": method, "n_samples": params.branin.eval.n_samples,
                        "seeds": params.branin.eval.seeds}
        if w is not None:
            child_params.update({"w": w, "sampler": params.branin.eval.sampler.name})
        children[label] = (child_params, result.summary())
    return children
