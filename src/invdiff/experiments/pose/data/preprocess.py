"""Glue for preprocess_pose: read the manifest, build the three splits, write stats and the sanity figures."""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from invdiff.config import Params
from invdiff.errors import MissingInputError
from invdiff.experiments.pose.data import amass
from invdiff.experiments.pose.data import dataset as pose_dataset
from invdiff.experiments.pose.data.figures import data_frames_figure, keypoint_density_figure
from invdiff.experiments.pose.data.forward_model import PoseForwardModel, load_forward_model
from invdiff.io import save_figure

log = logging.getLogger("invdiff")
FIGURE_FRAMES = 6


def data_source(motions: str, body: str) -> str:
    return "real" if motions == "real" and body == "real" else "synthetic"


def preprocess(params: Params, out_dir: Path) -> tuple[dict, dict[str, pose_dataset.SplitArrays], PoseForwardModel]:
    manifest, root = pose_dataset.read_manifest()
    model = load_forward_model(params.camera)
    on_bad_file = manifest.get("on_bad_file", "error")
    sequences, skipped = amass.scan(root, on_bad_file)
    groups = pose_dataset.group_by_split(sequences, manifest["subsets"])
    for split, members in groups.items():
        if not members:
            subsets = sorted(s for s, sp in manifest["subsets"].items() if sp == split)
            raise MissingInputError(f"amass.splits: the {split} split has no sequences (its subsets under {root}: "
                                    f"{subsets or 'none'}); list subsets you have in amass.splits.{split}"
                                    if split != "train" else
                                    f"amass.splits: every subset under {root} went to val/test; train is empty")
    splits = {}
    stats = {"data_source": data_source(manifest["data_source"], model.data_source),
             "motions": manifest["data_source"], "body_model": model.data_source,
             "fps": params.pose.data.fps, "frame_stride": params.pose.data.frame_stride,
             "image_size": params.camera.image_size, "splits": {}, "skipped_files": skipped}
    for split, members in groups.items():
        arrays = pose_dataset.build_split(members, model, params.pose.data)
        pose_dataset.save_split(out_dir / f"{split}.npz", arrays)
        splits[split] = arrays
        stats["splits"][split] = pose_dataset.split_stats(arrays, params.camera.image_size)
        log.info("pose %s: %d frames from %d sequences", split, len(arrays.x6d), len(members))
    return stats, splits, model


def summary(stats: dict, seconds: float) -> dict:
    """stats.json without the per-file skip list, plus the wall time: the small JSON ``dvc metrics`` compares.

    The time stays out of stats.json, which training depends on: it must not change when nothing else does."""
    out = {k: v for k, v in stats.items() if k != "skipped_files"}
    out["skipped_files"] = len(stats["skipped_files"])
    out["seconds"] = round(seconds, 1)
    return out


def figures(splits: dict[str, pose_dataset.SplitArrays], model: PoseForwardModel, stats: dict) -> dict:
    train = splits["train"]
    picks = np.linspace(0, len(train.sequence_names) - 1, FIGURE_FRAMES).round().astype(int)
    rows = []
    for seq in picks:
        frames = np.flatnonzero(train.sequence == seq)
        rows.append(frames[len(frames) // 2])
    titles = [Path(str(train.sequence_names[train.sequence[r]])).name.replace("_poses", "") for r in rows]
    label = f"data: {stats['data_source']} (motions {stats['motions']}, body model {stats['body_model']})"
    camera_position = model.camera.position.numpy()
    return {
        "frames.png": data_frames_figure(train.keypoints[rows], train.joints3d[rows], titles,
                                         model.image_size, camera_position, label),
        "keypoint_density.png": keypoint_density_figure(
            train.keypoints, model.image_size, f"train keypoints over the {model.image_size}px image ({label})"),
    }


def write_figures(folder: Path, figs: dict) -> None:
    for name, fig in figs.items():
        save_figure(fig, folder / name)
