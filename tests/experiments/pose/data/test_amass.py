"""AMASS loading on small npz files written here: both pose widths, both frame-rate keys, and bad files."""
import logging

import numpy as np
import pytest

from invdiff.errors import MissingInputError
from invdiff.experiments.pose.data import amass


def _write(root, rel, **arrays):
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **arrays)
    return path


def _sequence(frames=10, width=156, rate_key="mocap_framerate", fps=120.0, seed=0):
    poses = np.random.default_rng(seed).normal(0, 0.3, (frames, width))
    return {"poses": poses, "trans": np.zeros((frames, 3)), "betas": np.zeros(16), "gender": np.array("male"),
            rate_key: np.array(fps)}


def test_smplh_file_keeps_body_and_zeroes_hands(tmp_path):
    arrays = _sequence(width=156)
    path = _write(tmp_path, "CMU/01/01_01_poses.npz", **arrays)
    seq = amass.load_sequence(path, tmp_path)
    assert seq.name == "CMU/01/01_01_poses" and seq.subset == "CMU" and seq.fps == 120.0
    assert seq.poses.shape == (10, 24, 3)
    np.testing.assert_array_equal(seq.poses[:, :22].reshape(10, -1), arrays["poses"][:, :66])
    assert not seq.poses[:, 22:].any()  # SMPL+H finger columns are not SMPL hands


def test_smpl_72_file_and_old_frame_rate_key(tmp_path):
    arrays = _sequence(width=72, rate_key="mocap_frame_rate", fps=60.0)
    seq = amass.load_sequence(_write(tmp_path, "SFU/0005/walk_poses.npz", **arrays), tmp_path)
    assert seq.fps == 60.0
    np.testing.assert_array_equal(seq.poses[:, :22].reshape(10, -1), arrays["poses"][:, :66])
    assert not seq.poses[:, 22:].any()


@pytest.mark.parametrize("change, message", [
    ({"poses": None}, "no 'poses' array"),
    ({"mocap_framerate": None}, "no frame rate"),
    ({"poses": np.zeros((10, 99))}, r"'poses' must be \[N, 156\]"),
    ({"poses": np.zeros((10,))}, r"'poses' must be \[N, 156\]"),
    ({"poses": np.where(np.arange(156) == 5, np.nan, 0.0) * np.ones((10, 1))}, "10 of 10 frames contain NaN"),
    ({"mocap_framerate": np.array(0.0)}, "frame rate must be a positive number"),
])
def test_bad_files_name_the_file_and_the_fault(tmp_path, change, message):
    arrays = _sequence()
    for key, value in change.items():
        if value is None:
            del arrays[key]
        else:
            arrays[key] = value
    path = _write(tmp_path, "KIT/3/bad_poses.npz", **arrays)
    with pytest.raises(amass.BadSequenceError, match=f"KIT/3/bad_poses.npz: {message}"):
        amass.load_sequence(path, tmp_path)


def test_truncated_file(tmp_path):
    path = _write(tmp_path, "KIT/3/cut_poses.npz", **_sequence())
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(amass.BadSequenceError, match="unreadable npz"):
        amass.load_sequence(path, tmp_path)


def test_scan_skips_with_counts_or_errors(tmp_path, caplog):
    _write(tmp_path, "CMU/01/a_poses.npz", **_sequence(seed=1))
    _write(tmp_path, "CMU/01/b_poses.npz", **{**_sequence(), "poses": np.zeros((4, 10))})
    _write(tmp_path, "CMU/01/shape.npz", betas=np.zeros(16))  # AMASS ships these beside the motions: ignored
    with caplog.at_level(logging.WARNING, logger="invdiff"):
        sequences, skipped = amass.scan(tmp_path, "skip")
    assert [s.name for s in sequences] == ["CMU/01/a_poses"]
    assert len(skipped) == 1 and skipped[0]["file"] == "CMU/01/b_poses.npz"
    assert "skipped 1 of 2 files" in caplog.text
    with pytest.raises(amass.BadSequenceError, match="b_poses.npz.*on_bad_file: skip"):
        amass.scan(tmp_path, "error")


def test_missing_or_empty_root(tmp_path):
    with pytest.raises(MissingInputError, match="amass.root: .* is not a directory.*amass.is.tue.mpg.de"):
        amass.scan(tmp_path / "nope")
    (tmp_path / "CMU" / "01").mkdir(parents=True)
    with pytest.raises(MissingInputError, match="no <Subset>/<subject>/\\*_poses.npz"):
        amass.scan(tmp_path)
    _write(tmp_path, "CMU/01/b_poses.npz", **{**_sequence(), "poses": np.zeros((4, 10))})
    with pytest.raises(MissingInputError, match="none of the 1 files"):
        amass.scan(tmp_path)


def test_vposer_split_convention():
    from invdiff.experiments.pose.data.config import AmassSplitsConfig

    splits = AmassSplitsConfig()
    assert amass.split_of("HumanEva", splits.val, splits.test) == "val"
    assert amass.split_of("SSM_synced", splits.val, splits.test) == "test"
    assert amass.split_of("CMU", splits.val, splits.test) == "train"


@pytest.mark.parametrize("source_fps, frames, expected", [
    (120.0, 13, [0, 4, 8, 12]),
    (30.0, 4, [0, 1, 2, 3]),
    (100.0, 11, [0, 3, 7, 10]),  # 100 -> 30: nearest frames to 0, 1/30, 2/30, 3/30 s
    (60.0, 1, [0]),
])
def test_resample_to_target_fps(source_fps, frames, expected):
    assert amass.resample_indices(frames, source_fps, 30.0).tolist() == expected
