"""DVC stage eval_mnist_cfg: guidance sweep -> metrics/mnist_cfg.json, plots/mnist_cfg/ (MLflow: a child run per w)."""
from invdiff import tracking
from invdiff.config import flatten
from invdiff.experiments.mnist import classifier, fid_net
from invdiff.experiments.mnist.evaluate import evaluate, headline, mlflow_children
from invdiff.experiments.mnist.figures import write_plots
from invdiff.experiments.mnist.task import MnistCfgTask
from invdiff.io import atomic_dir, write_results
from invdiff.paths import plots_dir
from invdiff.stage import run_stage

# the params keys this stage reads: dvc.yaml's params list (make dvc-deps), enforced while it runs
READS = ("seed", "mnist_cfg.diffusion", "mnist_cfg.eval")


def work(params):
    metrics, samples = evaluate(params, MnistCfgTask().load(), classifier.load())
    with atomic_dir(plots_dir("mnist_cfg")) as folder:
        figures = write_plots(folder, metrics, samples, params.mnist_cfg.eval.samples_per_class)
    tracking.log_evaluation(
        "mnist_cfg", "eval_mnist_cfg", "real", flatten(params.mnist_cfg.eval, "mnist_cfg.eval."),
        mlflow_children(params, metrics), figures=figures,
        metrics={k: metrics[k] for k in ("real_fid_floor", "real_fid_floor_sd", "classifier_accuracy",
                                         "real_diversity", "real_dark_fraction")})
    metrics["fid_net_sha256"] = fid_net.file_sha256(classifier.net_path())  # which features scored it
    write_results("mnist_cfg", metrics, headline(metrics))


if __name__ == "__main__":
    run_stage("eval_mnist_cfg", work, reads=READS)
