import numpy as np
import pytest
import torch

from invdiff.experiments.pose import metrics as pm


def test_pixel_alignment_error_and_trimmed_mean_exact():
    true = torch.zeros(2, 25, 2)
    pred = torch.zeros(2, 3, 25, 2)
    pred[0, 0, 0, 0] = 60.0  # one coordinate off by 60 px on a 600 px image
    errors = pm.keypoint_abs_errors(true, pred, 600)
    assert pm.pixel_alignment_error(true, pred, 600) == pytest.approx(0.1 / errors.numel())
    values = torch.arange(100, dtype=torch.float64)
    assert pm.trimmed_mean(values, 0.98) == pytest.approx(np.mean(np.arange(98)))


def test_mpjpe_is_root_aligned_and_min_of_k_picks_the_best():
    truth = torch.randn(2, 24, 3)
    shifted = truth[:, None].repeat(1, 2, 1, 1) + torch.tensor([5.0, -3.0, 1.0])  # same pose, moved
    shifted[:, 1, 5] += torch.tensor([0.024, 0.0, 0.0])  # sample 1: one joint 24 mm off
    mpjpe = pm.per_sample_mpjpe_mm(truth, shifted)
    torch.testing.assert_close(mpjpe[:, 0], torch.zeros(2), atol=1e-3, rtol=0)
    torch.testing.assert_close(mpjpe[:, 1], torch.full((2,), 1.0), atol=1e-3, rtol=0)  # 24 mm / 24 joints


def test_diversity_of_known_configurations():
    base = torch.zeros(1, 3, 24, 3)
    base[0, 1, 1:] += torch.tensor([0.0, 0.0, 0.01])   # sample 1: every non-root joint 10 mm away
    base[0, 2, 1:] += torch.tensor([0.0, 0.0, -0.01])  # sample 2: 10 mm the other way
    # pairwise MPJPE: (0,1) and (0,2): 10 * 23/24 mm; (1,2): 20 * 23/24 mm; mean over the 3 pairs
    assert pm.diversity_mm(base) == pytest.approx((10 + 10 + 20) / 3 * 23 / 24, rel=1e-5)
    with pytest.raises(ValueError):
        pm.diversity_mm(base[:, :1])


def test_pose_metrics_of_the_ground_truth_are_zero():
    from invdiff.experiments.pose.data.rotations import axis_angle_to_matrix

    rot = axis_angle_to_matrix(torch.zeros(4, 2, 24, 3))
    kp = torch.rand(4, 25, 2) * 600
    joints = torch.randn(4, 24, 3)
    row = pm.pose_metrics(kp, kp[:, None].repeat(1, 2, 1, 1), joints, joints[:, None].repeat(1, 2, 1, 1), rot, 600)
    assert set(row) == set(pm.METRIC_KEYS)
    assert all(row[k] == pytest.approx(0.0, abs=1e-4) for k in row)
