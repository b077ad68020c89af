"""DVC stage train_branin: the conditional MLP DDPM on (x, -Branin(x)) pairs -> models/branin/."""
from invdiff.experiments.branin.task import BraninTask
from invdiff.paths import models_dir
from invdiff.stage import run_stage
from invdiff.training import train, write_training_outputs

# the params keys this stage reads: dvc.yaml's params list (make dvc-deps), enforced while it runs
READS = ("seed", "trainer", "branin.data", "branin.diffusion", "branin.model", "branin.train")


def work(params):
    task = BraninTask()
    write_training_outputs(task.name, train(task, params, models_dir() / task.name))


if __name__ == "__main__":
    run_stage("train_branin", work, reads=READS)
