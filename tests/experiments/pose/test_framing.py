"""Framing: keypoints of any image framing, with joints missing, mapped to the training camera's frame.

Checked against exact answers: similarity fits recover a known scale and shift; for keypoints that are an exact
linear function of a few latent factors the Gaussian fill recovers dropped joints and the size regression the
scale; with an oracle model (its samples project exactly to the true canonical keypoints) the framing of the
OpenPose test files is recovered."""
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from invdiff.errors import ConfigError, MissingInputError
from invdiff.experiments.pose import framing as fr
from invdiff.experiments.pose.keypoint_files import read_keypoint_inputs

OPENPOSE = Path(__file__).resolve().parents[2] / "data" / "openpose"
DATA = OPENPOSE / "frames"
TRUTH = json.loads((OPENPOSE / "truth.json").read_text())


def _bank(n=400, seed=0):
    """Training-like canonical keypoints: the mid-hip fixed at (300, 300), the rest scattered around a skeleton."""
    g = torch.Generator().manual_seed(seed)
    base = torch.tensor([[TRUTH[0]["camera_keypoints"], TRUTH[1]["camera_keypoints"], TRUTH[2]["camera_keypoints"]]]
                        ).squeeze(0)
    bank = base[torch.randint(0, 3, (n,), generator=g)] + 3 * torch.randn(n, 25, 2, generator=g)
    bank[:, fr.MID_HIP] = torch.tensor([300.0, 300.0])
    return bank


def test_framing_maps_back_and_forth():
    f = fr.Framing(torch.tensor([0.5, 2.0]), torch.tensor([[10.0, 20.0], [300.0, 100.0]]), torch.tensor([300., 300.]))
    c = torch.rand(2, 3, 25, 2) * 600
    torch.testing.assert_close(f.to_canonical(f.to_user(c)), c, rtol=1e-5, atol=1e-3)
    torch.testing.assert_close(f.to_user(c)[1, 0, fr.MID_HIP] - torch.tensor([300.0, 100.0]),
                               2.0 * (c[1, 0, fr.MID_HIP] - torch.tensor([300.0, 300.0])))


def test_nearest_training_poses_give_scale_and_root_of_a_reframed_input():
    bank = _bank()
    shift = torch.tensor([[5.0, 9.0], [0, 0], [-80, 40]])
    truth = bank[:3] * torch.tensor([0.7, 1.0, 1.3])[:, None, None] + shift[:, None]
    present = torch.ones(3, 25, dtype=torch.bool)
    present[2, fr.MID_HIP] = False  # its root must come from the fit
    f = fr.initial_framing(truth, present, fr.KeypointPrior(bank, neighbours=1))
    torch.testing.assert_close(f.scale, torch.tensor([0.7, 1.0, 1.3]), rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(f.to_canonical(truth), bank[:3], rtol=1e-4, atol=1e-2)


def _latent_bank(n, seed=0, factors=3):
    """Keypoints an exact linear function of ``factors`` latent variables (the mid-hip fixed at (300, 300)):
    [n, 25, 2], with the function (base, directions) to make more."""
    g = torch.Generator().manual_seed(seed)
    base = torch.tensor(TRUTH[0]["camera_keypoints"])
    directions = 10 * torch.randn(factors, 25, 2, generator=g)
    directions[:, fr.MID_HIP] = 0.0

    def make(z):
        return base + torch.einsum("nf,fkc->nkc", z, directions)
    return make(torch.randn(n, factors, generator=g)).double(), make


def test_gaussian_fill_recovers_dropped_joints_of_an_exactly_linear_body():
    bank, make = _latent_bank(500)
    prior = fr.KeypointPrior(bank)
    truth = make(torch.tensor([[1.5, -2.0, 0.3], [0.2, 0.1, -1.0]])).double()
    present = torch.ones(2, 25, dtype=torch.bool)
    present[0, [4, 7, fr.MID_HIP]] = False  # wrists and the (fixed) mid-hip
    filled = prior.impute(torch.where(present[..., None], truth, torch.zeros(1, dtype=truth.dtype)), present)
    torch.testing.assert_close(filled, truth, rtol=0, atol=1e-3)  # the present joints pin the 3 factors
    assert prior.impute(truth, torch.ones(2, 25, dtype=torch.bool)).equal(truth)


def test_size_regression_reads_the_scale_off_the_shape():
    bank, make = _latent_bank(3000, factors=4)
    prior = fr.KeypointPrior(bank)
    canonical = make(torch.randn(5, 4, generator=torch.Generator().manual_seed(1))).double()
    _, log_size = fr.shape_and_size(canonical)
    torch.testing.assert_close(prior.sizes.size(canonical), log_size.exp(), rtol=2e-3, atol=0)
    scale = torch.tensor([0.6, 0.8, 1.0, 1.25, 1.4], dtype=torch.float64)
    root = torch.tensor([[50.0, 80.0], [300, 300], [420, 100], [0, 0], [250, 390]], dtype=torch.float64)
    user = (canonical - 300.0) * scale[:, None, None] + root[:, None]
    present = torch.ones(5, 25, dtype=torch.bool)
    present[1, [4, 11]] = False
    start = fr.Framing(torch.ones(5, dtype=torch.float64), root, torch.tensor([300.0, 300.0], dtype=torch.float64))
    torch.testing.assert_close(fr.estimate_scale(user, present, prior, start).scale, scale, rtol=3e-3, atol=0)


def _oracle(truth_canonical, seen=None):
    """A perfect pose model: whatever it is conditioned on, its samples project to the true canonical keypoints
    of that input (the one nearest on the present joints). ``seen`` collects the present masks it is given."""
    def sample(canonical, present, k):
        if seen is not None:
            seen.append(present)
        distance = ((canonical[:, None] - truth_canonical[None]).norm(dim=-1) * present[:, None]).sum(-1)
        return truth_canonical[distance.argmin(1)][:, None].expand(-1, k, -1, -1)
    return sample


def test_the_framing_of_the_test_files_is_recovered_with_a_perfect_model():
    inputs = read_keypoint_inputs(DATA)
    user = torch.from_numpy(np.nan_to_num(inputs.keypoints))
    present = torch.from_numpy(inputs.present)
    present[0, fr.MID_HIP] = False  # its root must be searched for, with the model
    camera = torch.tensor([t["camera_keypoints"] for t in TRUTH])
    prior = fr.KeypointPrior(_bank())
    scales = torch.tensor([t["scale"] for t in TRUTH])
    seen = []
    canonical, f = fr.frame(_oracle(camera, seen), user, present, prior)
    torch.testing.assert_close(f.scale, scales, rtol=0.01, atol=0)
    predicted = f.to_user(camera[:, None])
    alignment = fr.masked_alignment(user, predicted, present, f, 600)
    assert (alignment < 0.004).all(), alignment
    # missing joints are filled, and the model searching a root is told which are missing (the mid-hip always
    # counts: the framing pins it)
    assert torch.isfinite(canonical).all() and canonical[2, [7, 11]].sub(camera[2, [7, 11]]).abs().max() < 30
    assert seen and all(mask[:, fr.MID_HIP].all() for mask in seen)


def test_alignment_counts_present_joints_in_training_camera_pixels():
    user = torch.zeros(1, 25, 2)
    predicted = torch.zeros(1, 2, 25, 2)
    predicted[0, :, 3] = 50.0    # a present joint 50 px off in both coordinates, in every sample
    predicted[0, :, 7] = 999.0   # a missing joint: not counted
    present = torch.ones(1, 25, dtype=torch.bool)
    present[0, 7] = False
    f = fr.Framing(torch.tensor([2.0]), torch.zeros(1, 2), torch.zeros(2))
    expected = 50.0 / 2.0 / 24 / 600  # one of 24 present joints, halved by the framing scale
    torch.testing.assert_close(fr.masked_alignment(user, predicted, present, f, 600),
                               torch.full((1, 2), expected))
    assert fr.outlying_joints(user[0], predicted[0], present[0], torch.tensor(2.0), limit_px=30) == [3]


def test_openpose_files_every_person_missing_joints_and_labels():
    inputs = read_keypoint_inputs(DATA)
    assert inputs.labels == ["frame_000000_keypoints.json person 0", "frame_000001_keypoints.json person 0",
                             "frame_000001_keypoints.json person 1"]
    assert inputs.present[:2].all() and sorted(np.flatnonzero(~inputs.present[2])) == [7, 11]
    assert np.isnan(inputs.keypoints[2, 7]).all()
    raw = json.loads((DATA / "frame_000001_keypoints.json").read_text())["people"][0]["pose_keypoints_2d"]
    np.testing.assert_allclose(inputs.keypoints[1].flatten(), np.asarray(raw).reshape(25, 3)[:, :2].flatten(),
                               rtol=1e-6)
    assert read_keypoint_inputs(DATA / "frame_000001_keypoints.json", confidence_threshold=0.01).present[1, 11]


@pytest.mark.parametrize("payload, message", [
    ({"people": [{"pose_keypoints_2d": [1.0] * 54}]}, r"person 0: pose_keypoints_2d must hold 75 numbers .*got 54"),
    ({"people": "x"}, "without a 'people' list"),
    ({"people": []}, "holds no person"),
    ({"people": [{"pose_keypoints_2d": [0.0] * 75}]}, "has 0 of 25 joints"),
    ({"keypoints": [[1.0, 2.0]] * 24}, r"expected \[N, 25, 2\] or \[25, 2\].*got \[1, 24, 2\]"),
    ({"points": []}, "neither OpenPose JSON"),
])
def test_bad_files_name_the_file_and_the_problem(tmp_path, payload, message):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(payload))
    with pytest.raises(ConfigError, match=message) as err:
        read_keypoint_inputs(path)
    assert "bad.json" in str(err.value)


def test_missing_or_empty_inputs(tmp_path):
    with pytest.raises(MissingInputError, match="nope.json does not exist"):
        read_keypoint_inputs(tmp_path / "nope.json")
    with pytest.raises(ConfigError, match="holds no .json or .npz files"):
        read_keypoint_inputs(tmp_path)
    (tmp_path / "x.txt").write_text("{}")
    with pytest.raises(ConfigError, match="must be .json"):
        read_keypoint_inputs(tmp_path / "x.txt")
