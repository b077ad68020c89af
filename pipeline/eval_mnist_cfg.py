"""DVC stage eval_mnist_cfg: guidance sweep -> metrics/mnist_cfg.json, plots/mnist_cfg/ (MLflow: a child run per w)."""
from invdiff import tracking
from invdiff.config import flatten
from invdiff.io import atomic_dir, write_json
from invdiff.stage import run_stage
from invdiff.tasks import classifier, mnist_cfg
from invdiff.tasks.mnist_cfg_eval import METRIC_KEYS, evaluate, write_plots


def work(params):
    module = mnist_cfg.load("models/mnist_cfg/model.ckpt")
    net = classifier.load("models/classifier/model.ckpt").net
    metrics, samples = evaluate(params, module, net)
    with atomic_dir("plots/mnist_cfg") as folder:
        figures = write_plots(folder, metrics, samples, params.mnist_cfg.eval.samples_per_class)
    tags = tracking.run_tags("eval_mnist_cfg", "real", task="mnist_cfg")
    with tracking.start_run("mnist_cfg", "eval_mnist_cfg", tags, flatten(params.mnist_cfg.eval, "mnist_cfg.eval.")):
        for w in params.mnist_cfg.eval.guidance_weights:
            row = metrics[f"w={float(w)}"]
            tracking.log_child_run(f"w={w:g}", {"w": w, "sampler": params.mnist_cfg.eval.sampler.name},
                                   {k: row[k] for k in (*METRIC_KEYS, "seconds")})
        tracking.log_metrics({k: metrics[k] for k in ("real_fid_floor", "classifier_accuracy", "real_diversity")})
        for name, fig in figures.items():
            tracking.log_figure(fig, name)
    write_json("metrics/mnist_cfg.json", metrics)


if __name__ == "__main__":
    run_stage("eval_mnist_cfg", work)
