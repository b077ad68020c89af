"""DVC stage train_inverse_optimizer: the learned optimizer (conditional on y, every operator)
-> models/inverse_optimizer/."""
from invdiff.experiments.inverse.task import InverseOptimizerTask
from invdiff.paths import models_dir
from invdiff.stage import run_stage
from invdiff.training import train, write_training_outputs

# the params keys this stage reads: dvc.yaml's params list (make dvc-deps), enforced while it runs
READS = (
    "seed", "trainer", "mnist", "inverse.sigma_y", "inverse.tuning_fraction", "inverse.operators",
    "inverse.diffusion", "inverse.model", "inverse.train", "inverse.ema", "inverse.pairs_per_image"
)


def work(params):
    task = InverseOptimizerTask()
    write_training_outputs(task.name, train(task, params, models_dir() / task.name))


if __name__ == "__main__":
    run_stage("train_inverse_optimizer", work, reads=READS)
