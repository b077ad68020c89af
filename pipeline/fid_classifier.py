"""DVC stage fid_classifier: the LeNet whose features FID uses -> models/classifier/net.pt, metrics/classifier.json.

``classifier.source: frozen`` (default) checks the versioned net's SHA-256 and installs it; ``train`` trains one
here (to freeze as a new version with `invdiff freeze-classifier`).
"""
import platform

import torch

from invdiff import tracking
from invdiff.experiments.mnist import classifier, fid_net
from invdiff.io import atomic_dir, write_results
from invdiff.optim import num_parameters
from invdiff.paths import models_dir, project_path
from invdiff.stage import run_stage
from invdiff.training import TrainResult, train, write_training_outputs

# the params keys this stage reads: dvc.yaml's params list (make dvc-deps), enforced while it runs
READS = ("seed", "trainer", "mnist", "classifier")


def _train(params, folder):
    task = classifier.ClassifierTask()
    result = train(task, params, folder)
    net = classifier.load_checkpoint(result.checkpoint).net
    accuracy, _ = classifier.test_accuracy(net)
    fid_net.save_net(net, folder / "net.pt", {
        "recipe": {"seed": params.seed, "feature_dim": params.classifier.feature_dim,
                   "train": params.classifier.train.model_dump(), "mnist": params.mnist.model_dump()},
        "made_with": {"torch": torch.__version__, "threads": torch.get_num_threads(),
                      "machine": platform.machine(), "processor": platform.processor()},
        "training": {"steps": result.steps, "final_loss": result.final_loss,
                     "num_parameters": result.num_parameters, "loss_steps": result.loss_steps,
                     "losses": result.losses},
        "test_accuracy": accuracy})
    return result


def _install_frozen(params, folder):
    source = project_path(params.classifier.frozen.path)
    net = fid_net.load_verified(source, params.classifier.frozen.sha256)
    fid_net.copy_net(source, folder / "net.pt")
    history = fid_net.provenance(source).get("training", {})
    return TrainResult(checkpoint=source, run_id=None, steps=history.get("steps", 0),
                       seconds=history.get("seconds", 0.0), final_loss=history.get("final_loss", float("nan")),
                       num_parameters=num_parameters(net), loss_steps=history.get("loss_steps", []),
                       losses=history.get("losses", []))


def work(params):
    cfg = params.classifier
    out = models_dir() / "classifier"
    with atomic_dir(out) as folder:
        result = _train(params, folder) if cfg.source == "train" else _install_frozen(params, folder)
    digest = fid_net.file_sha256(out / "net.pt")
    net = classifier.load()
    accuracy, size = classifier.test_accuracy(net)
    metrics = {"source": cfg.source, "sha256": digest, "test_accuracy": accuracy, "test_size": size,
               "num_parameters": num_parameters(net), "data_source": "real"}
    if cfg.source == "frozen":
        metrics["frozen_path"] = cfg.frozen.path
    with tracking.start_run("classifier", "fid_classifier", tracking.run_tags("fid_classifier", "real"),
                            {"source": cfg.source, "sha256": digest}):
        write_training_outputs("classifier", result)  # a frozen net's curve (no training run) goes to this run
        tracking.log_metrics({"test_accuracy": accuracy})
    write_results("classifier", metrics)


if __name__ == "__main__":
    run_stage("fid_classifier", work, reads=READS)
