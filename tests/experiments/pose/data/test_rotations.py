import numpy as np
import pytest
import torch
from scipy.spatial.transform import Rotation

from invdiff.experiments.pose.data import rotations as rot

ORDERS = ["XYZ", "XZY", "YXZ", "YZX", "ZXY", "ZYX"]


@pytest.fixture
def random_rotations():
    return Rotation.random(500, random_state=0)


def test_axis_angle_to_matrix_matches_scipy(random_rotations):
    aa = random_rotations.as_rotvec()
    ours = rot.axis_angle_to_matrix(torch.from_numpy(aa)).numpy()
    np.testing.assert_allclose(ours, random_rotations.as_matrix(), atol=1e-12)


def test_matrix_to_axis_angle_matches_scipy_including_near_pi():
    aa = Rotation.random(500, random_state=1).as_rotvec()
    axis = np.array([[0.0, 0.6, 0.8]])
    aa = np.concatenate([aa, axis * (np.pi - 1e-7), axis * 1e-9, np.zeros((1, 3))])
    ours = rot.matrix_to_axis_angle(torch.from_numpy(Rotation.from_rotvec(aa).as_matrix())).numpy()
    np.testing.assert_allclose(Rotation.from_rotvec(ours).as_matrix(), Rotation.from_rotvec(aa).as_matrix(),
                               atol=1e-9)
    np.testing.assert_allclose(ours[:500], aa[:500], atol=1e-9)  # scipy's rotvecs have angle <= pi too


def test_6d_is_first_two_columns_and_round_trips(random_rotations):
    matrices = torch.from_numpy(random_rotations.as_matrix())
    x6d = rot.matrix_to_rotation_6d(matrices)
    np.testing.assert_array_equal(x6d[:, :3].numpy(), random_rotations.as_matrix()[:, :, 0])
    np.testing.assert_array_equal(x6d[:, 3:].numpy(), random_rotations.as_matrix()[:, :, 1])
    np.testing.assert_allclose(rot.rotation_6d_to_matrix(x6d).numpy(), matrices.numpy(), atol=1e-12)
    aa = torch.from_numpy(random_rotations.as_rotvec())
    np.testing.assert_allclose(rot.rotation_6d_to_axis_angle(rot.axis_angle_to_rotation_6d(aa)).numpy(),
                               aa.numpy(), atol=1e-9)


def test_gram_schmidt_on_non_orthogonal_input():
    x6d = torch.tensor([[2.0, 0.0, 0.0, 1.0, 3.0, 0.0]], dtype=torch.float64)  # scaled, skewed columns
    matrix = rot.rotation_6d_to_matrix(x6d)[0]
    np.testing.assert_allclose(matrix.numpy(), np.eye(3), atol=1e-12)
    noisy = torch.randn(1000, 6, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    m = rot.rotation_6d_to_matrix(noisy)
    np.testing.assert_allclose((m.transpose(-1, -2) @ m).numpy(), np.broadcast_to(np.eye(3), m.shape), atol=1e-12)
    np.testing.assert_allclose(torch.linalg.det(m).numpy(), 1.0, atol=1e-12)
    # the first column keeps the first input's direction
    np.testing.assert_allclose(m[:, :, 0].numpy(), (noisy[:, :3] / noisy[:, :3].norm(dim=1, keepdim=True)).numpy(),
                               atol=1e-12)


def test_gradients_are_finite_including_identity():
    aa = torch.zeros(4, 3, dtype=torch.float64, requires_grad=True)
    with torch.no_grad():
        aa[1] = torch.tensor([1e-8, 0, 0])
        aa[2] = torch.tensor([0.3, -1.2, 2.0])
    rot.axis_angle_to_matrix(aa).sum().backward()
    assert torch.isfinite(aa.grad).all()
    x6d = torch.randn(8, 6, dtype=torch.float64, requires_grad=True)
    rot.rotation_6d_to_matrix(x6d).pow(2).sum().backward()
    assert torch.isfinite(x6d.grad).all()
    assert torch.autograd.gradcheck(rot.rotation_6d_to_matrix, (torch.randn(3, 6, dtype=torch.float64,
                                                                            requires_grad=True),))
    assert torch.autograd.gradcheck(rot.axis_angle_to_matrix, (torch.randn(3, 3, dtype=torch.float64,
                                                                           requires_grad=True),))


@pytest.mark.parametrize("order", ORDERS)
def test_euler_matches_scipy_intrinsic(order):
    angles = np.random.default_rng(0).uniform(-1.5, 1.5, size=(200, 3))
    ours = rot.euler_to_matrix(torch.from_numpy(angles), order).numpy()
    np.testing.assert_allclose(ours, Rotation.from_euler(order, angles).as_matrix(), atol=1e-12)
    back = rot.matrix_to_euler(torch.from_numpy(ours), order).numpy()
    np.testing.assert_allclose(back, angles, atol=1e-9)


def test_bad_euler_order():
    with pytest.raises(ValueError, match="permutation"):
        rot.euler_to_matrix(torch.zeros(3), "XXY")
