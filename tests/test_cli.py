"""`invdiff sample-pose`: good input in both formats, and a clear one-line error for each bad input."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from helpers.pose_workspace import build_pose_workspace
from helpers.project import at_project
from invdiff import cli
from invdiff.errors import ConfigError


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """A project with trained tiny pose models (the MLP is the default) and its params.yaml; the CLI finds it
    through INVDIFF_ROOT."""
    root = tmp_path_factory.mktemp("cliws")
    params = build_pose_workspace(root)
    from ruamel.yaml import YAML

    from helpers.params import tiny_raw

    with open(root / "params.yaml", "w") as handle:
        YAML().dump(tiny_raw(), handle)
    keypoints = np.load(root / "data/processed/pose/val.npz")["keypoints"][:2]
    with at_project(root):
        yield root, params, keypoints


def _run(root, monkeypatch, *args):
    """The command with every file argument (a bare name) placed in the project folder."""
    return cli.main(["sample-pose", *(str(root / a) if a.endswith((".json", ".npz", ".png", ".ckpt")) else a
                                      for a in args)])


def test_json_single_input_with_plot(workspace, monkeypatch, capsys):
    root, _, keypoints = workspace
    (root / "kp.json").write_text(json.dumps({"keypoints": keypoints[0].tolist()}))
    assert _run(root, monkeypatch, "--keypoints", "kp.json", "--num", "3", "--w", "1.5", "--out", "out.npz",
                "--plot", "out.png") == 0
    with np.load(root / "out.npz") as out:
        assert out["x6d"].shape == (1, 3, 144) and out["axis_angle"].shape == (1, 3, 24, 3)
        assert out["joints3d"].shape == (1, 3, 24, 3) and out["keypoints_pred"].shape == (1, 3, 25, 2)
        assert out["alignment_error"].shape == (1, 3) and (out["alignment_error"] >= 0).all()
        scale = out["framing_scale"][:, None, None, None]
        expected = (np.abs(out["keypoints_pred"] - keypoints[0][None, None]) / scale).mean((-1, -2)) / 600
        np.testing.assert_allclose(out["alignment_error"], expected, rtol=1e-4)
        assert str(out["arch"]) == "mlp" and float(out["w"]) == 1.5 and out["present"].all()
    assert (root / "out.png").stat().st_size > 0
    assert "1 input(s) x 3 poses" in capsys.readouterr().out


def test_npz_batch_input(workspace, monkeypatch):
    root, _, keypoints = workspace
    np.savez(root / "kp.npz", keypoints=keypoints)
    assert _run(root, monkeypatch, "--keypoints", "kp.npz", "--num", "2", "--out", "batch.npz") == 0
    assert np.load(root / "batch.npz")["x6d"].shape == (2, 2, 144)


@pytest.mark.parametrize("payload, message", [
    ({"keypoints": [[1.0, 2.0]] * 24}, r"expected \[N, 25, 2\] or \[25, 2\].*got \[1, 24, 2\]"),
    ({"points": []}, "is neither OpenPose JSON"),
    ({"keypoints": [[float("inf"), 2.0]] + [[1.0, 2.0]] * 24}, r"keypoint 0 \(nose\) is infinite"),
    ({"people": [{"pose_keypoints_2d": [1.0] * 72}]}, r"person 0: pose_keypoints_2d must hold 75 numbers"),
    (("camera", {"keypoints": [[1.0, 2.0]] * 3 + [[float("nan"), 2.0]] + [[1.0, 2.0]] * 21}),
     r"keypoint 3 \(right_elbow\) is missing; --framing camera needs every joint"),
    (("camera", {"keypoints": [[700.0, 2.0]] + [[1.0, 2.0]] * 24}),
     "keypoint 0 at \\[700.0, 2.0\\] lies outside the 600x600"),
])
def test_bad_keypoints(workspace, monkeypatch, capsys, payload, message):
    root, _, _ = workspace
    framing, payload = payload if isinstance(payload, tuple) else ("auto", payload)
    (root / "bad.json").write_text(json.dumps(payload))
    assert _run(root, monkeypatch, "--keypoints", "bad.json", "--out", "bad.npz", "--framing", framing) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    import re

    assert re.search(message, err), err
    assert not (root / "bad.npz").exists()


def test_missing_files_and_wrong_checkpoint(workspace, monkeypatch, capsys):
    root, _, keypoints = workspace
    np.savez(root / "kp.npz", keypoints=keypoints)
    assert _run(root, monkeypatch, "--keypoints", "nope.json", "--out", "o.npz") == 2
    assert "nope.json does not exist" in capsys.readouterr().err
    assert _run(root, monkeypatch, "--keypoints", "kp.npz", "--checkpoint", "missing.ckpt", "--out", "o.npz") == 2
    assert "dvc repro train_pose@mlp" in capsys.readouterr().err
    (root / "junk.ckpt").write_bytes(b"junk")
    assert _run(root, monkeypatch, "--keypoints", "kp.npz", "--checkpoint", "junk.ckpt", "--out", "o.npz") == 2
    assert "not a readable checkpoint" in capsys.readouterr().err
    np.savez(root / "other.npz", points=keypoints)
    assert _run(root, monkeypatch, "--keypoints", "other.npz", "--out", "o.npz") == 2
    assert "has no 'keypoints' array" in capsys.readouterr().err


def test_bad_numbers_files_and_plot_names_fail_before_anything_is_written(workspace, monkeypatch, capsys):
    root, _, keypoints = workspace
    np.savez(root / "kp.npz", keypoints=keypoints)
    (root / "corrupt.npz").write_bytes(b"PK\x03\x04 not really a zip")
    np.savez(root / "text.npz", keypoints=np.array([["a", "b"]] * 25))
    cases = [(["--keypoints", "corrupt.npz"], "corrupt.npz is not a readable .npz"),
             (["--keypoints", "text.npz"], "text.npz is not a readable .npz with a numeric"),
             (["--keypoints", "kp.npz", "--w", "nan"], "--w: guidance weight must be a finite number"),
             (["--keypoints", "kp.npz", "--w", "inf"], "--w: guidance weight must be a finite number"),
             (["--keypoints", "kp.npz", "--plot", "o.xyz"], "--plot: .*o.xyz needs one of the suffixes"),
             (["--keypoints", "kp.npz", "--refine", "-1"], "--refine: number of steps must be >= 0, got -1"),
             (["--keypoints", "kp.npz", "--refine-lr", "0"], "--refine-lr: must be a number > 0")]
    import re

    for args, message in cases:
        assert _run(root, monkeypatch, *args, "--out", "never.npz") == 2, args
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and re.search(message, err), err
        assert not (root / "never.npz").exists()


def test_refine_reports_alignment_before_and_after(workspace, monkeypatch, capsys):
    root, _, keypoints = workspace
    np.savez(root / "kp.npz", keypoints=keypoints)
    assert _run(root, monkeypatch, "--keypoints", "kp.npz", "--num", "3", "--out", "plain.npz") == 0
    assert _run(root, monkeypatch, "--keypoints", "kp.npz", "--num", "3", "--out", "refined.npz",
                "--refine", "40") == 0
    printed = capsys.readouterr().out
    assert "(before 40 refinement steps: " in printed
    with np.load(root / "plain.npz") as plain, np.load(root / "refined.npz") as out:
        # the same draws (same seed), then descent: the fit tightens for every input
        np.testing.assert_allclose(out["alignment_error_before_refine"], plain["alignment_error"], rtol=1e-4)
        assert (out["alignment_error"].mean(1) < 0.8 * plain["alignment_error"].mean(1)).all()
        assert int(out["refine_steps"]) == 40 and out["joint_limit_violation_before_refine"].shape == (2, 3)
        # refined 6D is still a rotation per joint: first two columns unit length and orthogonal
        r = out["x6d"].reshape(2, 3, 24, 2, 3)
        np.testing.assert_allclose(np.linalg.norm(r, axis=-1), 1.0, atol=1e-5)
        np.testing.assert_allclose((r[..., 0, :] * r[..., 1, :]).sum(-1), 0.0, atol=1e-5)


def test_console_script_lists_the_commands():
    script = Path(sys.executable).parent / "invdiff"
    proc = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "sample-pose" in proc.stdout


def test_openpose_folder_with_two_people_and_missing_joints(workspace, monkeypatch, capsys):
    root, _, _ = workspace
    frames = Path(__file__).resolve().parent / "data" / "openpose" / "frames"
    assert cli.main(["sample-pose", "--keypoints", str(frames), "--num", "2", "--out", str(root / "op.npz"),
                     "--plot", str(root / "op.png")]) == 0
    with np.load(root / "op.npz") as out:
        assert out["x6d"].shape == (3, 2, 144) and out["keypoints_pred"].shape == (3, 2, 25, 2)
        assert list(out["labels"]) == ["frame_000000_keypoints.json person 0", "frame_000001_keypoints.json person 0",
                                       "frame_000001_keypoints.json person 1"]
        assert sorted(np.flatnonzero(~out["present"][2])) == [7, 11] and np.isnan(out["keypoints_input"][2, 7]).all()
        assert np.isfinite(out["alignment_error"]).all() and (out["framing_scale"] > 0).all()
        assert out["joint_limit_violation"].shape == (3, 2)
    printed = capsys.readouterr().out
    assert "frame_000001_keypoints.json person 1: alignment" in printed and "missing left_wrist, right_ankle" in printed
    assert (root / "op.png").stat().st_size > 0


def test_the_default_model_is_the_best_on_val_and_read_back_from_its_record(tmp_path):
    from invdiff.experiments.pose import default_model

    rows = {"mlp": {"w=0.0": {"pixel_alignment_error": 0.02}, "w=2.0": {"pixel_alignment_error": 0.01}},
            "transformer": {"w=0.5": {"pixel_alignment_error": 0.005}}}
    choice = default_model.choose(rows, ["mlp", "transformer"])
    assert (choice.arch, choice.w, choice.pixel_alignment_error) == ("transformer", 0.5, 0.005)
    assert default_model.choose(rows, ["mlp"]).w == 2.0
    default_model.write(choice, tmp_path / "pose_default.json")
    assert default_model.read(tmp_path / "pose_default.json") == choice
    fallback = default_model.read(tmp_path / "none.json")
    assert (fallback.arch, fallback.w) == ("mlp", 0.5) and "dvc repro eval_pose" in fallback.why()
    (tmp_path / "bad.json").write_text(json.dumps({"arch": "resnet", "w": 1.0, "pixel_alignment_error": 0.1,
                                                   "chosen_by": "hand"}))
    with pytest.raises(ConfigError, match=r"bad.json: not a default-model record \(unknown arch 'resnet'"):
        default_model.read(tmp_path / "bad.json")
    (tmp_path / "old.json").write_text(json.dumps({"arch": "mlp"}))
    with pytest.raises(ConfigError, match=r"old.json: not a default-model record"):
        default_model.read(tmp_path / "old.json")


def test_a_bad_number_is_refused_before_torch_loads():
    """`--w nan` used to take ~12 s (everything imported first); the check now runs before any heavy import
    (measured: ~0.1 s; speed itself belongs to benchmarks, this checks the cause)."""
    import subprocess
    import sys

    code = ("import sys; from invdiff import cli; "
            "rc = cli.main(['sample-pose', '--keypoints', 'x.json', '--out', 'y.npz', '--w', 'nan']); "
            "print(rc, 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.split() == ["2", "False"], out.stderr
    assert "--w: guidance weight must be a finite number" in out.stderr
