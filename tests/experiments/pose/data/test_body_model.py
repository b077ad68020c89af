"""The stand-in SMPL file through smplx, the reduced keypoint model, the camera and the forward model."""
import math

import numpy as np
import pytest
import torch

from invdiff.errors import ConfigError, MissingInputError
from invdiff.experiments.pose.data import body_model
from invdiff.experiments.pose.data.camera import Camera, focal_length
from invdiff.experiments.pose.data.config import BodyModelConfig, CameraConfig
from invdiff.experiments.pose.data.forward_model import PoseForwardModel, keypoints_to_pixels, keypoints_to_unit
from invdiff.experiments.pose.data.rotations import axis_angle_to_matrix, axis_angle_to_rotation_6d
from invdiff.experiments.pose.data.skeleton import BODY25_FROM_SMPLX, BODY25_NAMES, SMPL_JOINT_NAMES, smpl_rest_joints


@pytest.fixture(scope="module")
def smpl(tmp_path_factory):
    folder = tmp_path_factory.mktemp("body")
    info = body_model.prepare_body_model(BodyModelConfig(), folder)
    assert info.data_source == "synthetic"
    assert body_model.body_model_info(folder).path == folder / body_model.STANDIN_FILE
    return body_model.load_body_model(info.path)


@pytest.fixture(scope="module")
def keypoints_model(smpl):
    return body_model.BodyKeypoints(smpl)


def _pose(batch=1):
    return torch.zeros(batch, 24, 3)


def test_standin_has_smpl_topology(smpl):
    assert smpl.v_template.shape == (6890, 3)
    assert smpl.parents.tolist() == [-1, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 12, 13, 14, 16, 17, 18, 19, 20, 21]
    assert smpl.faces.max() < 6890


def test_zero_pose_gives_rest_joints(smpl, keypoints_model):
    out = smpl(global_orient=torch.zeros(1, 3), body_pose=torch.zeros(1, 69), betas=torch.zeros(1, 10))
    rest = smpl_rest_joints()
    np.testing.assert_allclose(out.joints[0, :24].detach().numpy(), rest, atol=1e-6)
    np.testing.assert_allclose(rest[0], [-0.0018, -0.2233, 0.0282], atol=1e-9)   # published pelvis
    np.testing.assert_allclose(rest[20], [0.6813, 0.2222, -0.0437], atol=1e-9)   # published left wrist
    joints, _ = keypoints_model(axis_angle_to_matrix(_pose()))
    np.testing.assert_allclose(joints[0].numpy(), rest, atol=1e-6)


def test_elbow_bend_moves_wrist_by_geometry(keypoints_model):
    """90° about the left elbow's -Y axis swings the forearm from +X (T-pose) to +Z (forward)."""
    rest = smpl_rest_joints()
    elbow, wrist = SMPL_JOINT_NAMES.index("left_elbow"), SMPL_JOINT_NAMES.index("left_wrist")
    pose = _pose()
    pose[0, elbow] = torch.tensor([0.0, -math.pi / 2, 0.0])
    joints, _ = keypoints_model(axis_angle_to_matrix(pose))
    forearm = rest[wrist] - rest[elbow]
    expected = rest[elbow] + np.array([forearm[2], forearm[1], forearm[0]]) * np.array([-1, 1, 1])
    np.testing.assert_allclose(joints[0, wrist].numpy(), expected, atol=1e-6)
    assert joints[0, wrist, 2] - rest[elbow][2] == pytest.approx(np.linalg.norm(forearm[[0, 2]]), abs=0.01)
    np.testing.assert_allclose(joints[0, :elbow].numpy(), rest[:elbow], atol=1e-6)  # nothing upstream moves


def test_reduced_model_matches_full_smplx_and_prohmr_order(smpl, keypoints_model):
    aa = 0.6 * torch.randn(7, 24, 3, generator=torch.Generator().manual_seed(0))
    out = smpl(global_orient=aa[:, 0], body_pose=aa[:, 1:].reshape(7, -1), betas=torch.zeros(7, 10))
    joints, body25 = keypoints_model(axis_angle_to_matrix(aa))
    np.testing.assert_allclose(joints.numpy(), out.joints[:, :24].detach().numpy(), atol=1e-5)
    np.testing.assert_allclose(body25.numpy(), out.joints[:, list(BODY25_FROM_SMPLX)].detach().numpy(), atol=1e-5)
    # BODY_25 semantics: the joints that are SMPL joints are the right ones
    for name, smpl_name in [("neck", "neck"), ("right_shoulder", "right_shoulder"), ("left_wrist", "left_wrist"),
                            ("mid_hip", "pelvis"), ("right_knee", "right_knee"), ("left_ankle", "left_ankle")]:
        np.testing.assert_allclose(body25[:, BODY25_NAMES.index(name)].numpy(),
                                   joints[:, SMPL_JOINT_NAMES.index(smpl_name)].numpy(), atol=1e-6)


def test_landmarks_sit_where_anatomy_puts_them(keypoints_model):
    _, body25 = keypoints_model(axis_angle_to_matrix(_pose()))
    p = {n: body25[0, i].numpy() for i, n in enumerate(BODY25_NAMES)}
    assert p["nose"][1] > p["neck"][1] and p["nose"][2] > p["neck"][2]          # above and in front
    assert p["left_eye"][0] > 0 > p["right_eye"][0]                            # +X is the body's left
    assert p["left_big_toe"][2] > p["left_ankle"][2] > p["left_heel"][2]       # toes forward, heel behind
    assert p["left_heel"][1] < p["left_ankle"][1]


def test_licensed_file_errors(tmp_path):
    with pytest.raises(MissingInputError, match="body_model.path: .*smpl.is.tue.mpg.de"):
        body_model.prepare_body_model(BodyModelConfig(path=str(tmp_path / "SMPL_NEUTRAL.pkl")), tmp_path / "out")
    bad = tmp_path / "SMPL_NEUTRAL.pkl"
    bad.write_bytes(b"not a pickle")
    with pytest.raises(ConfigError, match="not a readable SMPL model file"):
        body_model.prepare_body_model(BodyModelConfig(path=str(bad)), tmp_path / "out")
    npz = tmp_path / "SMPL_NEUTRAL.npz"
    np.savez(npz, v_template=np.zeros((10, 3)))
    with pytest.raises(ConfigError, match="missing"):
        body_model.load_body_model(npz)


def test_npz_model_loads_like_pickle(tmp_path, keypoints_model):
    from invdiff.experiments.pose.data.standin_body import build_standin_model

    arrays = build_standin_model()
    arrays["J_regressor"] = arrays["J_regressor"].toarray()
    np.savez(tmp_path / "SMPL_NEUTRAL.npz", **arrays)
    info = body_model.prepare_body_model(BodyModelConfig(path=str(tmp_path / "SMPL_NEUTRAL.npz")), tmp_path / "o")
    assert info.data_source == "real"  # a user-supplied file is taken at its word
    other = body_model.BodyKeypoints(body_model.load_body_model(tmp_path / "o" / "SMPL_NEUTRAL.npz"))
    rotmats = axis_angle_to_matrix(0.5 * torch.randn(3, 24, 3))
    np.testing.assert_allclose(other(rotmats)[1].numpy(), keypoints_model(rotmats)[1].numpy(), atol=1e-6)


# ---------------------------------------------------------------- camera
def test_focal_length_of_the_authors_setup():
    assert focal_length(600, 45.0) == pytest.approx(724.264, abs=1e-3)


def test_projection_of_known_points():
    cam = Camera(CameraConfig(), torch.zeros(3))
    assert cam.project(torch.zeros(1, 3)).numpy() == pytest.approx(np.array([[300.0, 300.0]]), abs=1e-4)
    forward = -torch.tensor([2.0, 2.0, 1.0]) / 3
    right = torch.tensor([-1.0, 1.0, 0.0]) / math.sqrt(2)
    # a point 0.1 m to the camera's right at the target's depth (3 m) lands f * 0.1 / 3 px right of centre
    uv = cam.project((0.1 * right)[None])[0]
    assert uv[0].item() == pytest.approx(300 + 724.264 * 0.1 / 3, abs=1e-3)
    assert uv[1].item() == pytest.approx(300, abs=1e-4)
    above = cam.project(torch.tensor([[0.0, 0.0, 0.2]]))[0]
    assert above[1] < 300  # world up is image up
    depth = cam.to_camera(torch.zeros(1, 3))[0, 2].item()
    assert depth == pytest.approx(3.0, abs=1e-6)
    assert torch.allclose(cam.rotation[2], forward, atol=1e-6)


def test_camera_rejects_degenerate_setups():
    with pytest.raises(ConfigError, match="camera.up"):
        Camera(CameraConfig(offset=[0.0, 0.0, 2.0]), torch.zeros(3))
    with pytest.raises(ConfigError, match="camera.offset"):
        Camera(CameraConfig(offset=[0.0, 0.0, 0.0]), torch.zeros(3))


# ---------------------------------------------------------------- forward model
def test_forward_model_is_batched_and_differentiable(keypoints_model):
    model = PoseForwardModel(keypoints_model, CameraConfig())
    aa = torch.zeros(2, 3, 24, 3)
    aa[..., 0, 0] = math.pi / 2  # stand up in AMASS's Z-up world
    x6d = axis_angle_to_rotation_6d(aa).reshape(2, 3, 144).requires_grad_(True)
    keypoints = model(x6d)
    assert keypoints.shape == (2, 3, 25, 2)
    centre = keypoints[0, 0, BODY25_NAMES.index("mid_hip")].detach().numpy()
    np.testing.assert_allclose(centre, [300.0, 300.0], atol=1e-3)  # the camera looks at the body centre
    head, feet = keypoints[0, 0, 0, 1].item(), keypoints[0, 0, BODY25_NAMES.index("left_heel"), 1].item()
    assert head < 300 < feet  # upright in the image
    keypoints.sum().backward()
    assert torch.isfinite(x6d.grad).all() and x6d.grad.abs().sum() > 0
    with pytest.raises(ValueError, match="144"):
        model(torch.zeros(2, 72))


def test_unit_keypoints_round_trip():
    px = torch.tensor([[0.0, 600.0], [300.0, 150.0]])
    unit = keypoints_to_unit(px, 600)
    assert unit.tolist() == [[-1.0, 1.0], [0.0, -0.5]]
    assert torch.equal(keypoints_to_pixels(unit, 600), px)
