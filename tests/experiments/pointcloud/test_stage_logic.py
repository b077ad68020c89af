"""The point-cloud stages' logic, moved out of the stage scripts: Figure 5b's summary, which learned rows are
scored and shown, and the MLflow children (the training and denoising themselves are tested beside the task)."""
import pytest

from helpers.params import tiny_params
from invdiff.experiments.pointcloud.finetune import figure5b_summary, weight_change
from invdiff.experiments.pointcloud.report import methods_factory, mlflow_children, shown_clouds


def _records(start: float, end: float) -> list[dict]:
    return [{"step": 0, "cosine_D": start, "euclidean_E": 2.0}, {"step": 5, "cosine_D": 0.5, "euclidean_E": 2.5},
            {"step": 10, "cosine_D": end, "euclidean_E": 3.0}]


def test_weight_change_is_relative_to_the_start_of_fine_tuning():
    assert weight_change(_records(0.8, 0.6)) == pytest.approx({"cosine_D": -0.25, "euclidean_E": 0.5})
    assert weight_change(_records(-0.5, -1.0)) == pytest.approx({"cosine_D": -1.0, "euclidean_E": 0.5})  # |first|


def test_figure5b_summary_is_mean_and_sd_over_seeds():
    summary = figure5b_summary({0: _records(0.8, 0.6), 1: _records(0.8, 0.4)}, steps=10)
    assert summary["per_seed"]["seed1"]["cosine_D"] == -0.5
    assert summary["relative_change"]["cosine_D"] == pytest.approx(-0.375)
    assert summary["relative_change"]["cosine_D_sd"] == pytest.approx(0.125 * 2 ** 0.5, abs=1e-6)
    assert summary["steps"] == 10 and "paper" in summary


def test_the_figure_shows_each_learned_method_from_its_first_seed_in_a_fixed_order():
    clouds = {"jet": "J", "noisy": "N", "score#1": "S1", "score#0": "S0", "igo_tau#0": "T0", "igo_t#0": "t0"}
    shown = shown_clouds(clouds, first_seed=0)
    assert list(shown) == ["noisy", "jet", "score", "igo_tau"] and shown["score"] == "S0"
    assert shown_clouds(clouds, first_seed=1) == {"noisy": "N", "jet": "J", "score": "S1"}


def test_every_model_is_a_method_beside_the_classical_denoisers():
    methods_at = methods_factory(tiny_params(), {"pretrained": (object(), "t"), "igo_tau#0": (object(), "tau")})
    methods = methods_at(1000, 0.01)
    assert set(methods) == {"noisy", "bilateral", "jet", "pretrained", "igo_tau#0"}
    assert methods["igo_tau#0"].keywords["pathway"] == "tau"


def test_one_child_run_per_method_and_setting_without_the_per_seed_lists():
    results = {"1000/0.01": {"rows": {"jet": {"cd": 1.0, "seeds": [1.0, 2.0]}}}}
    assert mlflow_children(results) == {
        "jet 1000/0.01": ({"method": "jet", "points": 1000, "noise": 0.01}, {"cd": 1.0})}
