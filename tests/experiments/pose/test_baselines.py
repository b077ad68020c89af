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
    module = PoseTask("transformer").load()
    forward = load_forward_model(params.camera)
    inputs = pose_eval.protocol_inputs(params)["val"]
    rows, samples, sweep = pose_baselines.run(params, module, forward, inputs)
    prior = pose_baselines.mean_pose()
    assert set(rows) == {"cfg w=0", "cfg w=2", "gradient_descent", "dps", "cfg+dps"}
    k = params.pose.eval.samples_per_input
    for name, row in rows.items():
        assert set(METRIC_KEYS) <= row.keys() and all(np.isfinite(v) for v in row.values()), name
        assert samples[name].shape == (len(inputs.names), k, 144)
    assert rows["gradient_descent"]["forward_evaluations_per_sample"] == params.pose.baselines.gradient_descent.steps
    assert rows["dps"]["forward_evaluations_per_sample"] == params.pose.baselines.dps.steps
    assert sweep["chosen_zeta"] == min(params.pose.baselines.dps.zetas,
                                       key=lambda z: sweep["alignment_by_zeta"][f"zeta={z:g}"])
    # the mean pose is a valid pose: unit 6D columns
    cols = prior.reshape(24, 2, 3)
    torch.testing.assert_close(cols.norm(dim=-1), torch.ones(24, 2), atol=1e-5, rtol=0)


def test_gradient_descent_reduces_the_keypoint_misfit(workspace):
    from invdiff.experiments.pose import baselines as pose_baselines
    from invdiff.experiments.pose import evaluate as pose_eval
    from invdiff.experiments.pose.data.forward_model import load_forward_model

    root, params = workspace
    forward = load_forward_model(params.camera)
    inputs = pose_eval.protocol_inputs(params)["val"]
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
