"""DVC stage train_mnist_cfg: the class-conditional ContextUnet DDPM -> models/mnist_cfg/."""
from invdiff.stage import run_stage
from invdiff.training import train, write_training_outputs


def work(params):
    write_training_outputs("mnist_cfg", train("mnist_cfg", params, "models/mnist_cfg"))


if __name__ == "__main__":
    run_stage("train_mnist_cfg", work)
