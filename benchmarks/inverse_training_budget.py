"""Does the learned optimizer of the inverse experiment use y better with a longer training budget? Each budget
trains through the real entry in a scratch folder (models/ untouched), then samples the tuning split like
eval_inverse (25 steps, one draw per input, seed 0) and prints PSNR and χ² per operator and guidance weight.

    python benchmarks/inverse_training_budget.py [--steps 1200,3000]

χ² = ‖y − Hx̂‖²/(d_y σ_y²) ≈ 1 for samples that explain y; far above 1 means the model does not use y yet.
"""
from __future__ import annotations

import argparse

import torch
from variant_training import params_with, train_variant

from invdiff.experiments.inverse.evaluate import Evaluation
from invdiff.experiments.inverse.problems import problems
from invdiff.experiments.inverse.task import InverseOptimizerTask, InversePriorTask
from invdiff.experiments.mnist import classifier


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", default="1200,3000")
    args = parser.parse_args()
    torch.set_num_threads(2)
    for steps in (int(s) for s in args.steps.split(",")):
        params = params_with({"inverse.train.max_steps": steps})
        module, seconds, _ = train_variant(InverseOptimizerTask(), params)
        evaluation = Evaluation(params, InversePriorTask().load(), module, classifier.load())
        print(f"max_steps {steps}: trained in {seconds:.0f} s")
        for problem in problems(params):
            for w in params.inverse.eval.guidance_weights:
                row = evaluation.draw("optimizer", {"w": w}, problem, evaluation.tuning, params.inverse.eval.steps,
                                      0, False, "")
                print(f"  {problem.name:9s} w={w:g}  PSNR {row['psnr']:6.2f}  chi2 {row['chi2']:7.2f}  "
                      f"FID {row['fid']:6.1f}", flush=True)


if __name__ == "__main__":
    main()
