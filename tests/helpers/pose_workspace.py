"""A tiny pose workspace (stand-in body model, a few synthetic sequences, a 4-step transformer) for unit tests."""
import os
from pathlib import Path

from helpers.params import tiny_params


def build_pose_workspace(root: Path):
    """Builds under ``root`` (relative data/ and models/ paths, like the pipeline) and returns the tiny params."""
    from invdiff.data import body_model, pose_dataset
    from invdiff.tasks import pose_data
    from invdiff.training import train

    cwd = os.getcwd()
    os.chdir(root)
    try:
        params = tiny_params()
        body_model.prepare_body_model(params.body_model, body_model.MODEL_DIR)
        pose_dataset.RAW_DIR.mkdir(parents=True, exist_ok=True)
        pose_dataset.write_manifest(pose_dataset.RAW_DIR, params.amass, params.seed)
        pose_dataset.PROCESSED_DIR.mkdir(parents=True, exist_ok=True)
        stats, _, _ = pose_data.preprocess(params, pose_dataset.PROCESSED_DIR)
        from invdiff.io import write_json

        write_json(pose_dataset.PROCESSED_DIR / "stats.json", stats)
        train("pose_transformer", params, "models/pose_transformer", scratch=root / "scratch")
    finally:
        os.chdir(cwd)
    return params
