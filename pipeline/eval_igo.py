"""DVC stage eval_igo: FID of the full and intermediate paths per alpha -> metrics/igo.json, plots/igo/ (MLflow:
experiment igo, a child run per alpha)."""
from invdiff import tracking
from invdiff.config import flatten
from invdiff.experiments.igo.evaluate import evaluate, headline, mlflow_children, retrained_models, trained_models
from invdiff.experiments.igo.figures import write_plots
from invdiff.experiments.mnist import classifier, fid_net
from invdiff.experiments.mnist import data as mnist
from invdiff.io import atomic_dir, write_results
from invdiff.paths import plots_dir
from invdiff.stage import run_stage

# the params keys this stage reads: dvc.yaml's params list (make dvc-deps), enforced while it runs
READS = ("seed", "igo.alphas", "igo.sde", "igo.training_seeds", "igo.eval")


def work(params):
    modules = trained_models(params.igo.alphas)
    metrics, samples, snapshots = evaluate(params, modules, classifier.load(), retrained_models(params))
    digit = mnist.to_model_space(mnist.load_split("test")[0][:1])
    with atomic_dir(plots_dir("igo")) as folder:
        sde = next(iter(modules.values())).sde  # the SDE the models were trained on (their checkpoints carry it)
        figures = write_plots(folder, params, metrics, samples, sde, digit, snapshots)
    tracking.log_evaluation("igo", "eval_igo", "real",
                            {**flatten(params.igo.eval, "igo.eval."), **flatten(params.igo.sde, "igo.sde.")},
                            mlflow_children(params, metrics), figures=figures,
                            metrics={k: metrics[k] for k in ("real_fid_floor", "real_fid_floor_sd", "real_confident")})
    metrics["fid_net_sha256"] = fid_net.file_sha256(classifier.net_path())  # which features scored it
    write_results("igo", metrics, headline(metrics))


if __name__ == "__main__":
    run_stage("eval_igo", work, reads=READS)
