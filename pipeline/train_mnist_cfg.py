"""DVC stage train_mnist_cfg: the class-conditional ContextUnet DDPM -> models/mnist_cfg/."""
from invdiff.experiments.mnist.task import MnistCfgTask
from invdiff.paths import models_dir
from invdiff.stage import run_stage
from invdiff.training import train, write_training_outputs


def work(params):
    task = MnistCfgTask()
    write_training_outputs(task.name, train(task, params, models_dir() / task.name))


if __name__ == "__main__":
    run_stage("train_mnist_cfg", work)
