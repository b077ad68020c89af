"""IGO sampler cost and quality: network evaluations, seconds and FID for the probability-flow ODE at several
tolerances and the reverse-SDE Euler–Maruyama sampler at several step counts, for one trained α.

    python benchmarks/igo_sampling.py [--alpha 1.0] [--num 300]

Needs `dvc repro eval_igo` (or the train_igo stage of that α and fid_classifier) first.
"""
from __future__ import annotations

import argparse
import time

import torch

from invdiff.config import load_params
from invdiff.experiments.igo import task as igo
from invdiff.experiments.igo.prior import data_moments, prior_sample
from invdiff.experiments.mnist import classifier
from invdiff.experiments.mnist import data as mnist
from invdiff.metrics.fid import ReferenceFid
from invdiff.sde import probability_flow_ode, reverse_sde


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alpha", default="1.0", help="which trained model (folder models/igo/alpha<alpha>)")
    parser.add_argument("--num", type=int, default=300, help="samples per setting")
    args = parser.parse_args()
    params = load_params()
    module = igo.load(igo.models_folder() / f"alpha{args.alpha}" / "model.ckpt")
    train = mnist.to_model_space(mnist.load_split("train")[0])
    reference = ReferenceFid(classifier.feature_extractor(classifier.load()),
                             mnist.to_model_space(mnist.load_split("test")[0]), "the MNIST test split")
    x_init = prior_sample(module.sde, *data_moments(train), args.num, torch.Generator().manual_seed(params.seed))
    print(f"alpha={args.alpha}, {args.num} samples, {torch.get_num_threads()} threads")
    print(f"{'sampler':<28}{'NFE':>6}{'seconds':>10}{'FID':>10}")
    settings = [("ode", tol) for tol in (1e-2, 1e-3, 1e-4, 1e-5)] + [("euler_maruyama", n) for n in (100, 500)]
    for name, value in settings:
        start = time.perf_counter()
        if name == "ode":
            x, nfe = probability_flow_ode(module.score, module.sde, x_init, rtol=value, atol=value)
            label = f"PF-ODE RK45 tol={value:g}"
        else:
            x, nfe = reverse_sde(module.score, module.sde, x_init, steps=value,
                                 generator=torch.Generator().manual_seed(1))
            label = f"reverse SDE EM {value} steps"
        seconds = time.perf_counter() - start
        score = reference(x)
        print(f"{label:<28}{nfe:>6}{seconds:>10.1f}{score:>10.1f}", flush=True)


if __name__ == "__main__":
    main()
