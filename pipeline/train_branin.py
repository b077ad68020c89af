"""DVC stage train_branin: the conditional MLP DDPM on (x, -Branin(x)) pairs -> models/branin/."""
from invdiff.stage import run_stage
from invdiff.training import train, write_training_outputs


def work(params):
    write_training_outputs("branin", train("branin", params, "models/branin"))


if __name__ == "__main__":
    run_stage("train_branin", work)
