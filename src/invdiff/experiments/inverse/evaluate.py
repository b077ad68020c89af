"""The inverse experiment's protocol: knobs chosen on the tuning split, every method reported on the test digits.

For each operator:

1. **Tuning** (digits held out of training; one sampling seed; ``inputs`` digits, one draw each): every method runs
   its own grid of knobs (``inverse.eval.<method>``; the learned optimizer its guidance weights) at the table's
   step budget, and keeps the knob with the highest mean PSNR of its samples (the selection metric, fixed in
   advance); a grid point whose samples diverge on more than ``MAX_DIVERGED`` of the inputs cannot be chosen.
2. **Test** (``inputs`` test digits, 4 per class by default, the same observations y for every method; ``seeds``
   paired sampling seeds): each method at its chosen knobs (the learned optimizer at every w) draws one sample per
   input and ``calibration_samples`` − 1 more for the first ``calibration_inputs``. Rows are mean ± sd over seeds.
3. **Pareto** (first seed, one draw per input): each chosen method at the budgets ``pareto_steps`` too.

References scored by the same code: H†y (clipped), the Gaussian-prior posterior mean, and exact posterior samples
under N(μ, S) fitted to the training pixels; the real-data FID floor (as many training digits, ``floor_draws``
draws). A row whose samples diverge (non-finite or beyond ±3) on more than ``MAX_DIVERGED`` of its draws in any
seed is reported as diverged, with no averaged scores.
"""
from __future__ import annotations

import itertools
import logging
import time

import numpy as np
import torch
from torch import Tensor

from invdiff.baselines.gaussian import GaussianImages
from invdiff.config import Params
from invdiff.errors import ConfigError
from invdiff.experiments.inverse import scoring
from invdiff.experiments.inverse.comparison import compare
from invdiff.experiments.inverse.methods import ZERO_SHOT, Batch, Context, run
from invdiff.experiments.inverse.problems import Problem, problems, training_split
from invdiff.experiments.mnist import data as mnist
from invdiff.experiments.mnist.classifier import LeNet, feature_extractor, predict
from invdiff.experiments.mnist.evaluate import per_class_subset
from invdiff.metrics.fid import ReferenceFid
from invdiff.posterior.gaussian import GaussianPrior
from invdiff.seeds import paired_generator, summarize

log = logging.getLogger("invdiff")
MAX_DIVERGED = 0.1
REFERENCES = ("pinv", "gaussian_mean", "gaussian_posterior")


def balanced_inputs(labels: np.ndarray, count: int, seed: int, split: str) -> np.ndarray:
    """``count`` indices, ``count / 10`` per class (class-major), the same for every operator and method."""
    return per_class_subset(labels, count // 10, seed, key="inverse.eval.inputs", split=split)


def check_noise_levels(cfg, sigma_range: tuple[float, float]) -> None:
    """Every noise level a sampler asks the prior for must lie in its schedule's range (a factor 2 either way:
    :meth:`~invdiff.posterior.tweedie.NoiseLevels.step`); ``cfg`` is ``inverse.eval``."""
    low, high = sigma_range
    asked = {"gpnp.sigma_max": cfg.gpnp.sigma_max, "gpnp.sigma_min": [cfg.gpnp.sigma_min],
             "ula.sigma": [cfg.ula.sigma], "langevin.sigma_min": [cfg.langevin.sigma_min]}
    for key, values in asked.items():
        bad = [v for v in values if not low / 2 <= v <= 2 * high]
        if bad:
            raise ConfigError(f"inverse.eval.{key}: {bad} outside the prior's noise levels [{low:.3g}, {high:.3g}] "
                              "(set by inverse.diffusion); choose values inside that range")


def knob_grid(params: Params, method: str) -> list[dict]:
    cfg = params.inverse.eval
    if method == "optimizer":
        return [{"w": float(w)} for w in cfg.guidance_weights]
    if method in ("dps", "pigdm", "tmpd"):
        return [{"zeta": z} for z in getattr(cfg, method).zeta]
    if method == "langevin":
        return [{"eps0": e} for e in cfg.langevin.eps0]
    if method == "ula":
        return [{"step": s} for s in cfg.ula.step]
    return [{"beta": b, "sigma_max": s} for b, s in itertools.product(cfg.gpnp.beta, cfg.gpnp.sigma_max)]


def knob_label(knobs: dict) -> str:
    return ",".join(f"{k}={v:g}" for k, v in knobs.items())


class Inputs:
    """Digits x [N, 1, 28, 28], their labels and, per problem, one fixed observation each."""

    def __init__(self, images: np.ndarray, labels: np.ndarray, seed: int):
        self.x, self.labels, self.seed = mnist.to_model_space(images), torch.from_numpy(labels), seed

    def observation(self, problem: Problem) -> Tensor:
        return problem.observe(self.x, torch.Generator().manual_seed(self.seed * 1000 + problem.index))


class Scorer:
    """Scores draws of one problem's inputs (the first N rows one draw per input, then the calibration draws)."""

    def __init__(self, classifier: LeNet, test_images: np.ndarray, calibration_inputs: int, calibration_samples: int):
        self.classifier = classifier
        self.fid = ReferenceFid(feature_extractor(classifier), mnist.to_model_space(test_images),
                                "the MNIST test split")
        self.c, self.k = calibration_inputs, calibration_samples

    def rows(self, n: int, calibrate: bool = True) -> Tensor:
        """Which input each sampled row belongs to."""
        extra = torch.arange(self.c).repeat(self.k - 1) if calibrate else torch.zeros(0, dtype=torch.long)
        return torch.cat([torch.arange(n), extra])

    def __call__(self, raw: Tensor, inputs: Inputs, y: Tensor, problem: Problem, calibrate: bool = True) -> dict:
        n = len(inputs.x)
        ok = scoring.finite_in_range(raw)
        x = raw.nan_to_num(0.0).clamp(-1, 1)
        first, truth = x[:n], inputs.x
        features, logits = predict(self.classifier, first)
        out = {"psnr": float(scoring.psnr(first, truth).mean()), "ssim": float(scoring.ssim(first, truth).mean()),
               "fid": self.fid.score_features(features.numpy()),
               "accuracy": float((logits.argmax(-1) == inputs.labels).double().mean()),
               "chi2": float(scoring.chi_squared(problem.likelihood(y).residual(first), problem.sigma_y).mean()),
               "diverged_fraction": float(1 - ok.double().mean())}
        if calibrate:
            draws = torch.cat([x[: self.c][None], x[n:].reshape(self.k - 1, self.c, *x.shape[1:])])
            where, truth_c = problem.unobserved(), truth[: self.c]
            out["psnr_mean"] = float(scoring.psnr(draws.mean(0), truth_c).mean())
            out["ssim_mean"] = float(scoring.ssim(draws.mean(0), truth_c).mean())
            out["coverage50"], _ = scoring.coverage(draws, truth_c, where, 0.5)
            out["coverage90"], _ = scoring.coverage(draws, truth_c, where, 0.9)
            out["crps"] = scoring.crps(draws, truth_c, where)
            out["diversity"] = float(draws.std(0)[where.expand_as(truth_c)].mean())
        return out


class GaussianReference:
    """N(μ, S) fitted to the training pixels and its exact posteriors under each operator."""

    def __init__(self, train_images: np.ndarray):
        fit = GaussianImages(mnist.to_model_space(train_images), clip=None)
        self.prior = GaussianPrior(fit.mean, fit.root @ fit.root.T)

    def posterior(self, problem: Problem, y: Tensor) -> tuple[Tensor, Tensor]:
        """(means [B, 784], a root R of the shared covariance, C = R Rᵀ)."""
        eye = torch.eye(784, dtype=torch.float64).reshape(784, 1, 28, 28)
        matrix = problem.operator.forward(eye).T  # [d_y, 784]
        mean, cov = self.prior.posterior(matrix, y.double(), problem.sigma_y)
        values, vectors = torch.linalg.eigh(cov)
        return mean, vectors * values.clamp_min(0).sqrt()

    @staticmethod
    def sample(mean: Tensor, root: Tensor, generator: torch.Generator) -> Tensor:
        z = torch.randn(len(mean), root.shape[1], generator=generator, dtype=torch.float64)
        return (mean + z @ root.T).float().reshape(len(mean), 1, 28, 28)


def _summarize_method(rows: list[dict], exact: bool = False) -> dict:
    """Mean ± sd over seeds, or ``diverged``; ``exact`` draws (the Gaussian posterior's, whose tails pass ±3 by
    chance) are never called diverged."""
    if not exact and any(r["diverged_fraction"] > MAX_DIVERGED for r in rows):
        return {"status": "diverged", "diverged_fraction": float(np.mean([r["diverged_fraction"] for r in rows])),
                **{k: rows[0][k] for k in ("nfe", "vjps")}}
    per_seed = {key: [round(r[key], 4) for r in rows] for key in ("psnr", "fid")}
    return {"status": "ok", **summarize(rows), "per_seed": per_seed}


class Evaluation:
    def __init__(self, params: Params, prior, optimizer, classifier: LeNet):
        self.params, self.cfg = params, params.inverse.eval
        split = training_split(params)
        test_images, test_labels = mnist.load_split("test")
        n = self.cfg.inputs
        pick_test = balanced_inputs(test_labels, n, params.seed, "test")
        pick_tune = balanced_inputs(split["tuning"][1], n, params.seed + 1, "tuning")
        self.test = Inputs(test_images[pick_test], test_labels[pick_test], params.seed)
        self.tuning = Inputs(split["tuning"][0][pick_tune], split["tuning"][1][pick_tune], params.seed + 1)
        self.train_images, self.train_labels = split["train"]
        self.scorer = Scorer(classifier, test_images, self.cfg.calibration_inputs, self.cfg.calibration_samples)
        self.gaussian = GaussianReference(self.train_images)
        self.ctx = Context(prior, optimizer, self.cfg.langevin.sigma_min, self.cfg.langevin.inner_steps,
                           self.cfg.ula.sigma, self.cfg.gpnp.sigma_min)
        check_noise_levels(self.cfg, self.ctx.levels.sigma_range)
        self.samples: dict[str, dict[str, np.ndarray]] = {}  # problem -> method -> uint8 first-seed images

    def batch(self, problem: Problem, inputs: Inputs, calibrate: bool) -> tuple[Batch, Tensor]:
        y = inputs.observation(problem)
        rows = self.scorer.rows(len(inputs.x), calibrate)
        return Batch(problem, y[rows], problem.condition(y)[rows]), y

    def draw(self, method: str, knobs: dict, problem: Problem, inputs: Inputs, steps: int, seed: int,
             calibrate: bool, tag: str) -> dict:
        batch, y = self.batch(problem, inputs, calibrate)
        start = time.perf_counter()
        generator = paired_generator(self.params.seed + (0 if inputs is self.test else 7), seed)
        samples, nfe, vjps = run(method, knobs, self.ctx, batch, steps, generator)
        seconds = (time.perf_counter() - start) / len(batch.y)
        row = {**self.scorer(samples, inputs, y, problem, calibrate), "nfe": nfe, "vjps": vjps,
               "seconds_per_sample": round(seconds, 5)}
        if tag:
            self.samples.setdefault(problem.name, {})[tag] = mnist.to_pixels(samples[: len(inputs.x)])
        return row

    def tune(self, problem: Problem, method: str) -> tuple[dict, list[dict]]:
        scores = []
        for knobs in knob_grid(self.params, method):
            row = self.draw(method, knobs, problem, self.tuning, self.cfg.steps, 0, False, "")
            scores.append({"knobs": knobs, "psnr": round(row["psnr"], 4),
                           "diverged_fraction": round(row["diverged_fraction"], 4)})
        usable = [s for s in scores if s["diverged_fraction"] <= MAX_DIVERGED and np.isfinite(s["psnr"])]
        best = max(usable, key=lambda s: s["psnr"]) if usable else scores[0]
        log.info("%s %s: chose %s on the tuning split (PSNR %s)", problem.name, method, knob_label(best["knobs"]),
                 best["psnr"])
        return best["knobs"], scores

    def references(self, problem: Problem) -> dict[str, dict]:
        batch, y = self.batch(problem, self.test, True)
        means, root = self.gaussian.posterior(problem, batch.y)
        mean_images = means.float().reshape(-1, 1, 28, 28)
        out = {"pinv": {"status": "ok", **summarize([self.scorer(batch.start, self.test, y, problem, False)])},
               "gaussian_mean": {"status": "ok",
                                 **summarize([self.scorer(mean_images, self.test, y, problem, False)])}}
        rows = []
        for seed in range(self.cfg.seeds):
            draws = self.gaussian.sample(means, root, paired_generator(self.params.seed, seed))
            rows.append({**self.scorer(draws, self.test, y, problem), "nfe": 0, "vjps": 0})
            if seed == 0:
                self.samples.setdefault(problem.name, {})["gaussian_posterior"] = mnist.to_pixels(draws[: len(y)])
        out["gaussian_posterior"] = _summarize_method(rows, exact=True)
        n = len(y)
        self.samples[problem.name]["truth"] = mnist.to_pixels(self.test.x)
        self.samples[problem.name]["pinv"] = mnist.to_pixels(batch.start[:n])
        return out

    def problem(self, problem: Problem) -> dict:
        out = {"rows": self.references(problem), "choices": {}, "pareto": {}}
        for method in ("optimizer", *ZERO_SHOT):
            chosen, scores = self.tune(problem, method)
            out["choices"][method] = {"chosen": chosen, "tuning_psnr": scores}
            settings = knob_grid(self.params, method) if method == "optimizer" else [chosen]
            for knobs in settings:
                name = f"optimizer_w={knobs['w']:g}" if method == "optimizer" else method
                rows = [self.draw(method, knobs, problem, self.test, self.cfg.steps, seed, True,
                                  name if seed == 0 else "") for seed in range(self.cfg.seeds)]
                out["rows"][name] = {"knobs": knobs, **_summarize_method(rows)}
                shown = ("status", "psnr", "fid", "coverage90", "seconds_per_sample")
                log.info("%s %s: %s", problem.name, name, {k: out["rows"][name].get(k) for k in shown})
            label = f"optimizer_w={chosen['w']:g}" if method == "optimizer" else method
            out["pareto"][label] = self.pareto(problem, method, chosen, out["rows"][label])
        out["comparison"] = compare(out, self.cfg.seeds)
        return out

    def pareto(self, problem: Problem, method: str, knobs: dict, main_row: dict) -> list[dict]:
        points = []
        for steps in sorted({*self.cfg.pareto_steps, self.cfg.steps}):
            if steps == self.cfg.steps:
                row = {k: main_row.get(k) for k in ("psnr", "fid", "nfe", "vjps", "status")}
            else:
                full = self.draw(method, knobs, problem, self.test, steps, 0, False, "")
                row = {k: full[k] for k in ("psnr", "fid", "nfe", "vjps")}
                row["status"] = "diverged" if full["diverged_fraction"] > MAX_DIVERGED else "ok"
            points.append({"steps": steps, **row})
        return points

    def floor(self) -> dict:
        rows = []
        for draw in range(self.cfg.floor_draws):
            pick = balanced_inputs(self.train_labels, self.cfg.inputs, self.params.seed + 100 + draw, "train")
            images = mnist.to_model_space(self.train_images[pick])
            features, logits = predict(self.scorer.classifier, images)
            rows.append({"fid": self.scorer.fid.score_features(features.numpy()),
                         "accuracy": float((logits.argmax(-1).numpy() == self.train_labels[pick]).mean())})
        return summarize(rows)


def evaluate(params: Params, prior, optimizer, classifier: LeNet) -> tuple[dict, dict]:
    """(metrics JSON, {problem: {method: uint8 images of the first seed}})."""
    evaluation = Evaluation(params, prior, optimizer, classifier)
    floor = evaluation.floor()
    out: dict = {"operators": {}}
    for problem in problems(params):
        start = time.perf_counter()
        out["operators"][problem.name] = evaluation.problem(problem)
        out["operators"][problem.name]["seconds"] = round(time.perf_counter() - start, 1)
    _, test_logits = predict(classifier, evaluation.test.x)
    out.update({
        "real_fid_floor": floor["fid"], "real_fid_floor_sd": floor["fid_sd"],
        "real_accuracy": float((test_logits.argmax(-1) == evaluation.test.labels).double().mean()),
        "sigma_y": params.inverse.sigma_y, "inputs": params.inverse.eval.inputs, "seeds": params.inverse.eval.seeds,
        "steps": params.inverse.eval.steps, "selection_metric": "tuning-split PSNR of one sample per input",
        "calibration": {"inputs": params.inverse.eval.calibration_inputs,
                        "samples": params.inverse.eval.calibration_samples,
                        "nominal": {f"coverage{int(level * 100)}": scoring.interval_ranks(
                            params.inverse.eval.calibration_samples, level)[1] for level in (0.5, 0.9)}},
        "data_source": "real"})
    return out, evaluation.samples
