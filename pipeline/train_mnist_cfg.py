"""DVC stage train_mnist_cfg: the class-conditional ContextUnet DDPM -> models/mnist_cfg/."""
from invdiff.experiments.mnist.task import MnistCfgTask
from invdiff.paths import models_dir
from invdiff.stage import run_stage
from invdiff.training import train, write_training_outputs

# the params keys this stage reads: dvc.yaml's params list (make dvc-deps), enforced while it runs
READS = ("seed", "trainer", "mnist", "mnist_cfg.diffusion", "mnist_cfg.model", "mnist_cfg.train", "mnist_cfg.ema")


def work(params):
    task = MnistCfgTask()
    write_training_outputs(task.name, train(task, params, models_dir() / task.name))


if __name__ == "__main__":
    run_stage("train_mnist_cfg", work, reads=READS)
