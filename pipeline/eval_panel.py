"""DVC stage eval_panel: interpolation / extrapolation MSE of node, meode and igo on both panel data sets, with
closed-form references and the paper's table -> metrics/igo_panel.json, plots/igo_panel/ (MLflow: experiment
igo_panel, a child run per (data set, model))."""
from invdiff import tracking
from invdiff.config import flatten
from invdiff.experiments.panel import data as panel_data
from invdiff.experiments.panel import figures
from invdiff.experiments.panel.evaluate import evaluate, headline, mlflow_children
from invdiff.io import atomic_dir, save_figure, write_results
from invdiff.paths import plots_dir
from invdiff.stage import run_stage, set_threads

# the params keys this stage reads: dvc.yaml's params list (make dvc-deps), enforced while it runs
READS = ("seed", "panel.training", "panel.rotmnist", "panel.hopper", "panel.eval")


def work(params):
    set_threads(params.panel.rotmnist.threads)
    metrics, shown = evaluate(params)
    n = params.panel.eval.figure_sequences
    made = {}
    rot_pred, rot_test = shown["rotmnist"]
    made["rotmnist_sequences.png"] = figures.rotmnist_predictions(
        rot_test[:n, :, 0].numpy(), {k: v[:n, :, 0].numpy() for k, v in rot_pred.items()},
        params.panel.rotmnist.interp_steps,
        "rotating MNIST, test: truth and predictions (first training seed); the models see the frames left of the "
        "black line, the rest is extrapolated")
    hop_pred, hop_test = shown["hopper"]
    seconds = panel_data.load_stats()["hopper"]["observation_interval_ms"] / 1000
    made["hopper_trajectory.png"] = figures.hopper_predictions(
        hop_test[0].numpy(), {k: v[0].numpy() for k, v in hop_pred.items()}, params.panel.hopper.interp_steps,
        seconds, "hopper, test trajectory 0 (standardised state): truth and predictions (first training seed); "
                 "extrapolated right of the black line")
    made["mse.png"] = figures.mse_bars(metrics, panel_data.DATASETS, "latent ODEs on panel data: test MSE")
    tracking.log_evaluation("igo_panel", "eval_panel", "real",
                            {**flatten(params.panel.training, "panel.training."), "seed": params.seed},
                            mlflow_children(params, metrics), figures=made)
    with atomic_dir(plots_dir("igo_panel")) as folder:
        for name, fig in made.items():
            save_figure(fig, folder / name)
    write_results("igo_panel", metrics, headline(metrics))


if __name__ == "__main__":
    run_stage("eval_panel", work, reads=READS)
