"""DVC stage train_branin: the conditional MLP DDPM on (x, -Branin(x)) pairs -> models/branin/."""
from invdiff.experiments.branin.task import BraninTask
from invdiff.paths import models_dir
from invdiff.stage import run_stage
from invdiff.training import train, write_training_outputs


def work(params):
    task = BraninTask()
    write_training_outputs(task.name, train(task, params, models_dir() / task.name))


if __name__ == "__main__":
    run_stage("train_branin", work)
