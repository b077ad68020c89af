"""DVC stage train_inverse_prior: the unconditional ContextUnet DDPM of the inverse experiment
-> models/inverse_prior/."""
from invdiff.experiments.inverse.task import InversePriorTask
from invdiff.paths import models_dir
from invdiff.stage import run_stage
from invdiff.training import train, write_training_outputs

# the params keys this stage reads: dvc.yaml's params list (make dvc-deps), enforced while it runs
READS = (
    "seed", "trainer", "mnist", "inverse.tuning_fraction", "inverse.diffusion", "inverse.model", "inverse.train",
    "inverse.ema"
)


def work(params):
    task = InversePriorTask()
    write_training_outputs(task.name, train(task, params, models_dir() / task.name))


if __name__ == "__main__":
    run_stage("train_inverse_prior", work, reads=READS)
