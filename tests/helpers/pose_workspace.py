"""Tiny project folders for unit tests: the tiny params' data as the pipeline lays it out (MNIST's bundled digits,
the panel sequences, the stand-in body model and synthetic motions), and a pose workspace with a few-step MLP and
transformer trained on it."""
from pathlib import Path

from helpers.params import tiny_params
from helpers.project import at_project


def _pose_data(params) -> None:
    from invdiff.experiments.pose.data import body_model, preprocess
    from invdiff.experiments.pose.data import dataset as pose_dataset
    from invdiff.io import write_json

    body_model.prepare_body_model(params.body_model)
    pose_dataset.raw_dir().mkdir(parents=True, exist_ok=True)
    pose_dataset.write_manifest(pose_dataset.raw_dir(), params.amass, params.seed)
    pose_dataset.processed_dir().mkdir(parents=True, exist_ok=True)
    stats, _, _ = preprocess.preprocess(params, pose_dataset.processed_dir())
    write_json(pose_dataset.processed_dir() / "stats.json", stats)


def build_data_workspace(root: Path):
    """Every task's training data in the project folder ``root`` (about 2 s); returns the tiny params."""
    from invdiff.experiments.mnist import data as mnist
    from invdiff.experiments.panel import data as panel

    with at_project(root):
        params = tiny_params()
        mnist.write_splits(*mnist.fetch(params.mnist, params.seed))
        panel.make(params.panel.data, params.mnist.source, params.seed)
        _pose_data(params)
    return params


def build_pose_workspace(root: Path):
    """The pose data and a few-step MLP and transformer in ``root`` (data/, models/); returns the tiny params."""
    from invdiff.experiments.pose.task import PoseTask
    from invdiff.paths import models_dir
    from invdiff.training import train

    with at_project(root):
        params = tiny_params()
        _pose_data(params)
        for arch in ("mlp", "transformer"):
            train(PoseTask(arch), params, models_dir() / f"pose_{arch}", scratch=root / "scratch" / arch)
    return params
