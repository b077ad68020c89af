"""A tiny pose workspace (stand-in body model, a few synthetic sequences, a few-step MLP and transformer) for unit
tests."""
from pathlib import Path

from helpers.params import tiny_params
from helpers.project import at_project


def build_pose_workspace(root: Path):
    """Builds the project folder ``root`` (data/, models/ as the pipeline lays them out); returns the tiny params."""
    from invdiff.experiments.pose.data import body_model, preprocess
    from invdiff.experiments.pose.data import dataset as pose_dataset
    from invdiff.experiments.pose.task import PoseTask
    from invdiff.io import write_json
    from invdiff.paths import models_dir
    from invdiff.training import train

    with at_project(root):
        params = tiny_params()
        body_model.prepare_body_model(params.body_model)
        pose_dataset.raw_dir().mkdir(parents=True, exist_ok=True)
        pose_dataset.write_manifest(pose_dataset.raw_dir(), params.amass, params.seed)
        pose_dataset.processed_dir().mkdir(parents=True, exist_ok=True)
        stats, _, _ = preprocess.preprocess(params, pose_dataset.processed_dir())
        write_json(pose_dataset.processed_dir() / "stats.json", stats)
        for arch in ("mlp", "transformer"):
            train(PoseTask(arch), params, models_dir() / f"pose_{arch}", scratch=root / "scratch" / arch)
    return params
