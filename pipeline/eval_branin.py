"""DVC stage eval_branin: DDPM per guidance weight vs gradient descent and MCMC -> metrics/branin.json, plots/branin/."""
from invdiff import tracking
from invdiff.config import flatten
from invdiff.io import atomic_dir, write_json
from invdiff.stage import run_stage
from invdiff.tasks import branin
from invdiff.tasks.branin_eval import evaluate, log_to_mlflow, metrics_json, write_plots


def work(params):
    module = branin.load("models/branin/model.ckpt")
    results, targets = evaluate(params, module)
    metrics = metrics_json(params, results, targets)
    with atomic_dir("plots/branin") as folder:
        figures = write_plots(folder, params, results, targets)
    tags = tracking.run_tags("eval_branin", "synthetic", task="branin")
    with tracking.start_run("branin", "eval_branin", tags, flatten(params.branin.eval, "branin.eval.")):
        log_to_mlflow(params, results, figures)
    write_json("metrics/branin.json", metrics)


if __name__ == "__main__":
    run_stage("eval_branin", work)
