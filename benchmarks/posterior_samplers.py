"""Every posterior sampler of :mod:`invdiff.posterior` against an exact posterior, with its cost.

    python benchmarks/posterior_samplers.py [--part small|mnist|both] [--samples 5000] [--threads 1]

``small``: the tests' problem (d = 8, d_y = 3, σ_y = 0.2, prior covariance spanning 0.05-3, exact ε*): W₂² of
each sampler's samples to the exact posterior, its variance ratio (tr Σ̂ / tr Σ), network evaluations and
vector–Jacobian products per sample, seconds. Monte-Carlo floor: exact posterior draws scored the same way.

``mnist``: the same samplers at image scale with the ``inverse`` experiment's matrix-free operators: the prior is
N(μ, S) fitted to the 4,000 bundled training digits in [−1, 1] (S singular: constant border pixels), with its
exact ε* — so every sampler has an exact answer (the Kalman posterior, dense H) at d = 784. Per operator
(σ_y = 0.05), 4 test digits × 64 samples: RMSE of the samples' mean to the exact posterior mean, and the ratio of
the mean per-pixel sample variance to the exact one; "diverged" where samples leave the data range (|x| > 10).
DPS and TMPD-diagonal run at ζ = 0.05: at ζ = 1 (the 1/σ_y² weight as derived) both diverge at 100 steps on
denoise, box and random (measured). The numbers show the samplers run at d = 784 with matrix-free operators;
they say nothing about a trained prior (the ``inverse`` stage does). Blur is left out: with the zero-padded blur
of the first version, its conjugate-gradient Gram solve in every step made one sampler take over 10 minutes; the
blur is now circular and solves by FFT, but this benchmark was not re-run with it.
"""
from __future__ import annotations

import argparse
import math
import time

import torch

from invdiff.diffusion import linear_schedule
from invdiff.experiments.inverse.operators import make_operator
from invdiff.experiments.mnist.data import load_bundled, to_model_space
from invdiff.posterior import (
    GaussianLikelihood,
    GaussianPrior,
    LinearGaussianProblem,
    MatrixOperator,
    NoiseLevels,
    annealed_langevin,
    dps_guidance,
    gaussian_w2_squared,
    gpnp_sample,
    guided_posterior_sample,
    mala,
    pigdm_guidance,
    posterior_score,
    random_walk_metropolis,
    sample_moments,
    tmpd_guidance,
    ula,
)

SCHEDULE = linear_schedule(1000)


def timed(run):
    start = time.perf_counter()
    result = run()
    return result, time.perf_counter() - start


def small(n: int) -> None:
    problem = LinearGaussianProblem()
    prior, d = problem.prior, problem.d
    lik = GaussianLikelihood(MatrixOperator(problem.matrix), problem.y.expand(n, problem.d_y), problem.sigma_y)
    eps = prior.eps_fn(SCHEDULE)
    gen = lambda: torch.Generator().manual_seed(1)  # noqa: E731
    start = problem.posterior_mean.expand(n, d).clone()
    precision = torch.linalg.inv(problem.posterior_cov)
    gamma = 1.0 / float(torch.linalg.eigvalsh(precision).max())
    log_post = lambda x: (prior.log_prob(x) + lik.log_prob(x), prior.score(x) + lik.score(x))  # noqa: E731
    levels = NoiseLevels(eps, SCHEDULE)

    def guided(make, steps, **kw):
        return lambda: guided_posterior_sample(eps, SCHEDULE, (n, d), make(lik, **kw), steps=steps, generator=gen(),
                                               dtype=torch.float64)
    runs = {
        "exact posterior draws (MC floor)": lambda: type("R", (), {"samples": torch.distributions.MultivariateNormal(
            problem.posterior_mean, problem.posterior_cov).sample((n,)), "evaluations": 0, "vjps": 0})(),
        **{f"{name} {steps}": guided(make, steps, **kw) for steps in (100, 1000) for name, make, kw in [
            ("TMPD full", tmpd_guidance, {}), ("TMPD diagonal", tmpd_guidance, {"variant": "diagonal"}),
            ("PiGDM", pigdm_guidance, {}), ("DPS (1/sigma_y^2)", dps_guidance, {})]},
        f"ULA gamma={gamma:.3f} 400": lambda: ula(posterior_score(prior.score, lik), start, step=gamma, steps=400,
                                                  generator=gen()),
        f"MALA gamma={gamma:.3f} 500": lambda: mala(log_post, start, step=gamma, steps=500, generator=gen()),
        "random-walk MH 1500": lambda: type("R", (), dict(zip(("samples", "acceptance", "evaluations"),
                                                              random_walk_metropolis(lambda x: log_post(x)[0], start,
                                                                                     1500, 0.1, generator=gen())),
                                                          vjps=0))(),
        "annealed Langevin 8x200 (sigma 5 -> 0.1)": lambda: annealed_langevin(
            levels, lik, (n, d), sigma_max=5.0, sigma_min=0.1, num_levels=8, inner_steps=200, eps0=4e-3,
            generator=gen(), dtype=torch.float64),
        "GPnP beta=0.25 300 (sigma 1 -> 0.05)": lambda: gpnp_sample(prior.denoise, lik, start, sigma_max=1.0,
                                                                    sigma_min=0.05, iterations=300, beta=0.25,
                                                                    generator=gen()),
    }
    print(f"{'sampler':44s} {'W2^2':>9s} {'var ratio':>9s} {'NFE':>6s} {'VJPs':>6s} {'s':>6s}")
    for name, run in runs.items():
        result, seconds = timed(run)
        m, c = sample_moments(result.samples)
        w2 = gaussian_w2_squared(m, c, problem.posterior_mean, problem.posterior_cov)
        ratio = float(torch.trace(c) / torch.trace(problem.posterior_cov))
        print(f"{name:44s} {w2:9.2e} {ratio:9.3f} {result.evaluations:6d} {result.vjps:6d} {seconds:6.1f}")


def mnist(samples: int, only: str | None = None) -> None:
    images, _ = load_bundled(0.2, 0)["train"]
    test, _ = load_bundled(0.2, 0)["test"]
    train = to_model_space(images).double().reshape(len(images), -1)
    mean = train.mean(0)
    prior = GaussianPrior(mean, torch.cov(train.T))
    truth = to_model_space(test[:4]).double()
    shape, sigma_y, d = (1, 28, 28), 0.05, 784
    eps = prior.eps_fn(SCHEDULE)
    levels = NoiseLevels(eps, SCHEDULE)
    gen = torch.Generator().manual_seed(0)
    print(f"prior: N(mu, S) of {len(train)} digits; S rank {int(torch.linalg.matrix_rank(prior.cov))} of {d}")
    print(f"{'operator':10s} {'sampler':28s} {'mean RMSE':>9s} {'var ratio':>9s} {'NFE':>5s} {'VJPs':>5s} {'s':>6s}")
    for name, settings in [("denoise", {}), ("box", {"size": 12}), ("random", {"missing": 0.9}),
                           ("pool", {"factor": 4})]:  # blur: see the module docstring
        if only is not None and name != only:
            continue
        op = make_operator(name, shape, **settings)
        dense = op.forward(torch.eye(d, dtype=torch.float64).reshape(d, *shape)).T
        y = op.forward(truth) + sigma_y * torch.randn(len(truth), op.output_dim, generator=gen, dtype=torch.float64)
        exact = [prior.posterior(dense, y_i, sigma_y) for y_i in y]
        lik = GaussianLikelihood(op, y.repeat_interleave(samples, 0), sigma_y)
        batch = (len(truth) * samples, *shape)

        def guided(make, zeta=1.0, **kw):
            return lambda: guided_posterior_sample(eps, SCHEDULE, batch, make(lik, **kw), steps=100, zeta=zeta,
                                                   generator=torch.Generator().manual_seed(1), dtype=torch.float64)
        runs = {
            "TMPD diagonal 100 zeta=0.05": guided(tmpd_guidance, zeta=0.05, variant="diagonal"),
            "PiGDM 100": guided(pigdm_guidance),
            "DPS 100 zeta=0.05": guided(dps_guidance, zeta=0.05),
            "annealed Langevin 10x10": lambda: annealed_langevin(
                levels, lik, batch, sigma_max=20.0, sigma_min=0.05, num_levels=10, inner_steps=10,
                eps0=0.5 * 0.05**2, generator=torch.Generator().manual_seed(1), dtype=torch.float64),
            "GPnP beta=0.25 100": lambda: gpnp_sample(
                lambda v, s: levels.denoise(v, levels.step(s)), lik,
                op.pseudo_inverse(lik.y).reshape(batch), sigma_max=2.0, sigma_min=0.05, iterations=100,
                beta=0.25, generator=torch.Generator().manual_seed(1)),
        }
        for label, run in runs.items():
            result, seconds = timed(run)
            x = result.samples.reshape(len(truth), samples, d)
            if not bool(x.isfinite().all()) or float(x.abs().max()) > 10:  # the data live in [-1, 1]
                print(f"{name:10s} {label:28s} {'diverged':>19s} {result.evaluations:5d} {result.vjps:5d} "
                      f"{seconds:6.1f}")
                continue
            rmse = math.sqrt(sum(float(((x[i].mean(0) - m) ** 2).mean()) for i, (m, _) in enumerate(exact))
                             / len(truth))
            ratio = sum(float(x[i].var(0).mean() / c.diagonal().mean()) for i, (_, c) in enumerate(exact)) \
                / len(truth)
            print(f"{name:10s} {label:28s} {rmse:9.4f} {ratio:9.3f} {result.evaluations:5d} {result.vjps:5d} "
                  f"{seconds:6.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("small", "mnist", "both"), default="both")
    parser.add_argument("--samples", type=int, default=5000, help="samples for the small problem")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--operator", default=None, help="only this operator in the mnist part")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.part in ("small", "both"):
        small(args.samples)
    if args.part in ("mnist", "both"):
        mnist(64, args.operator)


if __name__ == "__main__":
    main()
