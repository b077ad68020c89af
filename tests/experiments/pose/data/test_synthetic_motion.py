"""The synthetic AMASS stand-in: format, determinism, disjoint splits, anatomical limits, view-dependence."""
import math

import numpy as np
import pytest
import torch

from invdiff.experiments.pose.data import amass, body_model
from invdiff.experiments.pose.data.config import BodyModelConfig, CameraConfig, SyntheticMotionConfig
from invdiff.experiments.pose.data.forward_model import PoseForwardModel
from invdiff.experiments.pose.data.motion_families import FAMILIES
from invdiff.experiments.pose.data.rotations import axis_angle_to_matrix, axis_angle_to_rotation_6d
from invdiff.experiments.pose.data.skeleton import BODY25_NAMES
from invdiff.experiments.pose.data.synthetic_amass import SUBSETS, write_synthetic_amass
from invdiff.experiments.pose.joint_limits import joint_limit_violation, joint_limit_violations

CFG = SyntheticMotionConfig(sequences={"train": 40, "val": 10, "test": 10}, seconds=[2.0, 3.0])


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    root = tmp_path_factory.mktemp("amass")
    subsets = write_synthetic_amass(root, CFG, seed=3)
    sequences, skipped = amass.scan(root, "error")
    return root, subsets, sequences, skipped


@pytest.fixture(scope="module")
def forward_model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("body")
    body_model.prepare_body_model(BodyModelConfig(), folder)
    keypoints = body_model.BodyKeypoints(body_model.load_body_model(folder / body_model.STANDIN_FILE))
    return PoseForwardModel(keypoints, CameraConfig())


def test_amass_layout_and_splits(written):
    root, subsets, sequences, skipped = written
    assert not skipped
    assert subsets == {v: k for k, v in SUBSETS.items()}
    per_split = {split: [s for s in sequences if subsets[s.subset] == split] for split in ("train", "val", "test")}
    assert {k: len(v) for k, v in per_split.items()} == {"train": 40, "val": 10, "test": 10}
    for seq in sequences:
        assert seq.fps == 30.0 and 60 <= len(seq.poses) <= 90
        with np.load(root / f"{seq.name}.npz") as data:
            assert data["poses"].shape[1] == 156 and not data["poses"][:, 66:].any()
            assert {"trans", "betas", "gender", "mocap_framerate"} <= set(data.files)
    train_families = {s.name.split("/")[-1].rsplit("_", 2)[0] for s in per_split["train"]}
    assert train_families == set(FAMILIES)
    subjects = {split: {s.name.split("/")[0] + "/" + s.name.split("/")[1] for s in seqs}
                for split, seqs in per_split.items()}
    assert not (subjects["train"] & subjects["val"]) and not (subjects["train"] & subjects["test"])


def test_deterministic_by_seed(tmp_path):
    small = SyntheticMotionConfig(sequences={"train": 3, "val": 1, "test": 1}, seconds=[1.0, 1.0])
    for name, seed in (("a", 0), ("b", 0), ("c", 1)):
        write_synthetic_amass(tmp_path / name, small, seed)
    rel = sorted((tmp_path / "a").glob("Synthetic_train/*/*_poses.npz"))[-1].relative_to(tmp_path / "a")
    a, b, c = (np.load(tmp_path / n / rel)["poses"] for n in "abc")
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_every_joint_within_anatomical_limits(written):
    _, _, sequences, _ = written
    poses = torch.from_numpy(np.concatenate([s.poses for s in sequences]))
    assert joint_limit_violation(axis_angle_to_matrix(poses)) == 0.0


def test_joint_limit_metric_flags_implausible_poses():
    rest = torch.zeros(3, 24, 3, dtype=torch.float64)
    rest[1, 4] = torch.tensor([-math.radians(40), 0, 0])   # left knee bent backwards by 40°
    rest[2, 18] = torch.tensor([0, math.radians(60), 0])   # left elbow bent the wrong way by 60°
    flags = joint_limit_violations(axis_angle_to_matrix(rest))
    assert not flags[0].any()
    assert flags[1].sum() == 1 and flags[1][4 - 1]          # column j-1 is SMPL joint j
    assert flags[2].sum() == 1 and flags[2][18 - 1]
    from scipy.spatial.transform import Rotation

    random = torch.from_numpy(Rotation.random(24 * 200, random_state=0).as_matrix()).reshape(200, 24, 3, 3)
    assert joint_limit_violation(random) > 0.8


def test_heading_covers_all_directions_and_limbs_move_in_depth(written, forward_model):
    _, _, sequences, _ = written
    poses = torch.from_numpy(np.concatenate([s.poses for s in sequences])).float()
    x6d = axis_angle_to_rotation_6d(poses).reshape(len(poses), -1)
    with torch.no_grad():
        joints, body25 = forward_model.joints_and_body25(x6d)
    # facing direction: the body's forward axis (+Z of the template) in the Z-up world
    forward = axis_angle_to_matrix(poses[:, 0])[:, :, 2]
    heading = torch.rad2deg(torch.atan2(forward[:, 1], forward[:, 0]))
    counts, _ = np.histogram(heading.numpy(), bins=8, range=(-180, 180))
    assert (counts > 0).all(), counts
    # depth ambiguity: wrists and ankles swing towards and away from the camera by tens of centimetres
    depth = forward_model.camera.to_camera(body25)[..., 2]
    centre = depth[:, BODY25_NAMES.index("mid_hip")]
    for name in ("left_wrist", "right_wrist", "left_ankle", "right_ankle"):
        relative = depth[:, BODY25_NAMES.index(name)] - centre
        assert relative.max() - relative.min() > 0.5, name
    # everything stays in view
    keypoints = forward_model.camera.project(body25)
    assert ((keypoints > 0) & (keypoints < 600)).all()
