"""Headline numbers (what `dvc metrics show` displays) and the split of wall times out of the metrics."""
import json

import pytest

from invdiff.experiments.igo.evaluate import headline as igo_headline
from invdiff.experiments.pose.evaluate import headline as pose_headline
from invdiff.headline import best_over_w, significant
from invdiff.io import split_timings, write_results


def test_wall_times_leave_the_metrics_with_their_nesting():
    detail = {"w=0.0": {"fid": 3.0, "fid_sd": 0.1, "seconds": 2.5, "seconds_sd": 0.1},
              "pose": {"mlp": {"seconds_per_sample": 1e-3, "mpjpe_mm": 30.0}}, "train_seconds": {"mlp": 9.0},
              "seeds": 3, "secondary": 1}
    rest, timings = split_timings(detail)
    assert rest == {"w=0.0": {"fid": 3.0, "fid_sd": 0.1}, "pose": {"mlp": {"mpjpe_mm": 30.0}}, "seeds": 3,
                    "secondary": 1}
    assert timings == {"w=0.0": {"seconds": 2.5, "seconds_sd": 0.1}, "pose": {"mlp": {"seconds_per_sample": 1e-3}},
                       "train_seconds": {"mlp": 9.0}}


def test_write_results_puts_each_part_in_its_file(tmp_path, monkeypatch):
    monkeypatch.setenv("INVDIFF_WORKSPACE", str(tmp_path))
    monkeypatch.setenv("INVDIFF_ROOT", str(tmp_path))
    from invdiff.paths import headline_path, metrics_path, timings_path

    write_results("toy", {"fid": 3.0, "seconds": 1.0}, {"fid": 3.0})
    assert json.loads(metrics_path("toy").read_text()) == {"fid": 3.0}
    assert json.loads(timings_path("toy").read_text()) == {"seconds": 1.0}
    assert json.loads(headline_path("toy").read_text()) == {"fid": 3.0}


def test_best_guidance_weight_and_rounding():
    rows = {"w=0.0": {"fid": 9.0}, "w=0.5": {"fid": 4.0}, "w=2.0": {"fid": 7.0}, "gaussian_reference": {"fid": 1.0}}
    assert best_over_w(rows, "fid") == (0.5, {"fid": 4.0})
    assert significant(123.456) == 123.5 and significant(0.00123456) == 0.001235 and significant(0.0) == 0.0
    assert significant(None) is None


def test_igo_headline_names_the_best_alpha_and_keeps_an_absent_alpha_absent():
    metrics = {"alpha=0.9": {"fid": 300.0}, "alpha=0.6": {"fid": 350.0}, "gaussian_reference": {"fid": 900.0},
               "real_fid_floor": 20.0}
    assert igo_headline(metrics) == {"fid": None, "alpha_best": 0.9, "fid_ref": 900.0, "fid_floor": 20.0}


def test_pose_headline_takes_each_architectures_best_weight():
    def row(mpjpe, align):
        return {"mpjpe_mm": mpjpe, "pixel_alignment_error": align}

    val = {"mlp": {"w=0.0": row(30.0, 0.006), "w=1.0": row(32.0, 0.005)},
           "transformer": {"w=0.0": row(50.0, 0.01), "w=1.0": row(40.0, 0.02)}, "linear_gaussian": row(70.0, 0.013)}
    assert pose_headline({"val": val}) == pytest.approx({"mpjpe_mlp": 30.0, "mpjpe_tf": 40.0, "mpjpe_ref": 70.0})
