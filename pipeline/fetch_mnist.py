"""DVC stage fetch_mnist: real MNIST digits (bundled 5k offline, or the IDX files) -> data/raw/mnist/."""
import logging

from invdiff.experiments.mnist import data as mnist
from invdiff.stage import run_stage


def work(params):
    splits, info = mnist.fetch(params.mnist, params.seed)
    mnist.write_splits(splits, info)
    logging.getLogger("invdiff").info("MNIST (%s): %s", info["source"], info["counts"])


if __name__ == "__main__":
    run_stage("fetch_mnist", work)
