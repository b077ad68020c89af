"""Panel data against exact answers: rotations by quarter turns are exact pixel permutations, every frame is its
digit at start + t·step, and the hopper is MuJoCo itself (stepped by hand), deterministic in the seed, and a
passive body that only loses energy."""
import math

import mujoco
import numpy as np
import pytest
import torch

from invdiff.experiments.panel import hopper, rotmnist


def _digit(seed=0):
    rng = np.random.default_rng(seed)
    image = np.zeros((28, 28))
    image[6:22, 9:19] = rng.uniform(0, 255, size=(16, 10))  # an asymmetric blob: every turn looks different
    return image


@pytest.mark.parametrize("quarter_turns", [0, 1, 2, 3, -1])
def test_quarter_turns_are_exact_and_counter_clockwise(quarter_turns):
    image = _digit()
    turned = rotmnist.rotate(torch.from_numpy(image)[None], torch.tensor([quarter_turns * math.pi / 2],
                                                                         dtype=torch.float64))[0]
    np.testing.assert_allclose(turned.numpy(), np.rot90(image, quarter_turns), atol=1e-9)


def test_a_turn_keeps_the_ink_and_turning_back_returns():
    y, x = np.mgrid[0:28, 0:28]
    smooth = 255 * np.exp(-((x - 11) ** 2 / 18 + (y - 15) ** 2 / 8))  # a smooth off-centre stroke
    image = torch.from_numpy(smooth)[None]
    turned = rotmnist.rotate(image, torch.tensor([0.4], dtype=torch.float64))
    assert abs(turned.sum() / image.sum() - 1) < 0.01  # bilinear resampling conserves mass away from the border
    back = rotmnist.rotate(turned, torch.tensor([-0.4], dtype=torch.float64))
    assert (back - image).abs().mean() < 0.05 * image.mean()  # two resamplings blur a little, no more


def test_sequences_turn_each_digit_by_its_start_and_step_angles():
    digits = np.stack([_digit(s) for s in range(5)]).round().astype(np.uint8)
    made = rotmnist.make_sequences(digits, 40, 7, math.pi / 2, math.pi / 4, np.random.default_rng(0))
    assert made["frames"].shape == (40, 7, 28, 28) and made["frames"].dtype == np.uint8
    assert np.abs(made["start_angle"]).max() <= math.pi / 2 and np.abs(made["step_angle"]).max() <= math.pi / 4
    assert made["start_angle"].std() > 0.5 and made["step_angle"].std() > 0.25  # spread over the ranges
    i, t = 3, 5
    angle = torch.tensor([made["start_angle"][i] + t * made["step_angle"][i]], dtype=torch.float64)
    expected = rotmnist.rotate(torch.from_numpy(digits[made["digit"][i]]).double()[None], angle)[0]
    assert np.abs(made["frames"][i, t].astype(float) - expected.numpy()).max() <= 0.5 + 1e-3  # rounding only
    again = rotmnist.make_sequences(digits, 40, 7, math.pi / 2, math.pi / 4, np.random.default_rng(0))
    assert all(np.array_equal(made[key], again[key]) for key in made)


def test_hopper_is_mujoco_stepped_by_hand():
    model = hopper.load_model()
    assert (model.nq, model.nv) == (7, 7) and model.opt.timestep == 0.005
    initial = hopper.initial_states(3, 2.0, np.random.default_rng(0))
    states = hopper.simulate(model, initial, observations=4, substeps=5)
    data = mujoco.MjData(model)
    for i in range(3):
        mujoco.mj_resetData(model, data)
        data.qpos[:], data.qvel[:] = initial[i, :7], initial[i, 7:]
        mujoco.mj_forward(model, data)
        np.testing.assert_array_equal(states[i, 0], initial[i])
        for t in range(1, 4):
            for _ in range(5):
                mujoco.mj_step(model, data)
            np.testing.assert_allclose(states[i, t], np.concatenate([data.qpos, data.qvel]), rtol=0, atol=1e-12)


def test_hopper_initial_states_ranges_and_determinism():
    states = hopper.initial_states(4000, 2.0, np.random.default_rng(1))
    assert states.shape == (4000, 14)
    assert (states[:, :2] >= 0).all() and (states[:, :2] <= 0.5).all()  # root x, z: the torso above the floor
    assert np.abs(states[:, 2:]).max() <= 2.0 and np.abs(states[:, 2:]).min(0).max() < 0.01
    model = hopper.load_model()
    first = hopper.simulate(model, hopper.initial_states(5, 2.0, np.random.default_rng(7)), 6, 10)
    again = hopper.simulate(model, hopper.initial_states(5, 2.0, np.random.default_rng(7)), 6, 10)
    other = hopper.simulate(model, hopper.initial_states(5, 2.0, np.random.default_rng(8)), 6, 10)
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, other)
    assert np.isfinite(first).all()


def test_a_passive_hopper_only_loses_energy():
    """Dropped from rest (joints within their limits), the unactuated hopper falls and settles: damping and ground
    contact dissipate, so its energy ends far below the start and never rises by more than contact softness."""
    model = hopper.load_model()
    initial = np.zeros((3, 14))
    initial[:, 1] = [0.0, 0.3, 0.5]  # root height offsets
    initial[:, 5] = 0.5              # knee inside its 5-150 degree range
    states = hopper.simulate(model, initial, 40, 10)
    energy = hopper.mechanical_energy(model, states)
    assert (energy[:, -1] < 0.5 * energy[:, 0]).all()
    assert (np.diff(energy, axis=1) < 0.01 * energy[:, :1]).all()


def test_make_writes_every_split_from_the_right_digits(tmp_path):
    from helpers.project import at_project
    from invdiff.experiments.panel import data as panel
    from invdiff.experiments.panel.config import PanelDataConfig

    rng = np.random.default_rng(0)
    (tmp_path / "data/raw/mnist").mkdir(parents=True)
    for split, n in (("train", 50), ("test", 20)):
        np.savez(tmp_path / f"data/raw/mnist/{split}.npz", images=rng.integers(0, 256, (n, 28, 28), dtype=np.uint8),
                 labels=rng.integers(0, 10, n))
    cfg = PanelDataConfig.model_validate({"rotmnist": {"train": 30, "val": 6, "test": 8, "steps": 4,
                                                       "val_digit_fraction": 0.2},
                                          "hopper": {"train": 5, "val": 2, "test": 3, "observations": 3}})
    with at_project(tmp_path):
        stats = panel.make(cfg, "bundled", seed=0)
        splits = {s: panel.load_split("rotmnist", s) for s in panel.SPLITS}
        states = {s: panel.load_split("hopper", s)["states"] for s in panel.SPLITS}
    assert {s: len(splits[s]["frames"]) for s in panel.SPLITS} == {"train": 30, "val": 6, "test": 8}
    assert {s: states[s].shape for s in panel.SPLITS} == {"train": (5, 3, 14), "val": (2, 3, 14), "test": (3, 3, 14)}
    # val sequences use train digits never used for training; test sequences use the test digits
    assert not set(splits["val"]["digit"]) & set(splits["train"]["digit"])
    with np.load(tmp_path / "data/raw/mnist/test.npz") as test:
        for i in range(8):
            first = splits["test"]["frames"][i, 0].astype(float)
            angle = torch.tensor([float(splits["test"]["start_angle"][i])], dtype=torch.float64)
            expected = rotmnist.rotate(torch.from_numpy(test["images"][splits["test"]["digit"][i]]).double()[None],
                                       angle)[0].numpy()
            assert np.abs(first - expected).max() <= 0.5 + 1e-3
            assert splits["test"]["label"][i] == test["labels"][splits["test"]["digit"][i]]
    train_states = states["train"].reshape(-1, 14)
    np.testing.assert_allclose(stats["hopper"]["state_mean"], train_states.mean(0), atol=1e-5)
    assert stats["hopper"]["observation_interval_ms"] == 50.0
