"""fetch_amass + preprocess_pose glue on tiny data: shapes, consistency with f(x), determinism, split errors."""
import json

import numpy as np
import pytest
import torch

from helpers.params import tiny_params
from invdiff.errors import MissingInputError
from invdiff.experiments.pose.data import body_model
from invdiff.experiments.pose.data import dataset as pose_dataset
from invdiff.experiments.pose.data import preprocess as pose_data
from invdiff.experiments.pose.data.forward_model import load_forward_model


def _fetch(params):
    body_model.prepare_body_model(params.body_model)
    pose_dataset.raw_dir().mkdir(parents=True, exist_ok=True)
    return pose_dataset.write_manifest(pose_dataset.raw_dir(), params.amass, params.seed)


def _preprocess(params, out):
    out.mkdir(parents=True, exist_ok=True)
    return pose_data.preprocess(params, out)


def test_preprocess_synthetic(tmp_path, project):
    params = tiny_params()
    manifest = _fetch(params)
    assert manifest["data_source"] == "synthetic"
    stats, splits, model = _preprocess(params, tmp_path / "a")
    assert stats["data_source"] == "synthetic" and stats["body_model"] == "synthetic"
    assert {k: v["sequences"] for k, v in stats["splits"].items()} == {"train": 4, "val": 2, "test": 2}
    train = pose_dataset.load_split("train", tmp_path / "a")
    n = stats["splits"]["train"]["frames"]
    assert train.x6d.shape == (n, 144) and train.keypoints.shape == (n, 25, 2) and train.joints3d.shape == (n, 24, 3)
    assert train.x6d.dtype == np.float32 and train.sequence.max() == 3
    assert (np.diff(train.frame[train.sequence == 0]) == 1).all()
    forward = load_forward_model(params.camera)
    with torch.no_grad():
        np.testing.assert_allclose(forward(torch.from_numpy(train.x6d[:50])).numpy(), train.keypoints[:50],
                                   atol=1e-3)
    # deterministic, and frame_stride keeps every k-th frame
    stats_again, _, _ = _preprocess(params, tmp_path / "b")
    again = pose_dataset.load_split("train", tmp_path / "b")
    np.testing.assert_array_equal(again.keypoints, train.keypoints)
    assert stats_again == stats  # no wall time inside: stats.json feeds training and must not churn
    strided = tiny_params(**{"pose.data.frame_stride": 2})
    stats2, _, _ = _preprocess(strided, tmp_path / "c")
    per_seq = [int(np.sum(train.sequence == s)) for s in range(4)]
    assert stats2["splits"]["train"]["frames"] == sum((c + 1) // 2 for c in per_seq)
    figs = pose_data.figures(splits, model, stats)
    assert set(figs) == {"frames.png", "keypoint_density.png"}
    summary = pose_data.summary(stats, 1.25)
    assert summary["skipped_files"] == 0 and summary["seconds"] == 1.2 and json.dumps(summary)


def _real_layout(root, subsets):
    for subset in subsets:
        path = root / subset / "s1" / "take_poses.npz"
        path.parent.mkdir(parents=True)
        np.savez(path, poses=np.random.default_rng(0).normal(0, 0.2, (24, 156)), trans=np.zeros((24, 3)),
                 betas=np.zeros(16), gender=np.array("female"), mocap_framerate=np.array(120.0))


def test_preprocess_real_layout_resamples_and_splits(tmp_path, project):
    _real_layout(tmp_path / "amass", ["CMU", "HumanEva", "SSM_synced"])
    params = tiny_params(**{"amass.source": "dir", "amass.root": str(tmp_path / "amass")})
    manifest = _fetch(params)
    assert manifest["subsets"] == {"CMU": "train", "HumanEva": "val", "SSM_synced": "test"}
    stats, splits, _ = _preprocess(params, tmp_path / "out")
    assert stats["motions"] == "real" and stats["data_source"] == "synthetic"  # stand-in body: still synthetic
    assert {k: v["frames"] for k, v in stats["splits"].items()} == {"train": 6, "val": 6, "test": 6}  # 24 @120 -> 6


def test_empty_split_names_the_key(tmp_path, project):
    _real_layout(tmp_path / "amass", ["CMU", "HumanEva"])
    params = tiny_params(**{"amass.source": "dir", "amass.root": str(tmp_path / "amass")})
    _fetch(params)
    with pytest.raises(MissingInputError, match="amass.splits: the test split has no sequences"):
        _preprocess(params, tmp_path / "out")


def test_missing_manifest(tmp_path, project):
    with pytest.raises(MissingInputError, match="dvc repro fetch_amass"):
        pose_dataset.read_manifest()


def test_per_input_cameras_match_the_fixed_camera_when_they_are_it():
    import torch

    from invdiff.experiments.pose.data.camera import Camera, look_at_centres, project_with

    params = tiny_params()
    centre = torch.tensor([0.1, -0.2, 0.9])
    camera = Camera(params.camera, centre)
    rotations, positions = look_at_centres(centre.expand(3, 3), params.camera)
    points = torch.randn(3, 4, 25, 3) * 0.3 + centre
    torch.testing.assert_close(project_with(points, rotations, positions, params.camera), camera.project(points),
                               atol=1e-3, rtol=1e-5)
