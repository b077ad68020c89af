"""IGO sampler cost and quality: network evaluations, seconds and FID for the probability-flow ODE at several
tolerances and the reverse-SDE Euler–Maruyama sampler at several step counts, for one trained α.

    python benchmarks/igo_sampling.py [--alpha 1.0] [--num 300]

Needs `dvc repro eval_igo` (or the train_igo stage of that α and train_classifier) first.
"""
from __future__ import annotations

import argparse
import time

import torch

from invdiff.config import load_params
from invdiff.data import mnist
from invdiff.metrics.fid import fid
from invdiff.sde.samplers import prior_sample, probability_flow_ode, reverse_sde
from invdiff.tasks import classifier, igo
from invdiff.tasks.classifier import predict
from invdiff.tasks.igo_eval import data_moments


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alpha", default="1.0", help="which trained model (folder models/igo/alpha<alpha>)")
    parser.add_argument("--num", type=int, default=300, help="samples per setting")
    args = parser.parse_args()
    params = load_params()
    module = igo.load(f"models/igo/alpha{args.alpha}/model.ckpt")
    net = classifier.load("models/classifier/model.ckpt").net
    train = mnist.to_model_space(mnist.load_split(mnist.RAW_DIR, "train")[0])
    test_features = predict(net, mnist.to_model_space(mnist.load_split(mnist.RAW_DIR, "test")[0]))[0].numpy()
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
            x, nfe = reverse_sde(module.score, module.sde, x_init, value, torch.Generator().manual_seed(1))
            label = f"reverse SDE EM {value} steps"
        seconds = time.perf_counter() - start
        score = fid(predict(net, x.clamp(-1, 1))[0].numpy(), test_features)
        print(f"{label:<28}{nfe:>6}{seconds:>10.1f}{score:>10.1f}", flush=True)


if __name__ == "__main__":
    main()
