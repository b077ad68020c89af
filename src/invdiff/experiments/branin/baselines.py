"""What Branin's DDPM is compared against: multi-start gradient descent on (f(x) − y*)² and random-walk MCMC on
a narrow likelihood around the level set, with the same number of samples per target."""
from __future__ import annotations

import logging

import numpy as np
import torch

from invdiff.baselines import multi_start_descent, random_walk_metropolis
from invdiff.config import Params
from invdiff.experiments.branin import data as problem

log = logging.getLogger("invdiff")


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
