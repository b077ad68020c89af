"""DVC stage baselines_pose: the references, descent, MAP, DPS and CFG+DPS vs the trained models ->
metrics/pose_baselines.json.

MLflow (experiment `pose`): run `baselines_pose` with one child run per method.
"""
from invdiff import tracking
from invdiff.config import flatten
from invdiff.experiments.pose import baselines
from invdiff.experiments.pose.data import dataset as pose_dataset
from invdiff.experiments.pose.data.forward_model import load_forward_model
from invdiff.experiments.pose.evaluate import val_inputs
from invdiff.experiments.pose.figures import write_baseline_plots
from invdiff.experiments.pose.task import ARCHS, PoseTask
from invdiff.io import atomic_dir, write_results
from invdiff.paths import plots_dir
from invdiff.stage import run_stage

# the params keys this stage reads: dvc.yaml's params list (make dvc-deps), enforced while it runs
READS = ("seed", "camera", "pose.data", "pose.diffusion", "pose.eval", "pose.baselines")


def work(params):
    modules = {arch: PoseTask(arch).load() for arch in ARCHS if arch in params.pose.baselines.dps.priors}
    forward = load_forward_model(params.camera)
    inputs = val_inputs(params)
    rows, samples, choices = baselines.run(params, modules, forward, inputs)
    data_source = pose_dataset.load_stats()["data_source"]
    with atomic_dir(plots_dir("pose_baselines")) as folder:
        figures = write_baseline_plots(folder, params, rows, samples, inputs, forward, data_source)
    tracking.log_evaluation("pose", "baselines_pose", data_source, flatten(params.pose.baselines, "pose.baselines."),
                            {name: ({"method": name, "protocol": "val"}, row) for name, row in rows.items()},
                            figures=figures)
    write_results("pose_baselines", {**rows, "choices": choices, "data_source": data_source,
                                                "inputs": len(inputs.names), "seeds": params.pose.eval.seeds,
                                                "samples_per_input": params.pose.eval.samples_per_input})


if __name__ == "__main__":
    run_stage("baselines_pose", work, reads=READS)
