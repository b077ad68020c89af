"""DVC stage fetch_mnist: real MNIST digits (bundled 5k offline, or the IDX files) -> data/raw/mnist/."""
import logging

from invdiff.experiments.mnist import data as mnist
from invdiff.stage import run_stage

# the params keys this stage reads: dvc.yaml's params list (make dvc-deps), enforced while it runs
READS = ("seed", "mnist")


def work(params):
    splits, info = mnist.fetch(params.mnist, params.seed)
    mnist.write_splits(splits, info)
    logging.getLogger("invdiff").info("MNIST (%s): %s", info["source"], info["counts"])


if __name__ == "__main__":
    run_stage("fetch_mnist", work, reads=READS)
