"""baselines_pose glue on the tiny workspace: every method returns K answers per input and honest counts."""
import numpy as np
import pytest
import torch

from helpers.pose_workspace import build_pose_workspace
from helpers.project import at_project


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("basews")
    params = build_pose_workspace(root)
    with at_project(root):
        yield root, params


def test_every_method_reports_every_metric(workspace):
    from invdiff.experiments.pose import baselines as pose_baselines
    from invdiff.experiments.pose import evaluate as pose_eval
    from invdiff.experiments.pose.data.forward_model import load_forward_model
    from invdiff.experiments.pose.metrics import METRIC_KEYS
    from invdiff.experiments.pose.task import PoseTask

    root, params = workspace
    modules = {"transformer": PoseTask("transformer").load()}
    params = params.model_copy(update={"pose": params.pose.model_copy(update={"baselines": params.pose.baselines.
                               model_copy(update={"dps": params.pose.baselines.dps.
                                                  model_copy(update={"priors": ["transformer"]})})})})
    forward = load_forward_model(params.camera)
    inputs = pose_eval.val_inputs(params)
    rows, samples, choices = pose_baselines.run(params, modules, forward, inputs)
    prior = pose_baselines.mean_pose()
    refined = [name for name in rows if name.endswith(" + refine")]
    assert set(rows) - set(refined) == {"linear_gaussian", "linear_gaussian_mean", "cfg transformer w=0",
                                        "cfg transformer w=2", "gradient_descent", "map_linear_gaussian", "dps",
                                        "cfg+dps"}
    # refinement starts from the samples of the model's best w by alignment, and tightens their fit
    plain = min(("cfg transformer w=0", "cfg transformer w=2"), key=lambda n: rows[n]["pixel_alignment_error"])
    assert refined == [plain + " + refine"]
    assert rows[refined[0]]["pixel_alignment_error"] < rows[plain]["pixel_alignment_error"]
    assert rows[refined[0]]["forward_evaluations_per_sample"] == params.pose.baselines.refine.steps
    k = params.pose.eval.samples_per_input
    for name, row in rows.items():
        assert set(METRIC_KEYS) <= row.keys() and all(np.isfinite(v) for v in row.values()), name
        assert {"seconds_per_sample", "forward_evaluations_per_sample", "mpjpe_mm_sd"} <= row.keys(), name
        assert samples[name].shape == (len(inputs.names), k, 144)
    assert rows["gradient_descent"]["forward_evaluations_per_sample"] == params.pose.baselines.gradient_descent.steps
    assert rows["dps"]["forward_evaluations_per_sample"] == params.pose.baselines.dps.steps
    assert rows["linear_gaussian_mean"]["diversity_mm"] == 0.0
    sweep = choices["dps"]
    assert sweep["chosen"] == min(sweep["score_by_option"], key=sweep["score_by_option"].get)
    assert choices["map_linear_gaussian"]["criterion"] == "mpjpe_mm"
    assert choices["dps_prior"] == "transformer" and choices["dps_zeta"] in params.pose.baselines.dps.zetas
    # the choices are made on val frames disjoint from the reported ones
    swept = pose_baselines.sweep_inputs(params, params.pose.eval.val_inputs)
    assert not set(swept.names) & set(inputs.names) and len(swept.names) > 0
    # the mean pose is a valid pose: unit 6D columns
    cols = prior.reshape(24, 2, 3)
    torch.testing.assert_close(cols.norm(dim=-1), torch.ones(24, 2), atol=1e-5, rtol=0)


def test_gradient_descent_reduces_the_keypoint_misfit(workspace):
    from invdiff.experiments.pose import baselines as pose_baselines
    from invdiff.experiments.pose import evaluate as pose_eval
    from invdiff.experiments.pose.data.forward_model import load_forward_model

    root, params = workspace
    forward = load_forward_model(params.camera)
    inputs = pose_eval.val_inputs(params)
    longer = params.model_copy(update={"pose": params.pose.model_copy(update={"baselines": params.pose.baselines.
                               model_copy(update={"gradient_descent": params.pose.baselines.gradient_descent.
                                                  model_copy(update={"steps": 60})})})})
    x6d, evaluations = pose_baselines.gradient_descent(forward, inputs, 2, longer, torch.Generator().manual_seed(0))
    prior = pose_baselines.mean_pose()
    assert evaluations == 60
    with torch.no_grad():
        before = (forward(prior.expand(len(inputs.names), -1)) - inputs.keypoints).abs().mean()
        after = (forward(x6d) - inputs.keypoints[:, None]).abs().mean()
    assert after < 0.5 * before


def test_the_authors_protocol_fixes_one_camera_per_sequence_and_scores_the_truth_as_exact(workspace):
    from invdiff.experiments.pose import evaluate as pose_eval
    from invdiff.experiments.pose.data.forward_model import load_forward_model
    from invdiff.experiments.pose.scoring import score_samples

    root, params = workspace
    forward = load_forward_model(params.camera)
    paper, outside = pose_eval.paper_inputs(params, forward)
    assert outside >= 0 and len(paper.names) == len(paper.view.positions) == len(paper.keypoints)
    sequences = [name.split("@")[0] for name in paper.names]
    for sequence in set(sequences):
        rows = [i for i, s in enumerate(sequences) if s == sequence]
        assert (paper.view.positions[rows] == paper.view.positions[rows[0]]).all()
    assert paper.view.transl.abs().sum() > 0, "the body keeps its global translation"
    row, _ = score_samples(forward, paper, paper.x6d[:, None].expand(-1, 2, -1), 0.0)
    assert row["pixel_alignment_error"] < 1e-5 and row["mpjpe_mm"] < 1e-3
