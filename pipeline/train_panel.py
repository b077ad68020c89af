"""DVC stage train_panel@<data set>: every latent ODE of panel.training.models on one panel data set, one model
per training seed -> models/panel/<data set>/<model>/ (first seed) and .../seed<s>/ (the others)."""
import logging

from invdiff.experiments.panel.task import PanelTask, models_folder, seed_folder, training_seeds
from invdiff.io import write_results
from invdiff.stage import run_stage, set_threads
from invdiff.training import train, write_training_outputs

# the params keys this stage reads: dvc.yaml's params list (make dvc-deps), enforced while it runs
READS = ("seed", "trainer", "mnist", "panel.data", "panel.training", "panel.${item}")

log = logging.getLogger("invdiff")


def work(params, args):
    set_threads(getattr(params.panel, args.dataset).threads)
    summary = {}
    for kind in params.panel.training.models:
        task, folder = PanelTask(args.dataset, kind), models_folder(args.dataset, kind)
        for seed in training_seeds(params):
            result = train(task, params.model_copy(update={"seed": seed}), seed_folder(folder, params, seed))
            log.info("%s seed %d: final loss %.5f in %.0f s", task.name, seed, result.final_loss, result.seconds)
            if seed == params.seed:
                write_training_outputs(task.name, result)
            summary.setdefault(kind, {})[f"seed{seed}"] = {"final_loss": round(result.final_loss, 6),
                                                            "train_seconds": round(result.seconds, 1)}
    write_results(f"panel_{args.dataset}_train", summary)  # wall times go to timings/ (keyed dicts, not lists)


def arguments(parser):
    parser.add_argument("--dataset", required=True, choices=("rotmnist", "hopper"))


if __name__ == "__main__":
    run_stage("train_panel", work, reads=READS, foreach="dataset", add_arguments=arguments)
