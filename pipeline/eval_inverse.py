"""DVC stage eval_inverse: learned optimizer vs zero-shot posterior samplers on every operator -> metrics/inverse.json,
plots/inverse/ (MLflow: a child run per operator and method)."""
from invdiff import tracking
from invdiff.config import flatten
from invdiff.experiments.inverse.evaluate import evaluate
from invdiff.experiments.inverse.figures import write_plots
from invdiff.experiments.inverse.report import headline, mlflow_children
from invdiff.experiments.inverse.task import InverseOptimizerTask, InversePriorTask, check_operators
from invdiff.experiments.mnist import classifier, fid_net
from invdiff.io import atomic_dir, write_results
from invdiff.paths import plots_dir
from invdiff.stage import run_stage

# the params keys this stage reads: dvc.yaml's params list (make dvc-deps), enforced while it runs
READS = ("seed", "mnist", "inverse")


def work(params):
    optimizer = InverseOptimizerTask().load()
    check_operators(optimizer, params)
    metrics, samples = evaluate(params, InversePriorTask().load(), optimizer, classifier.load())
    with atomic_dir(plots_dir("inverse")) as folder:
        figures = write_plots(folder, metrics, samples, params.inverse.eval.inputs // 10)
    tracking.log_evaluation("inverse", "eval_inverse", "real", flatten(params.inverse, "inverse."),
                            mlflow_children(metrics), figures=figures,
                            metrics={k: metrics[k] for k in ("real_fid_floor", "real_fid_floor_sd", "real_accuracy")})
    metrics["fid_net_sha256"] = fid_net.file_sha256(classifier.net_path())
    write_results("inverse", metrics, headline(metrics))


if __name__ == "__main__":
    run_stage("eval_inverse", work, reads=READS)
