"""IGO sampler cost and quality: network evaluations (NFE), seconds and FID of the probability-flow ODE (RK45) at
several tolerances, on the selection reference (FID against the *training* digits; eval_igo reports against the
test split), for the full path of α = 1 and both paths of α = 0.9, over paired seeds.

    python benchmarks/igo_sampling.py [--seeds 2] [--out docs/sampler_steps]

Needs `dvc repro train_igo@1.0 train_igo@0.9 fid_classifier`. Writes ``<out>/igo.csv`` and prints the choice rule's
verdict per (α, path): the loosest tolerance whose FID is within max(2 %, one seed sd) of the current one's.
"""
from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

import numpy as np

from invdiff.config import load_params
from invdiff.experiments.igo import task as igo
from invdiff.experiments.igo.evaluate import generate
from invdiff.experiments.igo.prior import data_moments
from invdiff.experiments.mnist import classifier
from invdiff.experiments.mnist import data as mnist
from invdiff.metrics.fid import ReferenceFid
from invdiff.seeds import paired_generator

TOLERANCES = (1e-2, 3e-3, 1e-3, 1e-4)
CASES = (("1.0", "full"), ("0.9", "full"), ("0.9", "intermediate"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("docs/sampler_steps"))
    args = parser.parse_args()
    params = load_params()
    cfg = params.igo.eval
    train = mnist.to_model_space(mnist.load_split("train")[0])
    reference = ReferenceFid(classifier.feature_extractor(classifier.load()), train, "the MNIST training split")
    moments = data_moments(train)
    current = cfg.sampler.rtol
    rows = []
    for alpha, path in CASES:
        module = igo.load(igo.models_folder() / f"alpha{alpha}" / "model.ckpt")
        for tol in sorted(set(TOLERANCES) | {current}, reverse=True):
            run_cfg = cfg.model_copy(update={"sampler": cfg.sampler.model_copy(update={"rtol": tol, "atol": tol})})
            fids, nfes, start = [], [], time.perf_counter()
            for seed in range(args.seeds):
                x, nfe = generate(module, path, moments, run_cfg, paired_generator(params.seed, seed))
                fids.append(reference(x.clamp(-1, 1)))
                nfes.append(nfe)
            rows.append({"alpha": alpha, "path": path, "tolerance": tol, "current": tol == current,
                         "nfe": float(np.mean(nfes)), "fid": float(np.mean(fids)),
                         "fid_sd": float(np.std(fids, ddof=1)) if len(fids) > 1 else 0.0,
                         "seconds": round(time.perf_counter() - start, 1)})
            print(rows[-1], flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    with open(args.out / "igo.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    for alpha, path in CASES:
        case = [r for r in rows if r["alpha"] == alpha and r["path"] == path]
        base = next(r for r in case if r["current"])
        tolerance = max(0.02 * base["fid"], base["fid_sd"])
        ok = [r for r in case if r["fid"] <= base["fid"] + tolerance]
        pick = min(ok, key=lambda r: r["nfe"])
        print(f"alpha={alpha} {path}: current tol {current:g} FID {base['fid']:.1f} ± {base['fid_sd']:.1f} at NFE "
              f"{base['nfe']:.0f}; fewest NFE within {tolerance:.1f}: tol {pick['tolerance']:g}, "
              f"NFE {pick['nfe']:.0f}, FID {pick['fid']:.1f}")


if __name__ == "__main__":
    main()
