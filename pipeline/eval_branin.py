"""DVC stage eval_branin: DDPM per guidance weight vs gradient descent and MCMC -> metrics/branin.json,
plots/branin/."""
from invdiff import tracking
from invdiff.config import flatten
from invdiff.experiments.branin.evaluate import evaluate, headline, metrics_json, mlflow_children
from invdiff.experiments.branin.figures import write_plots
from invdiff.experiments.branin.task import BraninTask
from invdiff.io import atomic_dir, write_results
from invdiff.paths import plots_dir
from invdiff.stage import run_stage

# the params keys this stage reads: dvc.yaml's params list (make dvc-deps), enforced while it runs
READS = ("seed", "branin.diffusion", "branin.eval", "branin.baselines")


def work(params):
    results, targets = evaluate(params, BraninTask().load())
    metrics = metrics_json(params, results, targets)
    with atomic_dir(plots_dir("branin")) as folder:
        figures = write_plots(folder, params, results, targets)
    tracking.log_evaluation("branin", "eval_branin", "synthetic", flatten(params.branin.eval, "branin.eval."),
                            mlflow_children(params, results), figures=figures)
    write_results("branin", metrics, headline(metrics))


if __name__ == "__main__":
    run_stage("eval_branin", work, reads=READS)
