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

from invdiff.baselines import multi_start_descent, random_walk_metropolis
from invdiff.config import Params
from invdiff.errors import ConfigError
from invdiff.data import branin as problem
from invdiff.metrics.level_set import level_set_points, level_set_scores
from invdiff.tasks.branin import sample_levels
from invdiff.tasks.diffusion_module import ConditionalDiffusion

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


def _levels_per_start(targets, n: int) -> torch.Tensor:
    return torch.tensor(targets, dtype=torch.float64).repeat_interleave(n)


def run_gradient_descent(params: Params, targets, n: int, generator: torch.Generator) -> np.ndarray:
    cfg = params.branin.baselines.gradient_descent
    levels = _levels_per_start(targets, n)
    starts = problem.sample_domain(len(levels), generator).double()
    lo, hi = torch.tensor(problem.LOWER, dtype=torch.float64), torch.tensor(problem.UPPER, dtype=torch.float64)
    x, _ = multi_start_descent(lambda x: (problem.negative_branin(x) - levels) ** 2, starts, cfg.steps, cfg.lr,
                               lower=lo if cfg.project else None, upper=hi if cfg.project else None)
    return x.numpy().reshape(len(targets), n, 2)


def run_mcmc(params: Params, targets, n: int, generator: torch.Generator) -> np.ndarray:
    cfg = params.branin.baselines.mcmc
    levels = _levels_per_start(targets, n)
    lo, hi = torch.tensor(problem.LOWER, dtype=torch.float64), torch.tensor(problem.UPPER, dtype=torch.float64)

    def log_prob(x):
        inside = ((x >= lo) & (x <= hi)).all(-1)
        lp = -((problem.negative_branin(x) - levels) ** 2) / (2 * cfg.sigma**2)
        return torch.where(inside, lp, torch.full_like(lp, -torch.inf))

    starts = problem.sample_domain(len(levels), generator).double()
    x, rate, _ = random_walk_metropolis(log_prob, starts, cfg.steps, cfg.init_step, cfg.target_accept, generator)
    log.info("mcmc acceptance rate after adaptation: %.3f", rate)
    return x.numpy().reshape(len(targets), n, 2)


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


def _split(label: str) -> tuple[str, float | None]:
    return ("ddpm", float(label.split("=")[1])) if label.startswith("ddpm w=") else (label, None)


def metrics_json(params: Params, results: dict[str, MethodResult], targets) -> dict:
    """``{"ddpm": {"w=0.0": {...}}, "gradient_descent": {...}, "mcmc": {...}, "data_source": "synthetic", ...}``."""
    from invdiff.diffusion import network_evaluations

    out: dict = {"ddpm": {}}
    for label, result in results.items():
        method, w = _split(label)
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


def write_plots(folder, params: Params, results: dict[str, MethodResult], targets) -> dict[str, object]:
    """Samples panels, residual/coverage vs w (PNG) and the per-target table (CSV) into ``folder``."""
    from invdiff.io import save_figure, write_text
    from invdiff.viz.branin import samples_panels
    from invdiff.viz.curves import metric_vs_weight

    figures = {"samples.png": samples_panels({k: r.samples for k, r in results.items()}, targets)}
    ddpm = {label: r for label, r in results.items() if _split(label)[0] == "ddpm"}
    ws = [_split(label)[1] for label in ddpm]
    for key, log_y in (("residual", True), ("coverage", False)):
        figures[f"{key}_vs_w.png"] = metric_vs_weight(
            {"ddpm": (ws, [r.mean()[key] for r in ddpm.values()])},
            {name: results[name].mean()[key] for name in ("gradient_descent", "mcmc")},
            ylabel=key, title=f"Branin: {key} (mean over {len(targets)} targets)", log_y=log_y)
    for name, fig in figures.items():
        save_figure(fig, f"{folder}/{name}")
    rows = ["method,w,target," + ",".join(METRIC_KEYS)]
    for label, result in results.items():
        method, w = _split(label)
        for level, row in zip(targets, result.per_target):
            rows.append(f"{method},{'' if w is None else w},{level}," + ",".join(f"{row[k]:.6g}" for k in METRIC_KEYS))
    write_text(f"{folder}/per_target.csv", "\n".join(rows) + "\n")
    write_text(f"{folder}/ddpm_vs_w.csv", "w," + ",".join(METRIC_KEYS) + "\n" + "".join(
        f"{w}," + ",".join(f"{r.mean()[k]:.6g}" for k in METRIC_KEYS) + "\n" for w, r in zip(ws, ddpm.values())))
    return figures


def log_to_mlflow(params: Params, results: dict[str, MethodResult], figures: dict[str, object]) -> None:
    """One child run per compared setting, with the JSON's metric keys; figures on the parent run."""
    from invdiff import tracking

    for label, result in results.items():
        method, w = _split(label)
        child_params = {"method": method, "n_samples": params.branin.eval.n_samples}
        if w is not None:
            child_params.update({"w": w, "sampler": params.branin.eval.sampler.name})
        tracking.log_child_run(label, child_params, result.mean())
    for name, fig in figures.items():
        tracking.log_figure(fig, name)
