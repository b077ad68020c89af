"""Branin's part of ``docs/results.md``, from ``metrics/branin.json``."""
from __future__ import annotations

from invdiff.markdown import labelled, num, pm, section, table

COLUMNS = (("residual", 4), ("coverage", 2), ("in_domain", 3))


def _row(name: str, row: dict) -> list[str]:
    return [name] + [pm(row, key, digits) for key, digits in COLUMNS]


def results_section(metrics: dict) -> str:
    ddpm = metrics["ddpm"]
    weights = labelled(ddpm, "w")
    rows = [_row("`exact` (samples of p(x \\| y*): the floor)", metrics["exact"])]
    rows += [_row(f"DDPM w = {w:g}", ddpm[key]) for w, key in weights]
    rows += [_row(f"`{name}`", metrics[name]) for name in ("gradient_descent", "mcmc")]
    sampler = metrics["sampler"]
    intro = (f"{len(metrics['targets'])} target levels × {metrics['n_samples']} samples, mean ± sd over "
             f"{metrics['seeds']} paired seeds; sampler {sampler['name']} with {sampler['steps']} steps; data "
             f"{metrics['data_source']}. `residual`: mean |f(x̂) − y*| over the range of f; `coverage`: W1 to "
             "quantiles of the exact conditional (lower is better; `exact`'s is the sampling noise).")
    reading = None
    if weights:
        (w0, k0), (w1, k1) = weights[0], weights[-1]
        reading = (f"From w = {w0:g} to w = {w1:g} the residual goes {num(ddpm[k0]['residual'], 4)} → "
                   f"{num(ddpm[k1]['residual'], 4)} and the coverage {num(ddpm[k0]['coverage'], 2)} → "
                   f"{num(ddpm[k1]['coverage'], 2)}; MCMC's coverage is {num(metrics['mcmc']['coverage'], 2)}, "
                   f"gradient descent's {num(metrics['gradient_descent']['coverage'], 2)}.")
    return section("Branin", "metrics/branin.json", intro,
                   table(["method", "residual", "coverage (W1)", "in domain"], rows), reading)
